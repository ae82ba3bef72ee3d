"""The word statistics ``training/lexicon.py`` learns for the span rules, on sentences written for these tests."""

from __future__ import annotations

import json

import pytest

from training.lexicon import MINIMUM_COMMON_OCCURRENCES, common_words
from training.spacy_ner import Sentence


def sentence(text: str, spans: tuple[tuple[int, int, str], ...] = ()) -> Sentence:
    words = tuple(text.split())
    return Sentence(words, tuple(True for _ in words[:-1]) + (False,), spans)


def test_common_words_are_frequent_words_mostly_outside_entities():
    sentences = [
        sentence("उद्योग बढ़ा और सेवा सुधरी"),
        sentence("उद्योग घटा और सेवा रुकी"),
        sentence("उद्योग रुका , बीबीसी हिंदी सेवा ने कहा", ((3, 6, "ORG"),)),
        sentence("मोदी ने मोदी से कहा", ((0, 1, "PERSON"), (2, 3, "PERSON"))),
        sentence("मोदी आए"),
        sentence("उद्योग पहुँचे", ((0, 1, "LOC"),)),  # a place of that name: ends an entity, but no organisation
    ]
    lists = common_words(sentences)
    assert MINIMUM_COMMON_OCCURRENCES == 3
    # उद्योग: 4 times, once a LOC; सेवा: 3 times, once inside (and at the end of) an ORG: both common, only सेवा ends one
    # मोदी: 3 times, twice inside entities: a name; और, ने, कहा: twice each, बीबीसी: once: too rare to judge
    assert lists == {"common": sorted(["उद्योग", "सेवा"]), "ends_organisation": ["सेवा"]}


def test_the_shipped_list_is_the_one_lexicon_writes():
    from training.hindi_ner import DEFAULT_DATA
    from training.lexicon import COMMON_WORDS_OUTPUT, MAXIMUM_COMMON_ENTITY_SHARE, hindi_training_sentences

    document = json.loads(COMMON_WORDS_OUTPUT.read_text(encoding="utf-8"))
    assert (document["minimum_occurrences"], document["maximum_entity_share"]) == (
        MINIMUM_COMMON_OCCURRENCES, MAXIMUM_COMMON_ENTITY_SHARE)
    if not DEFAULT_DATA.is_file():
        pytest.skip(f"HiNER not found at {DEFAULT_DATA} (the shared data folder beside the repository)")
    assert document["languages"]["hi"] == common_words(hindi_training_sentences())
