"""The shared seed articles through the real enrichment, and their scoring (used by the golden test and by
``training/measure_tagging.py``); see ``seed_expectations.json`` for the decisions."""

from __future__ import annotations

import json
from pathlib import Path

EXPECTATIONS = Path(__file__).with_name("seed_expectations.json")


def load_expectations() -> dict:
    data = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))
    return {name: spec for name, spec in data.items() if not name.startswith("_")}


def enrich_seed(seed_file: Path, tagger):
    """The seed file as the pipeline enriches it: the files connector's raw record, then decode, extract, clean,
    language and entities in this process (``presspipe enrich``'s path, without the extraction worker)."""
    from presspipe.commands.enrich import raw_article_for
    from presspipe.pipelines.enrich.record import Provenance, enrich_article

    raw = raw_article_for(seed_file, seed_file.read_bytes(), None)
    return enrich_article(raw, provenance=Provenance(), tagger=tagger)


def seed_body(seed_file: Path, tagger=None) -> str:
    """The cleaned body of a seed file (the cleaner's real output)."""
    return enrich_seed(seed_file, tagger).body


def score(found: set[tuple[str, str]], spec: dict) -> dict:
    """Recall over the expected (text, label) pairs; precision over distinct found pairs."""
    expected = {tuple(pair) for pair in spec["expected"]}
    acceptable = expected | {tuple(pair) for pair in spec["acceptable"]}
    true_positive = found & expected
    return {
        "recall": len(true_positive) / len(expected) if expected else 1.0,
        "precision": len(found & acceptable) / len(found) if found else 1.0,
        "missed": sorted(expected - found),
        "unexpected": sorted(found - acceptable),
    }
