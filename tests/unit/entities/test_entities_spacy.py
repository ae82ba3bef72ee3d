from __future__ import annotations

import numpy as np
import pytest
import spacy

from presspipe.pipelines.enrich.entities import EntityConfigError
from presspipe.pipelines.enrich.entities.bio import add_danda_rules, bio_tags_from_spans, spans_from_bio_scores, spans_from_bio_tags
from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer


@pytest.fixture(scope="module")
def french():
    return SpacyRecognizer("fr_core_news_sm")


@pytest.fixture(scope="module")
def hindi():
    return SpacyRecognizer("bundled:hi_ner")


def test_french_model_maps_labels_and_drops_misc(french):
    text = "Emmanuel Macron a reçu Olaf Scholz à Paris, avant une réunion de l'Organisation des Nations unies."
    mentions = french.find(text)
    found = {(text[m.start:m.end], m.label) for m in mentions}
    assert ("Emmanuel Macron", "PERSON") in found
    assert ("Paris", "LOC") in found
    assert {m.label for m in mentions} <= {"PERSON", "ORG", "LOC"}
    assert all(m.source == "model" for m in mentions)


def test_french_pipeline_runs_only_what_ner_needs(french):
    assert set(french._nlp.pipe_names) <= {"ner", "tok2vec"}


def test_hindi_bundled_model_tags_people_places_and_organisations(hindi):
    text = "प्रधानमंत्री नरेंद्र मोदी ने मंगलवार को दिल्ली में भारतीय जनता पार्टी की बैठक में भाग लिया।"
    found = {(text[m.start:m.end], m.label) for m in hindi.find(text)}
    assert found >= {("नरेंद्र मोदी", "PERSON"), ("दिल्ली", "LOC"), ("भारतीय जनता पार्टी", "ORG")}


def test_hindi_model_splits_the_danda_without_changing_offsets(hindi):
    doc = hindi._nlp.make_doc("यह यात्रा है।पुतिन आए॥ फिर")
    assert [token.text for token in doc] == ["यह", "यात्रा", "है", "।", "पुतिन", "आए", "॥", "फिर"]


def test_danda_rules_on_a_blank_pipeline():
    nlp = add_danda_rules(spacy.blank("hi"))
    assert [t.text for t in nlp.make_doc("(1994-2024)।अब")][-2:] == ["।", "अब"]


def test_bio_round_trip_and_lenient_decoding():
    spans = [(0, 2, "PERSON"), (3, 4, "LOC")]
    assert spans_from_bio_tags(bio_tags_from_spans(5, spans)) == spans
    assert spans_from_bio_tags(["I-ORG", "I-ORG", "B-LOC", "I-PERSON", "O"]) == [(0, 2, "ORG"), (2, 3, "LOC"), (3, 4, "PERSON")]


def test_missing_model_is_a_config_error():
    with pytest.raises(EntityConfigError):
        SpacyRecognizer("xx_not_an_installed_model")
    with pytest.raises(EntityConfigError):
        SpacyRecognizer("bundled:no_such_model")


TAGS = ["O", "B-PERSON", "I-PERSON", "B-LOC", "I-LOC"]


def _scores(rows):
    """Logits whose softmax is (close to) the given per-token probabilities."""
    return np.log(np.asarray(rows, dtype="float32") + 1e-6)


def test_score_decoding_never_starts_a_span_with_inside():
    # argmax reads O I-PERSON I-PERSON: the best well-formed reading opens the name with B-PERSON.
    scores = _scores([[0.9, 0.02, 0.02, 0.03, 0.03],
                      [0.1, 0.35, 0.45, 0.05, 0.05],
                      [0.1, 0.05, 0.75, 0.05, 0.05]])
    assert spans_from_bio_scores(scores, TAGS) == [(1, 3, "PERSON")]


def test_score_decoding_does_not_continue_another_label():
    # argmax reads B-PERSON I-LOC: I-LOC cannot follow B-PERSON, so the second token is decided
    # between I-PERSON and starting a place, whichever path is more probable overall.
    scores = _scores([[0.05, 0.85, 0.02, 0.06, 0.02],
                      [0.05, 0.02, 0.30, 0.23, 0.40]])
    assert spans_from_bio_scores(scores, TAGS) == [(0, 2, "PERSON")]


def test_confident_outside_tokens_split_the_decoding_into_runs():
    scores = _scores([[0.05, 0.9, 0.01, 0.02, 0.02],
                      [0.97, 0.01, 0.01, 0.005, 0.005],
                      [0.05, 0.01, 0.01, 0.9, 0.03],
                      [0.05, 0.01, 0.01, 0.03, 0.9]])
    assert spans_from_bio_scores(scores, TAGS) == [(0, 1, "PERSON"), (2, 4, "LOC")]
    assert spans_from_bio_scores(_scores([[0.99, 0.0025, 0.0025, 0.0025, 0.0025]]), TAGS) == []
    assert spans_from_bio_scores(np.zeros((0, 5), dtype="float32"), TAGS) == []


def test_score_decoding_checks_the_shape():
    with pytest.raises(ValueError):
        spans_from_bio_scores(np.zeros((3, 4), dtype="float32"), TAGS)


#: Written for this test: the greedy model tags a sector ("health care") as an organisation.
SECTORS = "राज्य में पर्यटन उद्योग, स्वास्थ्य सेवा और सूचना प्रौद्योगिकी तेज़ी से बढ़ रहे हैं।"


@pytest.fixture(scope="module")
def hindi_for_hindi_documents():
    """The Hindi model as a worker loads it for Hindi documents (``LazyRecognizer`` passes the language)."""
    return SpacyRecognizer("bundled:hi_ner", language="hi")


def _found(recognizer, text):
    return {(text[m.start:m.end], m.label) for m in recognizer.find(text)}


def test_a_generic_organisation_phrase_stands_only_if_the_beam_confirms_it(hindi, hindi_for_hindi_documents):
    assert hindi.generic_language == "" and hindi_for_hindi_documents.generic_language == "hi"
    assert ("स्वास्थ्य सेवा", "ORG") in _found(hindi, SECTORS)  # the greedy model alone
    assert ("स्वास्थ्य सेवा", "ORG") not in _found(hindi_for_hindi_documents, SECTORS)  # beam mass 0
    # common phrases the beam confirms stay (HiNER labels governments ORG); names are never checked
    governments = "इस फ़ैसले के बाद केंद्र सरकार ने राज्य सरकार से रिपोर्ट माँगी।"
    assert _found(hindi_for_hindi_documents, governments) == {("केंद्र सरकार", "ORG"), ("राज्य सरकार", "ORG")}
    party = "प्रधानमंत्री नरेंद्र मोदी ने मंगलवार को दिल्ली में भारतीय जनता पार्टी की बैठक में भाग लिया।"
    assert _found(hindi_for_hindi_documents, party) == _found(hindi, party)


def test_the_beam_check_finds_its_spans_in_any_sentence_of_the_document(hindi_for_hindi_documents):
    """The beam re-reads each checked span's sentence alone; what it confirms is mapped back by the sentence's offset.
    Here the confirmed phrases sit in the second sentence and the refused one in the first."""
    governments = "इस फ़ैसले के बाद केंद्र सरकार ने राज्य सरकार से रिपोर्ट माँगी।"
    found = _found(hindi_for_hindi_documents, f"{SECTORS} {governments}")
    assert {("केंद्र सरकार", "ORG"), ("राज्य सरकार", "ORG")} <= found
    assert ("स्वास्थ्य सेवा", "ORG") not in found


def test_languages_without_common_words_or_pipelines_that_cannot_beam_get_no_generic_check(tmp_path):
    assert SpacyRecognizer("fr_core_news_sm", language="fr").generic_language == ""  # no French list
    assert SpacyRecognizer("fr_core_news_sm", language="hi").generic_language == "hi"  # a ner pipe can beam
    nlp = spacy.blank("hi")  # a BIO tagger has no beam
    tagger = nlp.add_pipe("tagger")
    for label in ("O", "B-ORG", "I-ORG"):
        tagger.add_label(label)
    nlp.initialize()
    nlp.to_disk(tmp_path / "bio")
    bio = SpacyRecognizer(str(tmp_path / "bio"), language="hi")
    assert bio.generic_language == ""
    bio.find(SECTORS)  # and it tags without asking for one
