"""Learn the organisation head words of ``pipelines/enrich/entities/spans.py`` from the training corpora.

A head word ends organisation names (``परिषद`` council, ``संस्थान`` institute, ``University``, ``Party``): here,
a word that ends at least :data:`MINIMUM_MULTIWORD_ENDINGS` multi-word ORG spans of the *training* split (HiNER
buckets 2-9 of ``training/hindi_ner.py``; the English training splits of ``training/english_ner.py``, edited-text
corpora only) and whose spans are ORG at least :data:`MINIMUM_ORG_SHARE` of the times it ends one. Held-out data
is never read, so the held-out scores of the span rules stay honest.

Common words (Hindi): a word of the training split that occurs at least :data:`MINIMUM_COMMON_OCCURRENCES` times and
at most :data:`MAXIMUM_COMMON_ENTITY_SHARE` of the times inside a gold entity is a common word (``उद्योग`` industry,
``सेवा`` service, ``स्वास्थ्य`` health); those of them that end at least one gold ORG span are listed apart. The
generic-phrase rules of ``spans.py`` read both lists (a model ORG whose head is a common word that never ends an
organisation in the training data is dropped; one made only of common words needs the model's second opinion).

Run: ``.venv/bin/python -m training.lexicon`` (writes ``pipelines/enrich/entities/data/organisation_heads.json`` and
``common_words.json``). The lists are derived from HiNER (CC BY-SA 4.0) and the English corpora (see the NOTICE).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from training.spacy_ner import Sentence

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPOSITORY / "pipelines" / "enrich" / "entities" / "data" / "organisation_heads.json"
COMMON_WORDS_OUTPUT = DEFAULT_OUTPUT.with_name("common_words.json")
MINIMUM_MULTIWORD_ENDINGS = 3
MINIMUM_ORG_SHARE = 0.9
MINIMUM_COMMON_OCCURRENCES = 3
MAXIMUM_COMMON_ENTITY_SHARE = 0.5


def organisation_heads(sentences: Iterable[Sentence]) -> list[str]:
    ends_org_multiword: Counter[str] = Counter()
    ends_org: Counter[str] = Counter()
    ends_any: Counter[str] = Counter()
    for sentence in sentences:
        for start, end, label in sentence.spans:
            word = sentence.words[end - 1]
            ends_any[word] += 1
            if label == "ORG":
                ends_org[word] += 1
                if end - start > 1:
                    ends_org_multiword[word] += 1
    return sorted(word for word, count in ends_org_multiword.items()
                  if count >= MINIMUM_MULTIWORD_ENDINGS and ends_org[word] >= MINIMUM_ORG_SHARE * ends_any[word]
                  and any(character.isalpha() for character in word))


def common_words(sentences: Iterable[Sentence]) -> dict[str, list[str]]:
    """``{"common": [...], "ends_organisation": [...]}``: the common words (module docstring), and those of them
    that end at least one gold ORG span."""
    occurrences: Counter[str] = Counter()
    in_entity: Counter[str] = Counter()
    ends_org: set[str] = set()
    for sentence in sentences:
        inside = [False] * len(sentence.words)
        for start, end, label in sentence.spans:
            inside[start:end] = [True] * (end - start)
            if label == "ORG":
                ends_org.add(sentence.words[end - 1])
        for word, is_inside in zip(sentence.words, inside):
            occurrences[word] += 1
            in_entity[word] += is_inside
    common = sorted(word for word, count in occurrences.items()
                    if count >= MINIMUM_COMMON_OCCURRENCES and in_entity[word] <= MAXIMUM_COMMON_ENTITY_SHARE * count
                    and any(character.isalpha() for character in word))
    return {"common": common, "ends_organisation": [word for word in common if word in ends_org]}


def hindi_training_sentences() -> list[Sentence]:
    from training.hindi_ner import DEFAULT_DATA, DEV_BUCKET, TEST_BUCKET, bucket_of, read_conll, to_sentence

    sentences = [to_sentence(rows) for rows in read_conll(DEFAULT_DATA)]
    return [sentence for sentence in sentences if bucket_of(sentence) not in (TEST_BUCKET, DEV_BUCKET)]


def english_training_sentences() -> list[Sentence]:
    from training.english_ner import CORPORA, DEFAULT_DATA, split_corpus

    return [sentence for corpus in CORPORA if corpus.edited
            for document in split_corpus(DEFAULT_DATA, corpus)["train"] for sentence in document.sentences]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--common-words-output", type=Path, default=COMMON_WORDS_OUTPUT)
    args = parser.parse_args(argv)
    hindi = hindi_training_sentences()
    heads = {"hi": organisation_heads(hindi), "en": organisation_heads(english_training_sentences())}
    document = {
        "_comment": "Written by training/lexicon.py from the training splits of HiNER (CC BY-SA 4.0) and of the "
                    "English corpora (see NOTICE); do not edit by hand.",
        "minimum_multiword_endings": MINIMUM_MULTIWORD_ENDINGS, "minimum_org_share": MINIMUM_ORG_SHARE,
        "heads": heads,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print({language: len(words) for language, words in heads.items()}, "->", args.output)
    common = {"hi": common_words(hindi)}
    document = {
        "_comment": "Written by training/lexicon.py from the training split of HiNER (CC BY-SA 4.0, see NOTICE); "
                    "do not edit by hand. common: words mostly outside entities; ends_organisation: those of them "
                    "that end at least one ORG span.",
        "minimum_occurrences": MINIMUM_COMMON_OCCURRENCES, "maximum_entity_share": MAXIMUM_COMMON_ENTITY_SHARE,
        "languages": common,
    }
    args.common_words_output.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print({language: len(lists["common"]) for language, lists in common.items()}, "->", args.common_words_output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
