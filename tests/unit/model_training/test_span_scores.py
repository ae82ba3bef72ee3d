"""The exact-match span metric shared by the trainers and the yardsticks (``training/spacy_ner.py``)."""

from __future__ import annotations

import spacy

from training.spacy_ner import Sentence, gold_char_spans, span_scores


def test_span_scores_count_exact_matches_only_overall_and_per_label():
    gold = {(0, 5, "PERSON"), (10, 15, "LOC")}
    predicted = {(0, 5, "PERSON"), (10, 14, "LOC"), (20, 25, "ORG")}  # LOC one character short: a miss
    scores = span_scores([(gold, predicted), ({(30, 33, "PERSON")}, {(30, 33, "PERSON")})])
    # 2 of 4 predicted right, 2 of 3 gold found: F1 = 2 * 0.5 * 0.6667 / 1.1667.
    assert (scores["precision"], scores["recall"], scores["f1"], scores["support"]) == (0.5, 0.6667, 0.5714, 3)
    assert scores["per_label"]["PERSON"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert scores["per_label"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert scores["per_label"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert span_scores([({(0, 3, "ORG")}, {(0, 3, "LOC")})])["f1"] == 0.0  # right offsets, wrong label: a miss

def test_gold_char_spans_are_offsets_into_the_sentence_text():
    sentence = Sentence(("Ana", "Lopez", "visited", "Hanoi", "."), (True, True, True, False, False),
                        ((0, 2, "PERSON"), (3, 4, "LOC")))
    assert sentence.text == "Ana Lopez visited Hanoi."
    assert gold_char_spans(spacy.blank("en").vocab, sentence) == {(0, 9, "PERSON"), (18, 23, "LOC")}
