"""Learn the organisation head words of ``pipelines/enrich/entities/spans.py`` from the training corpora.

A head word ends organisation names (``परिषद`` council, ``संस्थान`` institute, ``University``, ``Party``): here,
a word that ends at least :data:`MINIMUM_MULTIWORD_ENDINGS` multi-word ORG spans of the *training* split (HiNER
buckets 2-9 of ``training/hindi_ner.py``; the English training splits of ``training/english_ner.py``, edited-text
corpora only) and whose spans are ORG at least :data:`MINIMUM_ORG_SHARE` of the times it ends one. Held-out data
is never read, so the held-out scores of the span rules stay honest.

Run: ``.venv/bin/python -m training.lexicon`` (writes ``pipelines/enrich/entities/data/organisation_heads.json``).
The list is derived from HiNER (CC BY-SA 4.0) and the English corpora (see the NOTICE).
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
MINIMUM_MULTIWORD_ENDINGS = 3
MINIMUM_ORG_SHARE = 0.9


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
    args = parser.parse_args(argv)
    heads = {"hi": organisation_heads(hindi_training_sentences()), "en": organisation_heads(english_training_sentences())}
    document = {
        "_comment": "Written by training/lexicon.py from the training splits of HiNER (CC BY-SA 4.0) and of the "
                    "English corpora (see NOTICE); do not edit by hand.",
        "minimum_multiword_endings": MINIMUM_MULTIWORD_ENDINGS, "minimum_org_share": MINIMUM_ORG_SHARE,
        "heads": heads,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print({language: len(words) for language, words in heads.items()}, "->", args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
