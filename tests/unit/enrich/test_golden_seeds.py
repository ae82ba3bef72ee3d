"""Golden tests on the two shared seed articles (scraped Hindi text).

The golden files hold decisions per seed line (keep / drop / title) and the edits a kept line needs, written by
reading the seeds (never the seeds' text): the expected body is rebuilt from the seed lines with those edits applied
by plain string operations here, independently of the normalisation code under test.
"""

from __future__ import annotations

import json

import pytest

from presspipe.pipelines.enrich.record import Provenance, enrich_article

from .conftest import FIXED_TIME, GOLDEN, make_raw

SEED_GOLDENS = ["seed_000.json", "seed_002.json"]


def expected_line(lines: list[str], number: int, edits: dict) -> str:
    """Seed line ``number`` (1-based) as the article must hold it: the golden file's edits applied, nothing else."""
    line = lines[number - 1]
    for offset in sorted(edits.get(str(number), {}).get("insert_space_after", ()), reverse=True):
        line = line[: offset + 1] + " " + line[offset + 1:]
    return line


def _decisions(lines: list[str], article, edits: dict) -> list[list]:
    """What the article did with each non-blank seed line, in the golden file's vocabulary (regeneration only)."""
    decisions = []
    kept = list(article.paragraphs)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        text = expected_line(lines, number, edits)
        if article.title is not None and text == article.title:
            decisions.append([number, "title"])
        elif text in kept or (article.dateline and kept and text.endswith(kept[0]) and text.startswith(article.dateline)):
            decisions.append([number, "keep"])
        else:
            decisions.append([number, "drop"])
    return decisions


@pytest.mark.parametrize("golden_name", SEED_GOLDENS)
def test_seed_matches_golden(golden_name, seeds_dir, regenerate_golden):
    golden_path = GOLDEN / golden_name
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    raw_bytes = (seeds_dir / golden["seed"]).read_bytes()
    lines = raw_bytes.decode("utf-8").split("\n")
    article = enrich_article(make_raw(raw_bytes, "text/plain"), provenance=Provenance(), processed_at=FIXED_TIME)
    edits = golden["edits"]

    if regenerate_golden:  # decisions and counts only: the edits are written by hand
        golden["lines"] = _decisions(lines, article, edits)
        golden["captions_removed"] = article.captions_removed
        golden["related_blocks_removed"] = article.related_blocks_removed
        golden_path.write_text(json.dumps(golden, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        pytest.skip(f"regenerated {golden_path.name}")

    assert article.captions_removed == golden["captions_removed"]
    assert article.related_blocks_removed == golden["related_blocks_removed"]
    expected_paragraphs = [expected_line(lines, number, edits) for number, decision in golden["lines"] if decision == "keep"]
    if golden["dateline_length"]:
        first = expected_paragraphs[0]
        assert article.dateline == first[: golden["dateline_length"]]
        expected_paragraphs[0] = first[golden["dateline_length"]:].lstrip(" :")
    else:
        assert article.dateline is None
    assert list(article.paragraphs) == expected_paragraphs
    assert article.body == "\n\n".join(expected_paragraphs)
    assert article.title == (expected_line(lines, golden["title"], edits) if golden["title"] else None)
    assert article.language == "hi"


def test_seed_002_sentence_spaces_restored(seeds_dir):
    article = enrich_article(make_raw((seeds_dir / "002_f11f25e23ec2aca4.txt").read_bytes(), "text/plain"),
                             provenance=Provenance(), processed_at=FIXED_TIME)
    assert "।" in article.body
    for index, char in enumerate(article.body[:-1]):
        if char == "।":
            assert article.body[index + 1] in " \n", article.body[index - 10: index + 10]


def test_seed_enrichment_is_deterministic(seeds_dir):
    raw = make_raw((seeds_dir / "000_a8b166282d86a80b.txt").read_bytes(), "text/plain")
    first = enrich_article(raw, provenance=Provenance("articles.raw", 3, 42), processed_at=FIXED_TIME)
    second = enrich_article(raw, provenance=Provenance("articles.raw", 3, 42), processed_at=FIXED_TIME)
    assert first == second
    assert (first.raw_topic, first.raw_partition, first.raw_offset) == ("articles.raw", 3, 42)
