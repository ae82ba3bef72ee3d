"""The byte-identity check of ``benchmarks.extraction_identity`` sees a changed page and names what changed."""

from __future__ import annotations

import json

from benchmarks import extraction_identity as identity


def test_unchanged_pages_compare_equal_and_a_changed_one_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(identity, "pages", lambda generated: [
        (path.name, None, "text/html", path.read_bytes()) for path in sorted(identity.FIXTURES.glob("*.html"))[:3]])
    snapshot = tmp_path / "before.jsonl"
    assert identity.main(["--write", str(snapshot)]) == 0
    assert identity.main(["--check", str(snapshot)]) == 0
    lines = [json.loads(line) for line in snapshot.read_text("utf-8").splitlines()]
    lines[1]["article"]["paragraphs"] = lines[1]["article"]["paragraphs"][1:]
    snapshot.write_text("".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines), "utf-8")
    capsys.readouterr()
    assert identity.main(["--check", str(snapshot)]) == 1
    assert f"DIFF {lines[1]['page']}: article.paragraphs" in capsys.readouterr().out


def test_differences_lists_fields_of_article_extraction_and_error():
    before = {"article": {"body": "a", "title": "t"}, "extracted": {"restored": 0}}
    after = {"article": {"body": "b", "title": "t"}, "extracted": {"restored": 1}, "error": "extract: X"}
    assert identity.differences(before, after) == ["article.body", "extracted.restored", "error"]
