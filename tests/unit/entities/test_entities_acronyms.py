from __future__ import annotations

import unicodedata

import pytest

from presspipe.pipelines.enrich.entities.acronyms import MINIMUM_LETTERS, find_acronyms, is_letter_name_acronym
from presspipe.pipelines.enrich.entities.combine import combine
from presspipe.pipelines.enrich.entities.mentions import Mention


@pytest.mark.parametrize("word", ["एपीईसी", "बीबीसी", "सीबीआई", "एलटीटीई", "डब्ल्यूटीए", "एनडीएफ़बी", "जीएमएसी"])
def test_letter_name_chains_are_acronyms(word):
    assert is_letter_name_acronym(word)


@pytest.mark.parametrize("word", ["पुतिन", "भारत", "एक", "पीएम", "बीबीसीं", "सम्मेलन", "एपीईसीx", ""])
def test_words_and_two_letter_chains_are_not(word):
    assert not is_letter_name_acronym(word)


def test_minimum_is_three_letters():
    assert MINIMUM_LETTERS == 3
    assert not is_letter_name_acronym("एसपी") and is_letter_name_acronym("एसपीए")


def test_nukta_letters_match_composed_and_decomposed():
    composed = "\u090f\u095e\u092c\u0940\u0906\u0908"  # FBI with the precomposed फ़ (U+095E)
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert is_letter_name_acronym(composed) and is_letter_name_acronym(decomposed)


def test_find_acronyms_gives_org_mentions_on_word_boundaries():
    text = "2017 एपीईसी शिखर सम्मेलन, (बीबीसी) और एपीईसीवाला नहीं।"
    found = [(text[m.start:m.end], m.label, m.source) for m in find_acronyms(text)]
    assert found == [("एपीईसी", "ORG", "acronym"), ("बीबीसी", "ORG", "acronym")]


def test_acronym_before_a_danda_is_found():
    text = "वह बीबीसी।"
    assert [text[m.start:m.end] for m in find_acronyms(text)] == ["बीबीसी"]


def test_combiner_keeps_model_labels_on_ties_and_longer_non_org_spans():
    text = "वीवीएस लक्ष्मण, सीबीआई और एपीईसी"
    laxman = Mention(0, len("वीवीएस लक्ष्मण"), "PERSON", "model")
    cbi_start = text.index("सीबीआई")
    cbi_as_place = Mention(cbi_start, cbi_start + len("सीबीआई"), "LOC", "model")
    entities = combine(text, [laxman, cbi_as_place], [], propagate=False, acronyms=find_acronyms(text))
    assert [(e.text, e.label, e.source) for e in entities] == [
        ("वीवीएस लक्ष्मण", "PERSON", "model"), ("सीबीआई", "LOC", "model"), ("एपीईसी", "ORG", "acronym")]


def test_gazetteer_wins_a_tie_against_the_acronym_rule():
    text = "बीबीसी ने कहा"
    gazetteer = [Mention(0, 6, "ORG", "gazetteer", "kb:bbc")]
    entities = combine(text, [], gazetteer, propagate=False, acronyms=find_acronyms(text))
    assert [(e.text, e.source, e.kb_id) for e in entities] == [("बीबीसी", "gazetteer", "kb:bbc")]


def test_a_model_org_span_around_an_acronym_gives_way_to_it():
    text = "2017 एपीईसी शिखर सम्मेलन में"
    summit = Mention(text.index("एपीईसी"), text.index(" में"), "ORG", "model")
    entities = combine(text, [summit], [], propagate=False, acronyms=find_acronyms(text))
    assert [(e.text, e.label, e.source) for e in entities] == [("एपीईसी", "ORG", "acronym")]


def test_latin_acronyms_count_only_in_a_language_written_in_another_script():
    from presspipe.pipelines.enrich.entities.tagger import find_all_acronyms

    hindi = "एपीईसी और APEC की बैठक"
    assert [hindi[m.start:m.end] for m in find_all_acronyms(hindi, "hi")] == ["एपीईसी", "APEC"]
    english = "The APEC summit opened."
    assert find_all_acronyms(english, "en") == ()  # in Latin text an all-caps word is ordinary writing
    assert find_all_acronyms(english, "") == ()  # unknown script: the Latin rule stays off
    assert [english[m.start:m.end] for m in find_all_acronyms(english, "ru")] == ["APEC"]
