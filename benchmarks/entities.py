"""Entity-model figures of ``make bench`` (group ``entity_models``).

* ``entities_numpy_blas_mismatching_docs`` -- the spaCy models run on numpy's BLAS (see
  :mod:`presspipe.pipelines.enrich.entities.spacy_backend`) only because that returns exactly the mentions thinc's default
  (blis) returns: every cleaned body of the corpus in a language with a model is tagged both ways and compared.
* ``entity_model_ms_per_doc`` -- the same documents, numpy's BLAS against blis.
* ``hindi_tagging_5000_chars_ms`` -- issue 4's speed target: the default tagger (Hindi model, gazetteer,
  propagation) on a 5,000-character Hindi article, against the median ``trafilatura.extract`` of a corpus page
  measured in the same run.
* ``entity_tagging_5000_chars_ms_<lang>`` -- issue 17: the default tagger per language with a default model
  (English, Hindi, French, Russian) on 5,000 characters of that language's cleaned corpus bodies, median CPU ms,
  each beside Hindi's figure of the same run (English must cost less than Hindi); ``entity_model_load_s_<lang>``
  -- what the first document of a language costs a worker (the model loads then).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from benchmarks.figures import Figure, Target, agreement, not_available

REPEATS = 31


def _cpu_ms(call, repeats: int = REPEATS) -> float:
    """Median process CPU time of ``call`` in ms, first call discarded: CPU time ignores waiting for a shared core."""
    call()
    times = []
    for _ in range(repeats):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def blas_figures(bodies: Sequence[str], languages: Sequence[str]) -> list[Figure]:
    """Tag every body that has a model both ways; count documents whose mentions differ."""
    from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS
    from presspipe.pipelines.enrich.entities.natasha_backend import NATASHA_REFERENCE
    from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer

    # natasha is not a spaCy model: it has no BLAS choice to check.
    spacy_models = {language: reference for language, reference in DEFAULT_MODELS.items()
                    if reference != NATASHA_REFERENCE}
    results = []
    for language, reference in spacy_models.items():
        documents = [body for body, body_language in zip(bodies, languages) if body_language == language]
        if documents:
            # With the language, as a worker loads them (it decides the generic-phrase beam check).
            on_numpy = SpacyRecognizer(reference, language=language)
            on_blis = SpacyRecognizer(reference, numpy_blas=False, language=language)
            results.append(agreement(on_blis.find, on_numpy.find, documents, clock=time.process_time))
    compared = sum(result.compared for result in results)
    mismatches = sum(result.mismatches for result in results)
    blis_seconds = sum(result.reference_seconds for result in results)
    numpy_seconds = sum(result.candidate_seconds for result in results)
    if not compared:
        reason = "no corpus document is in a language with a model"
        return [not_available("entities_numpy_blas_mismatching_docs", "docs", reason),
                not_available("entity_model_ms_per_doc", "ms/doc", reason)]
    return [
        Figure("entities_numpy_blas_mismatching_docs", mismatches, "docs", compared, "documents compared",
               Target(max_value=1), note=f"spaCy models of {', '.join(sorted(spacy_models))}; mentions must be equal"),
        Figure("entity_model_ms_per_doc", numpy_seconds / compared * 1000, "ms/doc", blis_seconds / compared * 1000,
               "the same models on blis (thinc's default)", note="CPU time of the model call alone"),
    ]


def hindi_tagging_figure(typical_extract_ms: float) -> Figure:
    """The default tagger on a 5,000-character Hindi article (built from the shared seeds) against extraction."""
    name = "hindi_tagging_5000_chars_ms"
    from training.measure_tagging import SEEDS, hindi_article

    if not SEEDS.is_dir():
        return not_available(name, "ms", f"the Hindi seed articles are not at {SEEDS}")
    from presspipe.pipelines.enrich.entities import build_tagger

    tagger = build_tagger()
    article = hindi_article()
    return Figure(name, _cpu_ms(lambda: tagger.tag(article, "hi")), "ms", typical_extract_ms,
                  "trafilatura.extract median of a corpus page", None,  # target withdrawn: the model stays (quality)
                  note=f"{len(article)} characters, default tagger (model, gazetteer, propagation), median CPU ms")


ARTICLE_CHARACTERS = 5000


def article_of(bodies: Sequence[str], characters: int = ARTICLE_CHARACTERS) -> str | None:
    """About ``characters`` characters of the given bodies, joined as paragraphs and cut at a space (None if the
    bodies hold fewer than ``characters`` characters in all)."""
    text = "\n\n".join(bodies)
    if len(text) < characters:
        return None
    cut = max(text.rfind(" ", 0, characters), text.rfind("\n", 0, characters))
    return text[:cut if cut > 0 else characters].rstrip()


def language_tagging_figures(bodies: Sequence[str], languages: Sequence[str]) -> list[Figure]:
    """Per language with a default model: the default tagger's median CPU ms on 5,000 characters of that language's
    corpus bodies, beside Hindi's (English must cost less), and the model's load time on the first document."""
    from presspipe.pipelines.enrich.entities import build_tagger
    from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS

    tagger = build_tagger()
    measured: dict[str, float] = {}
    load_seconds: dict[str, float] = {}
    articles: dict[str, str] = {}
    for language in DEFAULT_MODELS:
        article = article_of([body for body, body_language in zip(bodies, languages) if body_language == language])
        if article is None:
            continue
        articles[language] = article
        started = time.process_time()
        tagger.tag(article, language)  # loads the model: a worker's first document of the language
        load_seconds[language] = time.process_time() - started
        measured[language] = _cpu_ms(lambda: tagger.tag(article, language))
    figures = []
    hindi = measured.get("hi")
    for language in DEFAULT_MODELS:
        name = f"entity_tagging_5000_chars_ms_{language}"
        if language not in measured:
            figures.append(not_available(name, "ms", f"the corpus has fewer than {ARTICLE_CHARACTERS} characters of {language}"))
            continue
        target = Target(max_ratio=1.0) if language == "en" else None
        figures.append(Figure(name, measured[language], "ms", hindi if language != "hi" else None,
                              "the Hindi tagging of the same run" if language != "hi" else None, target,
                              note=f"{len(articles[language])} characters of corpus bodies, default tagger "
                                   f"({DEFAULT_MODELS[language]}, gazetteer, propagation), median CPU ms"))
        figures.append(Figure(f"entity_model_load_s_{language}", load_seconds[language], "s",
                              note="CPU seconds of the first document of the language (model and gazetteer load)"))
    return figures
