"""Russian entities through natasha, behind the recogniser interface (issue 17, item 2)."""

from __future__ import annotations

import pytest

from presspipe.pipelines.enrich.entities.natasha_backend import NatashaRecognizer
from presspipe.pipelines.enrich.entities.recognizers import Recognizer

TEXT = ("Президент России Владимир Путин прибыл в Ханой, где встретился с генеральным секретарём Нгуеном Фу Чонгом. "
        "Позже Путин выступил в Организации Объединённых Наций.")


@pytest.fixture(scope="module")
def natasha():
    return NatashaRecognizer()


def test_natasha_is_a_recognizer_with_offsets_into_the_text(natasha):
    assert isinstance(natasha, Recognizer)
    mentions = natasha.find(TEXT)
    found = {(TEXT[m.start:m.end], m.label) for m in mentions}
    assert {("Владимир Путин", "PERSON"), ("России", "LOC"), ("Ханой", "LOC")} <= found
    assert any(label == "ORG" and "Организации" in text for text, label in found)
    assert all(m.source == "model" and m.label in {"PERSON", "ORG", "LOC"} for m in mentions)


def test_the_default_tagger_tags_russian_with_natasha_gazetteer_and_propagation(default_tagger):
    entities = default_tagger.tag(TEXT, "ru")
    putin = [e for e in entities if e.text.endswith("Путин")]
    assert [e.label for e in putin] == ["PERSON", "PERSON"]
    assert {e.normalized for e in putin} == {"Владимир Путин"}
    assert all(TEXT[e.start:e.end] == e.text for e in entities)


def test_natasha_failures_are_tagging_errors(natasha, monkeypatch):
    from presspipe.pipelines.enrich.entities import EntityTaggingError

    monkeypatch.setattr(natasha, "_segmenter", None)  # natasha then fails inside Doc.segment
    with pytest.raises(EntityTaggingError, match="natasha"):
        natasha.find("Путин")
