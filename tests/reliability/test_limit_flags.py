"""Every per-article limit is a pipeline flag that reaches the code enforcing it."""

from __future__ import annotations

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from presspipe.pipelines.options import ConfigError, IngestConfig


def config_of(*flags: str) -> IngestConfig:
    return IngestConfig.from_options(PipelineOptions(list(flags)))


def test_limit_flags_map_onto_enrich_settings():
    settings = config_of("--max_body_bytes", "1000", "--max_decompressed_bytes", "2000", "--max_dom_nodes", "300",
                         "--max_text_chars", "400", "--max_entities", "5", "--extract_timeout_ms", "1500").enrich
    assert (settings.max_body_bytes, settings.max_decompressed_bytes, settings.max_dom_nodes,
            settings.max_text_chars, settings.max_entities, settings.extract_timeout_ms) == (
        1000, 2000, 300, 400, 5, 1500)
    defaults = config_of().enrich
    assert (defaults.max_body_bytes, defaults.max_decompressed_bytes, defaults.extract_timeout_ms) == (
        10 * 1024 * 1024, 50 * 1024 * 1024, 10_000)


@pytest.mark.parametrize("flag", ["--max_body_bytes", "--max_dom_nodes", "--max_entities", "--extract_timeout_ms"])
def test_negative_limits_are_bad_usage(flag):
    with pytest.raises(ConfigError, match=flag):
        config_of(flag, "-1")


@pytest.mark.slow
def test_the_enrich_dofn_builds_its_tagger_and_guard_from_the_settings():
    from dataclasses import replace

    from apache_beam.utils.shared import Shared

    from presspipe.pipelines.enrich.entities import EntityConfig, TooManyEntitiesError
    from presspipe.pipelines.enrich.record import EnrichSettings, extract_document
    from presspipe.pipelines.guard import GuardedExtractor
    from presspipe.pipelines.transforms import _EnrichFn

    fn = _EnrichFn(replace(EnrichSettings(), max_entities=2, extract_timeout_ms=2500),
                   EntityConfig(models={}), tag_entities=True, shared=Shared())
    fn.setup()
    try:
        with pytest.raises(TooManyEntitiesError):
            fn._tagger.tag("Paris, London and Berlin signed the harbour treaty.", "en")
        assert isinstance(fn._extract, GuardedExtractor) and fn._worker.settings.timeout_s == 2.5
    finally:
        fn.teardown()
    unguarded = _EnrichFn(replace(EnrichSettings(), extract_timeout_ms=0), None, tag_entities=False, shared=Shared())
    unguarded.setup()
    assert unguarded._extract is extract_document and unguarded._tagger is None
    unguarded.teardown()
