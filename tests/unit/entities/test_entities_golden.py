"""Golden entities of the two shared Hindi seed articles, through the default tagger.

Each must-find entity is its own test case, so a miss names itself. Entities listed under
``known_misses`` in ``seed_expectations.json`` are strict xfails: they document what the shipped
model cannot find yet, and start failing as soon as it does (then take them off the list).
"""

from __future__ import annotations

import pytest

from .seeds import load_expectations, seed_body

EXPECTATIONS = load_expectations()


def _must_find_cases():
    for seed_name, spec in sorted(EXPECTATIONS.items()):
        known_misses = {tuple(pair) for pair in spec.get("known_misses", [])}
        for text, label in spec["must"]:
            marks = [pytest.mark.xfail(strict=True, reason="known miss of the shipped Hindi model")] if (text, label) in known_misses else []
            yield pytest.param(seed_name, text, label, id=f"{seed_name[:3]}-{label}-{text}", marks=marks)


@pytest.fixture(scope="module")
def seed_entities(default_tagger, seeds_dir):
    result = {}
    for seed_name, spec in EXPECTATIONS.items():
        body = seed_body(seeds_dir / seed_name, spec)
        result[seed_name] = (body, default_tagger.tag(body, "hi"))
    return result


@pytest.mark.parametrize(("seed_name", "text", "label"), list(_must_find_cases()))
def test_seed_must_find_entity(seed_entities, seed_name, text, label):
    _, entities = seed_entities[seed_name]
    assert (text, label) in {(entity.text, entity.label) for entity in entities}


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_seed_entities_are_well_formed_and_skip_caption_words(seed_entities, seed_name):
    body, entities = seed_entities[seed_name]
    assert entities
    assert all(body[e.start:e.end] == e.text for e in entities)
    assert all(earlier.end <= later.start for earlier, later in zip(entities, entities[1:]))
    assert all("फोटो" not in e.text and "फ़ोटो" not in e.text for e in entities)


def test_caption_words_are_never_tagged(default_tagger, seeds_dir):
    """Even if a caption slipped through the cleaner, the word फोटो ("photo") is not an entity."""
    caption_line = (seeds_dir / "000_a8b166282d86a80b.txt").read_text(encoding="utf-8").splitlines()[11]
    assert "फोटो" in caption_line
    assert all("फोटो" not in e.text for e in default_tagger.tag(caption_line, "hi"))


def test_putin_mentions_share_one_normalized_form(seed_entities):
    _, entities = seed_entities["002_f11f25e23ec2aca4.txt"]
    putin = [e for e in entities if e.label == "PERSON" and e.text.endswith("पुतिन")]
    assert len(putin) >= 5
    assert len({e.normalized for e in putin}) == 1
