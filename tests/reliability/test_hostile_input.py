"""Hostile and broken input against the enrichment itself (no broker): one dead letter at the right stage, or a
correct article, and never an exception outside the ``EnrichmentError``/``RawDecodeError`` contract."""

from __future__ import annotations

import functools
import tracemalloc

import pytest

from presspipe.pipelines.enrich.decode import RawDecodeError, decode_raw_article
from presspipe.pipelines.enrich.errors import EnrichmentError, LimitExceededError
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, decode_document, enrich_article
from presspipe.schemas import Article
from tests.reliability.hostile import Case, cases, gzip_bomb, raw

CASE_NAMES = [case.name for case in cases(large_page_bytes=16, bomb_bytes=1 << 20)]


@functools.lru_cache(maxsize=1)
def hostile_cases() -> dict[str, Case]:
    return {case.name: case for case in cases()}


def outcome(case: Case, settings: EnrichSettings = EnrichSettings()):
    """(stage, error) for a failure the pipeline dead-letters, or (None, article)."""
    try:
        raw_article = decode_raw_article(case.value, dict(case.headers))
        return None, enrich_article(raw_article, provenance=Provenance("raw", 0, 7), settings=settings)
    except (RawDecodeError, EnrichmentError) as error:
        return error.stage, error


@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_hostile_input_has_its_outcome(name):
    case = hostile_cases()[name]
    stage, result = outcome(case)
    assert stage == case.stage, f"{name}: expected {case.stage or 'an article'}, got {stage}: {result}"
    if case.stage is None:
        assert result.body.strip()
        assert isinstance(result, Article)
        result.encode()  # the article is valid Avro, so no sink can fail on it
        if case.check:
            case.check(result)
    elif case.message_contains:
        assert case.message_contains in str(result)


def test_limits_name_themselves_and_are_configurable():
    page = raw(("<html><body>" + "<b>x</b>" * 300 + "<p>" + "word " * 300 + "</p></body></html>").encode())
    for settings, limit in ((EnrichSettings(max_body_bytes=100), "max_body_bytes"),
                            (EnrichSettings(max_dom_nodes=100), "max_dom_nodes"),
                            (EnrichSettings(max_text_chars=100), "max_text_chars")):
        with pytest.raises(LimitExceededError) as caught:
            enrich_article(page, provenance=Provenance(), settings=settings)
        assert (caught.value.stage, caught.value.limit_name) == ("limits", limit)
    assert enrich_article(page, provenance=Provenance()).word_count >= 300  # the defaults let it through


def test_fifty_megabyte_page_is_refused_before_any_parsing():
    page = raw(b"<html><body><p>" + b"a" * (50 * 1024 * 1024) + b"</p></body></html>")
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError) as caught:
            enrich_article(page, provenance=Provenance())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit_name == "max_body_bytes"
    assert peak < 1024 * 1024, f"refusing a 50 MB page allocated {peak} bytes: it was copied or parsed"


def test_gzip_bomb_is_refused_without_inflating_it():
    bomb = gzip_bomb(256 * 1024 * 1024)  # 256 MB of zeros in about 250 KB
    settings = EnrichSettings(max_decompressed_bytes=1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError) as caught:
            decode_document(raw(bomb), settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit_name == "max_decompressed_bytes"
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes: the bomb was inflated past the cap"


@pytest.mark.slow
def test_entity_count_limit_dead_letters_at_limits():
    from presspipe.pipelines.enrich.entities import EntityConfig, build_tagger

    crowded = ("Paris, London, Berlin, Madrid, Rome, Vienna and Moscow sent delegations to the summit on the "
               "harbour. The ministers met for two days and agreed on a common statement about ferries.")
    quiet = ("Delegations from Paris and Berlin met at the harbour. The ministers talked for two days and agreed "
             "on a common statement about ferries and the timetable for the coming winter.")
    tagger = build_tagger(EntityConfig(models={}, max_entities=3))  # gazetteer only: the limit, not the models
    with pytest.raises(EnrichmentError) as caught:
        enrich_article(raw(crowded.encode(), content_type="text/plain"), provenance=Provenance(), tagger=tagger)
    assert (caught.value.stage, caught.value.limit_name) == ("limits", "max_entities")
    article = enrich_article(raw(quiet.encode(), content_type="text/plain"), provenance=Provenance(), tagger=tagger)
    assert 1 <= len(article.entities) <= 3
