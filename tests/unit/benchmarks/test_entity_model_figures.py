"""The spaCy models run on numpy's BLAS only because the mentions are exactly blis's: checked here on corpus pages
of every language with a model (``make bench`` checks the whole corpus), and the bench group prints its figures."""

from __future__ import annotations

import pytest

from benchmarks.corpus import generate_page
from benchmarks.entities import article_of, blas_figures, hindi_tagging_figure, language_tagging_figures
from benchmarks.run import raw_article_for
from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS
from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.record import Provenance, enrich_article

PAGES = 70  # ten pages per generated language


@pytest.fixture(scope="module")
def corpus_articles():
    articles = []
    for index in range(PAGES):
        try:
            articles.append(enrich_article(raw_article_for(generate_page(0, index)), provenance=Provenance()))
        except EnrichmentError:
            continue
    return articles


SPACY_LANGUAGES = sorted(language for language, reference in DEFAULT_MODELS.items() if reference != "natasha")


@pytest.mark.parametrize("language", SPACY_LANGUAGES)
def test_numpy_blas_mentions_equal_blis_mentions(corpus_articles, language):
    bodies = [article.body for article in corpus_articles if article.language == language]
    assert len(bodies) >= 5, f"too few {language} pages in the corpus subset"
    on_numpy = SpacyRecognizer(DEFAULT_MODELS[language])
    on_blis = SpacyRecognizer(DEFAULT_MODELS[language], numpy_blas=False)
    found = 0
    for body in bodies:
        mentions = on_numpy.find(body)
        assert mentions == on_blis.find(body), body[:80]
        found += len(mentions)
    assert found, f"the {language} model found nothing: the comparison would prove nothing"


def test_entity_model_figures_are_complete(corpus_articles):
    bodies = [article.body for article in corpus_articles]
    figures = {figure.name: figure.as_dict() for figure in
               blas_figures(bodies, [article.language for article in corpus_articles])}
    assert figures["entities_numpy_blas_mismatching_docs"]["value"] == 0
    assert figures["entities_numpy_blas_mismatching_docs"]["met"] is True
    compared = sum(article.language in SPACY_LANGUAGES for article in corpus_articles)
    assert figures["entities_numpy_blas_mismatching_docs"]["baseline"] == compared
    assert figures["entity_model_ms_per_doc"]["value"] > 0


def test_hindi_tagging_figure_compares_with_the_extraction_time():
    figure = hindi_tagging_figure(typical_extract_ms=12.5).as_dict()
    if figure["value"] is None:
        pytest.skip(figure["note"])
    # A measurement beside its baseline, with no target: the Hindi speed target was withdrawn (quality first).
    assert figure["baseline"] == 12.5 and figure["unit"] == "ms" and figure["value"] > 0 and figure["met"] is None


def test_article_of_cuts_at_a_space_and_needs_enough_text():
    assert article_of(["aaaa bbbb", "cccc"], characters=12) == "aaaa bbbb"
    assert article_of(["short"], characters=12) is None


def test_language_tagging_figures_compare_every_model_language_with_hindi(corpus_articles):
    bodies = [article.body for article in corpus_articles] * 4  # enough characters of each language
    languages = [article.language for article in corpus_articles] * 4
    figures = {figure.name: figure.as_dict() for figure in language_tagging_figures(bodies, languages)}
    for language in DEFAULT_MODELS:
        figure = figures[f"entity_tagging_5000_chars_ms_{language}"]
        assert figure["value"] is not None and figure["value"] > 0, figure
        assert figures[f"entity_model_load_s_{language}"]["value"] > 0
    english = figures["entity_tagging_5000_chars_ms_en"]
    assert english["baseline"] == figures["entity_tagging_5000_chars_ms_hi"]["value"]
    assert english["met"] in (True, False)
