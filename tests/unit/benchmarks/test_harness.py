"""The harness's own logic: the timed stage composition is the enrichment, figures compute ``met`` honestly,
the corpus is a pure function of its seed."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest

from benchmarks.corpus import (LANGUAGES, MAX_PAGE_BYTES, MIN_PAGE_BYTES, STYLES, fixture_pages, generate_page,
                               load_corpus)
from benchmarks.figures import Figure, Target, percentile, table
from benchmarks.run import FETCHED_AT, enrich_staged, raw_article_for
from presspipe.connectors.base import AVRO_CONTENT_TYPE
from presspipe.pipelines.enrich.decode import decode_raw_article
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.language import default_detector
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, enrich_article


def test_generated_pages_are_a_pure_function_of_seed_and_index():
    assert generate_page(3, 17) == generate_page(3, 17)
    assert generate_page(3, 17).body != generate_page(4, 17).body
    assert generate_page(3, 17).body != generate_page(3, 18).body


def test_generated_pages_cover_languages_and_styles_within_realistic_weight():
    pages = [generate_page(0, index) for index in range(70)]
    assert {page.language for page in pages} == set(LANGUAGES)
    assert {page.style for page in pages} == set(STYLES)
    assert all(MIN_PAGE_BYTES <= len(page.body) <= MAX_PAGE_BYTES for page in pages), [len(p.body) for p in pages]


def test_cache_returns_what_the_generator_makes(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSPIPE_BENCH_CACHE", str(tmp_path))
    first = load_corpus(5, seed=9)
    again = load_corpus(5, seed=9)
    assert first == again == [generate_page(9, index) for index in range(5)]


def _staged_and_direct(page, tagger=None):
    settings = EnrichSettings()
    detector = default_detector(settings.language.seed, settings.language.backend)
    message = raw_article_for(page).encode()
    headers = {"content-type": AVRO_CONTENT_TYPE}
    staged = enrich_staged(message, headers, settings=settings, tagger=tagger, detector=detector)
    raw = decode_raw_article(message, headers)
    try:
        direct = enrich_article(raw, provenance=Provenance("bench.raw", 0, 0), settings=settings, tagger=tagger,
                                processed_at=FETCHED_AT)
    except EnrichmentError as error:
        return staged, error
    return staged, direct


@pytest.mark.parametrize("page", fixture_pages() + [generate_page(0, index) for index in range(7)],
                         ids=lambda page: page.name)
def test_timed_stages_compose_exactly_like_enrich_article(page):
    staged, direct = _staged_and_direct(page)
    if isinstance(direct, EnrichmentError):
        assert staged.article is None and staged.error.endswith(type(direct).__name__)
        return
    assert staged.error is None
    assert staged.article == direct
    assert set(staged.seconds) == {"decode", "extract", "clean", "language", "entities", "encode"}


def test_figure_met_follows_its_target():
    assert Figure("a", 8.0, "docs/s", 10.0, "plain", Target(min_ratio=0.75)).as_dict()["met"] is True
    assert Figure("a", 7.0, "docs/s", 10.0, "plain", Target(min_ratio=0.75)).as_dict()["met"] is False
    assert Figure("b", 1.2, "ms", 1.0, "plain", Target(max_ratio=1.0)).as_dict()["met"] is False
    assert Figure("c", 1.9, "s", target=Target(max_value=2.0)).as_dict()["met"] is True
    assert Figure("c", None, "s", target=Target(max_value=2.0)).as_dict()["met"] is None
    assert Figure("d", 3.0, "ms").as_dict()["met"] is None
    line = json.loads(Figure("a", 8.0, "docs/s", 10.0, "plain", Target(min_ratio=0.75)).json_line())
    assert line["ratio"] == 0.8 and line["target"] == ">= 0.75x baseline"
    assert "a" in table([Figure("a", 8.0, "docs/s", 10.0, "plain")])


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.5) == 50
    assert percentile([7], 0.99) == 7


def test_agreement_counts_mismatches_and_times_both_sides():
    from benchmarks.figures import agreement

    ticks = iter(range(100))
    result = agreement(lambda x: x * 2, lambda x: x + x if x != 3 else -1, [1, 2, 3, 4], clock=lambda: next(ticks))
    assert (result.compared, result.mismatches) == (4, 1)
    assert result.reference_seconds == result.candidate_seconds == 4  # one tick per call on each side
