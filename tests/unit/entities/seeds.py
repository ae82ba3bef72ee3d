"""Body selection and scoring for the shared seed articles (used by the golden test and by
``training/measure_tagging.py``); see ``seed_expectations.json`` for the decisions."""

from __future__ import annotations

import json
from pathlib import Path

EXPECTATIONS = Path(__file__).with_name("seed_expectations.json")


def load_expectations() -> dict:
    data = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))
    return {name: spec for name, spec in data.items() if not name.startswith("_")}


def seed_body(seed_file: Path, spec: dict) -> str:
    """The paragraphs judged to be body text, joined by blank lines (as a cleaner would)."""
    lines = seed_file.read_text(encoding="utf-8").splitlines()
    kept = [line.strip() for index, line in enumerate(lines) if index not in set(spec["drop_lines"]) and line.strip()]
    body = "\n\n".join(kept)
    prefix = spec["strip_prefix"]
    if prefix:
        if not body.startswith(prefix):
            raise ValueError(f"{seed_file.name}: expected the body to start with {prefix!r}")
        body = body[len(prefix):]
    return body


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
