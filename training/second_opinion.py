"""Measure the beam-search second opinion on a shipped model's held-out split (``spacy_backend`` uses it).

A greedy ``ner`` pipe commits to every span it opens. Re-reading the same text with beam search and keeping only
the greedy spans that the beam's parses also carry (probability mass >= ``--threshold``) drops the spans the model
was least sure of: on the Hindi seeds the generic phrases ``स्वास्थ्य सेवा`` and ``ऑटोमोटिव उद्योग`` (ORG) get 0.
This script scores the held-out bucket of ``training/hindi_ner.py`` (or the English held-out splits) greedy alone
and greedy + second opinion, for the widths and thresholds given, with the run-time recogniser itself.

Run: ``.venv/bin/python -m training.second_opinion --language hi --split dev --widths 4,8 --thresholds 0.5``
(``--split test`` for the held-out figures).
"""

from __future__ import annotations

import training.single_thread  # noqa: F401  (before numpy loads)

import argparse  # noqa: E402
import json  # noqa: E402

from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer  # noqa: E402

from training.spacy_ner import Sentence, gold_char_spans, span_scores  # noqa: E402


def held_out(language: str, split: str = "test") -> list[Sentence]:
    """The held-out (``test``) or model-selection (``dev``) sentences of a language's training data."""
    if language == "hi":
        from training.hindi_ner import DEFAULT_DATA, DEV_BUCKET, TEST_BUCKET, bucket_of, read_conll, to_sentence

        sentences = [to_sentence(rows) for rows in read_conll(DEFAULT_DATA)]
        wanted = TEST_BUCKET if split == "test" else DEV_BUCKET
        return [sentence for sentence in sentences if bucket_of(sentence) == wanted]
    from training.english_ner import CORPORA, DEFAULT_DATA, split_corpus

    return [sentence for corpus in CORPORA if corpus.edited
            for document in split_corpus(DEFAULT_DATA, corpus)[split] for sentence in document.sentences]


def score(recognizer: SpacyRecognizer, sentences: list[Sentence]) -> dict:
    return span_scores((gold_char_spans(recognizer._nlp.vocab, sentence),
                        {(m.start, m.end, m.label) for m in recognizer.find(sentence.text)}) for sentence in sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=("hi", "en"), default="hi")
    parser.add_argument("--widths", default="4,8")
    parser.add_argument("--thresholds", default="0.5")
    parser.add_argument("--max-tokens", default="2", help="comma-separated: longest spans the second opinion checks")
    parser.add_argument("--split", choices=("dev", "test"), default="dev",
                        help="dev chooses the setting; test (held-out) reports it")
    args = parser.parse_args(argv)
    sentences = held_out(args.language, args.split)
    reference = f"bundled:{args.language}_ner"
    report = {"split": args.split, "sentences": len(sentences),
              "greedy": score(SpacyRecognizer(reference, beam_width=0), sentences)}
    for width in (int(w) for w in args.widths.split(",")):
        for threshold in (float(t) for t in args.thresholds.split(",")):
            for max_tokens in (int(m) for m in args.max_tokens.split(",")):
                recognizer = SpacyRecognizer(reference, beam_width=width, beam_threshold=threshold,
                                             beam_max_tokens=max_tokens)
                report[f"beam{width}>={threshold},tokens<={max_tokens}"] = score(recognizer, sentences)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
