"""The training data preparation of the Hindi model: pure functions, no training run."""

from __future__ import annotations

import random

import spacy

from training.hindi_ner import Sentence, _split_token, augment, bucket_of, to_sentence
from training.plain_baseline import plain_doc, presspipe_doc
from training.spacy_ner import with_acronyms

# Written for these tests (HiNER-like rows: token, tag); not taken from the data set.
ROWS = [("राष्ट्रपति", "O"), ("सुनीता", "B-PERSON"), ("वर्मा", "I-PERSON"), ("ने", "O"),
        ("नगर", "B-ORGANIZATION"), ("निगम,", "I-ORGANIZATION"), ("कानपुर", "B-LOCATION"), ("में", "O"),
        ("भाषण", "O"), ("दिया।", "O")]


def test_split_token_cuts_dandas_and_edge_punctuation_like_the_tokenizer():
    assert _split_token("दिया।") == ["दिया", "।"]
    assert _split_token("निगम,") == ["निगम", ","]
    assert _split_token(".कानपुर") == [".", "कानपुर"]
    assert _split_token("है।यह") == ["है", "।", "यह"]
    assert _split_token("बादेन-वुर्तेम्बर्ग") == ["बादेन-वुर्तेम्बर्ग"]  # inner hyphen stays (the tokenizer's business)


def test_to_sentence_keeps_the_text_and_drops_punctuation_from_entities():
    sentence = to_sentence(ROWS)
    assert sentence.text == " ".join(token for token, _ in ROWS)
    spans = {(" ".join(sentence.words[start:end]), label) for start, end, label in sentence.spans}
    assert spans == {("सुनीता वर्मा", "PERSON"), ("नगर निगम", "ORG"), ("कानपुर", "LOC")}


def test_bucket_depends_on_the_text_only():
    sentence = to_sentence(ROWS)
    assert bucket_of(sentence) == bucket_of(to_sentence(list(ROWS)))
    assert 0 <= bucket_of(sentence) < 10


def _entity_texts(sentence: Sentence, label: str) -> set[str]:
    return {" ".join(sentence.words[start:end]) for start, end, found in sentence.spans if found == label}


def test_augment_replaces_entities_and_keeps_labels_and_context():
    sentences = [to_sentence(ROWS), to_sentence([("दिल्ली", "B-LOCATION"), ("में", "O"), ("रमेश", "B-PERSON"),
                                                 ("आए", "O"), ("।", "O")])]
    copies = augment(sentences, random.Random(3), rate=3.0)
    assert len(copies) == 3 * len(sentences)
    for copy in copies:
        assert sorted(label for _, _, label in copy.spans) in (["LOC", "ORG", "PERSON"], ["LOC", "PERSON"])
        assert "ने" in copy.words or "आए" in copy.words  # context words survive


def test_augment_can_keep_organisations_real():
    organisations = {"नगर निगम", "जल बोर्ड"}
    sentences = [to_sentence(ROWS), to_sentence([("जल", "B-ORGANIZATION"), ("बोर्ड", "I-ORGANIZATION"),
                                                 ("ने", "O"), ("कहा", "O")])]
    copies = augment(sentences, random.Random(5), rate=20.0, org_real_only=True)
    seen = set().union(*(_entity_texts(copy, "ORG") for copy in copies))
    assert seen and seen <= organisations
    invented = set().union(*(_entity_texts(copy, "PERSON") for copy in copies)) - {"सुनीता वर्मा"}
    assert invented  # persons are still replaced by new names


def test_gold_docs_for_the_plain_recipe_and_for_presspipe_tokens():
    vocab = spacy.blank("hi").vocab
    plain = plain_doc(vocab, ROWS)
    assert [(entity.text, entity.label_) for entity in plain.ents] == [
        ("सुनीता वर्मा", "PERSON"), ("नगर निगम,", "ORG"), ("कानपुर", "LOC")]
    ours = presspipe_doc(vocab, to_sentence(ROWS))
    assert ours.text == plain.text.rstrip()
    assert [(entity.text, entity.label_) for entity in ours.ents] == [
        ("सुनीता वर्मा", "PERSON"), ("नगर निगम", "ORG"), ("कानपुर", "LOC")]


def test_acronym_scoring_merges_as_the_run_time_combiner_does():
    text = "एपीईसी शिखर सम्मेलन में सीबीआई के अधिकारी पहुंचे।"
    summit = (0, len("एपीईसी शिखर सम्मेलन"), "ORG")
    place = (text.index("अधिकारी"), text.index("अधिकारी") + len("अधिकारी"), "LOC")
    merged = with_acronyms(text, {summit, place})
    cbi = text.index("सीबीआई")
    # the ORG span around an acronym gives way to it, an acronym nobody tagged is added, the rest stays
    assert merged == {(0, len("एपीईसी"), "ORG"), (cbi, cbi + len("सीबीआई"), "ORG"), place}
