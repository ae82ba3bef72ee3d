"""Golden entities of the two shared Hindi seed articles, through the default tagger."""

from __future__ import annotations

import pytest

from .seeds import load_expectations, seed_body

EXPECTATIONS = load_expectations()


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_seed_must_find_entities(default_tagger, seeds_dir, seed_name):
    spec = EXPECTATIONS[seed_name]
    body = seed_body(seeds_dir / seed_name, spec)
    entities = default_tagger.tag(body, "hi")
    found = {(entity.text, entity.label) for entity in entities}
    missing = {tuple(pair) for pair in spec["must"]} - found
    assert not missing, f"missing {sorted(missing)}; found {sorted(found)}"
    assert all(body[e.start:e.end] == e.text for e in entities)
    assert all(not e.text.startswith(("फोटो", "फ़ोटो")) for e in entities)


def test_caption_words_are_never_tagged(default_tagger, seeds_dir):
    """Even if a caption slipped through the cleaner, the word फोटो ("photo") is not an entity."""
    caption_line = (seeds_dir / "000_a8b166282d86a80b.txt").read_text(encoding="utf-8").splitlines()[11]
    assert "फोटो" in caption_line
    assert all("फोटो" not in e.text for e in default_tagger.tag(caption_line, "hi"))


def test_putin_mentions_share_one_normalized_form(default_tagger, seeds_dir):
    spec = EXPECTATIONS["002_f11f25e23ec2aca4.txt"]
    body = seed_body(seeds_dir / "002_f11f25e23ec2aca4.txt", spec)
    putin = [e for e in default_tagger.tag(body, "hi") if e.label == "PERSON" and e.text.endswith("पुतिन")]
    assert len(putin) >= 5
    assert {e.normalized for e in putin} == {"व्लादिमीर पुतिन"}
