"""The yardstick for the shipped Hindi model: spaCy's own recipe, untouched, on the same split and metric.

Issue 4 asks the shipped model to do better than "a plain spaCy CNN model". This trains exactly that
— the config ``spacy init config --lang hi --pipeline ner --optimize efficiency`` writes (tok2vec
width 96, depth 4; default tokenizer; HiNER's own tokens as gold; no augmentation; spaCy's default
training loop, batching, patience and model selection on the dev bucket) — and scores it with the
metric and held-out bucket of ``training/hindi_ner.py`` (exact character spans, SHA-256 bucket 0),
so the two numbers compare like for like.

``--presspipe-tokenization`` keeps the recipe but adds the shipped model's tokenisation fixes: the
danda split (``bio.add_danda_rules``) and gold tokens cut as that tokenizer cuts them
(``hindi_ner.to_sentence``), which separates what the training recipe contributes from what the
tokenisation does.

Run: ``.venv/bin/python -m training.plain_baseline [--output DIR]`` (one core; prints and writes
``metrics.json`` next to the model).
"""

from __future__ import annotations

import training.single_thread  # noqa: F401  (before numpy loads)

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import spacy  # noqa: E402
from spacy.cli.init_config import init_config  # noqa: E402
from spacy.tokens import Doc, DocBin  # noqa: E402
from spacy.training.initialize import init_nlp  # noqa: E402
from spacy.training.loop import train as train_loop  # noqa: E402
from spacy.util import load_config  # noqa: E402

from presspipe.pipelines.enrich.entities.bio import add_danda_rules, bio_tags_from_spans  # noqa: E402

from training.hindi_ner import (  # noqa: E402
    DEFAULT_DATA,
    DEV_BUCKET,
    LABEL_MAP,
    TEST_BUCKET,
    Sentence,
    augment,
    bucket_of,
    evaluate,
    read_conll,
    to_sentence,
)

DEFAULT_OUTPUT = Path(tempfile.gettempdir()) / "presspipe-hi-plain-baseline"


def plain_doc(vocab, rows: list[tuple[str, str]]) -> Doc:
    """A gold Doc on HiNER's own tokens and tags (no re-tokenisation: the plain recipe's input)."""
    words = [token for token, _ in rows]
    tags = [tag if tag == "O" else f"{tag[:2]}{LABEL_MAP[tag[2:]]}" for _, tag in rows]
    return Doc(vocab, words=words, ents=tags)


def presspipe_doc(vocab, sentence: Sentence) -> Doc:
    """A gold Doc on the tokens the shipped model's tokenizer produces (punctuation cut off entities)."""
    return Doc(vocab, words=list(sentence.words), spaces=list(sentence.spaces),
               ents=bio_tags_from_spans(len(sentence.words), sentence.spans))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="HiNER CoNLL file")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="directory for the trained pipelines")
    parser.add_argument("--seed", type=int, default=0, help="spaCy's [system] seed (its default is 0)")
    parser.add_argument("--augment-rate", type=float, default=0.0,
                        help="add hindi_ner.augment's name-substituted training copies (needs --presspipe-tokenization)")
    parser.add_argument("--presspipe-tokenization", action="store_true",
                        help="danda rules in the tokenizer and gold cut as it cuts (see the module docstring)")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: training data not found: {args.data}", file=sys.stderr)
        return 2
    started = time.monotonic()
    rows_per_sentence = read_conll(args.data)
    sentences = [to_sentence(rows) for rows in rows_per_sentence]
    buckets = [bucket_of(sentence) for sentence in sentences]
    vocab = spacy.blank("hi").vocab
    corpus = {"train": DocBin(), "dev": DocBin()}
    for rows, sentence, bucket in zip(rows_per_sentence, sentences, buckets):
        if bucket != TEST_BUCKET:
            doc = presspipe_doc(vocab, sentence) if args.presspipe_tokenization else plain_doc(vocab, rows)
            corpus["dev" if bucket == DEV_BUCKET else "train"].add(doc)
    test = [sentence for sentence, bucket in zip(sentences, buckets) if bucket == TEST_BUCKET]
    if args.augment_rate:
        if not args.presspipe_tokenization:
            parser.error("--augment-rate needs --presspipe-tokenization")
        training = [sentence for sentence, bucket in zip(sentences, buckets) if bucket not in (TEST_BUCKET, DEV_BUCKET)]
        for copy in augment(training, random.Random(args.seed + 1), args.augment_rate):
            corpus["train"].add(presspipe_doc(vocab, copy))

    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        paths = {name: Path(scratch) / f"{name}.spacy" for name in corpus}
        for name, doc_bin in corpus.items():
            doc_bin.to_disk(paths[name])
        config_path = Path(scratch) / "config.cfg"
        init_config(lang="hi", pipeline=["ner"], optimize="efficiency", gpu=False).to_disk(config_path)
        config = load_config(config_path, interpolate=False, overrides={
            "paths.train": str(paths["train"]), "paths.dev": str(paths["dev"]), "system.seed": args.seed})
        nlp = init_nlp(config, use_gpu=-1)
        if args.presspipe_tokenization:
            add_danda_rules(nlp)
        train_loop(nlp, args.output, use_gpu=-1)

    nlp = spacy.load(args.output / "model-best")
    metrics = {
        "recipe": "spacy init config --lang hi --pipeline ner --optimize efficiency; spacy train defaults",
        "presspipe_tokenization": args.presspipe_tokenization,
        "augment_rate": args.augment_rate,
        "held_out_test": evaluate(nlp, test),
        "sentences": {"train": len(corpus["train"]), "dev": len(corpus["dev"]), "test": len(test)},
        "spacy_version": spacy.__version__,
        "training_seconds": round(time.monotonic() - started, 1),
    }
    (args.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
