from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import pytest

from presspipe.pipelines.enrich.entities import (
    EntityConfig,
    EntityConfigError,
    EntityTagger,
    EntityTaggingError,
    TooManyEntitiesError,
    build_tagger,
)
from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer
from presspipe.pipelines.enrich.entities.tagger import CompositeTagger


def test_default_tagger_covers_hindi_french_english_and_gazetteer_languages(default_tagger):
    assert isinstance(default_tagger, EntityTagger)
    hindi = default_tagger.tag("मुख्यमंत्री अखिलेश यादव हनोई पहुंचे और वियतनाम के नेताओं से मिले। यादव ने कहा।", "hi")
    assert {(e.text, e.label, e.normalized, e.kb_id) for e in hindi} >= {
        ("अखिलेश यादव", "PERSON", "अखिलेश यादव", None), ("हनोई", "LOC", "हनोई", "iso3166-2:VN-HN"),
        ("वियतनाम", "LOC", "वियतनाम", "iso3166:VN"), ("यादव", "PERSON", "अखिलेश यादव", None)}
    french = default_tagger.tag("Emmanuel Macron est arrivé à Berlin.", "fr")
    assert {(e.text, e.label) for e in french} >= {("Emmanuel Macron", "PERSON"), ("Berlin", "LOC")}
    english = default_tagger.tag("Talks between Vietnam and Russia resumed.", "en")
    assert [(e.text, e.kb_id, e.source) for e in english] == [
        ("Vietnam", "iso3166:VN", "gazetteer"), ("Russia", "iso3166:RU", "gazetteer")]
    german = default_tagger.tag("Gespräche zwischen Vietnam und Russland.", "de")
    assert {e.kb_id for e in german} == {"iso3166:VN", "iso3166:RU"}
    assert default_tagger.tag("Gespräche.", "zh-cn") == ()


def test_too_many_entities_raises_a_specific_error(gazetteer):
    tagger = CompositeTagger({}, gazetteer, EntityConfig(models={}, max_entities=2))
    with pytest.raises(TooManyEntitiesError) as caught:
        tagger.tag("Vietnam, Russia, Germany and France.", "en")
    assert caught.value.limit_name == "max_entities"
    assert isinstance(caught.value, EntityTaggingError)


def test_backend_failures_are_raised_not_swallowed(gazetteer, monkeypatch):
    recognizer = SpacyRecognizer("fr_core_news_sm")

    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(recognizer, "_nlp", broken)
    tagger = CompositeTagger({"fr": recognizer}, gazetteer, EntityConfig(models={}))
    with pytest.raises(EntityTaggingError, match="boom"):
        tagger.tag("Paris", "fr")


def test_config_is_frozen_and_normalises_languages(tmp_path):
    config = EntityConfig(models={"FR-fr": "fr_core_news_sm"}, entity_lists=[str(tmp_path / "x.jsonl")])
    assert dict(config.models) == {"fr": "fr_core_news_sm"}
    assert config.entity_lists == (tmp_path / "x.jsonl",)
    with pytest.raises(FrozenInstanceError):
        config.max_entities = 5  # type: ignore[misc]
    with pytest.raises(EntityConfigError):
        EntityConfig(max_entities=-1)
    with pytest.raises(EntityConfigError):
        build_tagger(EntityConfig(models={"xx": "not_a_model"}, gazetteer=False))


def test_user_list_only_tagger(tmp_path):
    path = tmp_path / "watch.jsonl"
    path.write_text(json.dumps({"id": "watch:1", "label": "ORG", "names": {"*": ["Acme Widgets"]}}) + "\n", encoding="utf-8")
    tagger = build_tagger(EntityConfig(models={}, gazetteer=False, entity_lists=(path,)))
    (entity,) = tagger.tag("Shares of Acme Widgets fell; Vietnam.", "en")
    assert (entity.text, entity.label, entity.kb_id, entity.source) == ("Acme Widgets", "ORG", "watch:1", "user_list")


def test_hindi_danda_without_space_keeps_offsets(default_tagger):
    text = "यह यात्रा अहम है।वियतनाम और रूस ने समझौता किया॥रूस"
    entities = default_tagger.tag(text, "hi")
    assert [(e.text, e.start) for e in entities if e.label == "LOC"] == [
        ("वियतनाम", text.index("वियतनाम")), ("रूस", text.index("रूस")), ("रूस", text.rindex("रूस"))]
    assert all(text[e.start:e.end] == e.text for e in entities)


def test_errors_join_the_enrichment_hierarchy():
    import pickle

    from presspipe.pipelines.enrich.errors import EnrichmentError

    error = TooManyEntitiesError(1200, 1000)
    assert isinstance(error, EnrichmentError) and error.stage == "limits"
    assert EntityTaggingError("x").stage == "entities"
    restored = pickle.loads(pickle.dumps(error))
    assert (type(restored), restored.found, restored.limit, restored.limit_name) == (TooManyEntitiesError, 1200, 1000, "max_entities")


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = st.sampled_from(["रूस", "वियतनाम", "हनोई", "पुतिन", "व्लादिमीर", "ने", "में", "कहा", "है।", "॥", "भारतीय",
                          "Paris", "Vietnam", "-", ",", " ", "\n\n", "१२", "श्री", "संयुक्त", "राष्ट्र", "ि", "्"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_WORDS, max_size=40), separator=st.sampled_from([" ", "", "\u00a0"]), language=st.sampled_from(["hi", "fr", "en"]))
def test_full_tagger_offsets_hold_on_random_text(default_tagger, pieces, separator, language):
    text = separator.join(pieces)
    entities = default_tagger.tag(text, language)
    end = 0
    for entity in entities:
        assert text[entity.start:entity.end] == entity.text
        assert entity.start >= end and entity.label in {"PERSON", "ORG", "LOC"}
        end = entity.end
