"""The language figure of ``make bench-quality`` counts right, wrong and consulted pages correctly.

Runs :func:`benchmarks.language_quality.main` on a folder holding links to three real pages (an isiZulu page that
declares ``en``, which langdetect alone gets wrong; a Swahili page, which needs the second opinion but keeps
langdetect's answer; an English page, which needs neither). No assertion looks at a timing.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import language_quality

PAGES = ("za/Ilanga", "tz/HabariLeo", "uk/BBC")


def test_every_publisher_in_the_shared_pages_has_a_language(shared_dir):
    pages = sorted((shared_dir / "data" / "news-pages").glob("*/*.html.gz"))
    assert pages
    for page in pages:
        assert language_quality.publisher_language(page.parent.name, page.name.split("_", 1)[0])


def test_counts_before_and_after_and_the_pages_that_needed_lingua(shared_dir, tmp_path, monkeypatch, capsys):
    for key in PAGES:
        country, publisher = key.split("/")
        source = sorted((shared_dir / "data" / "news-pages" / country).glob(f"{publisher}_*.html.gz"))
        if not source:
            pytest.skip(f"no page of {key} in the shared data")
        (tmp_path / country).mkdir()
        (tmp_path / country / source[0].name).symlink_to(source[0])
        (tmp_path / country / "meta.info").symlink_to(source[0].parent / "meta.info")  # the data set's layout
    monkeypatch.setattr(language_quality, "NEWS_PAGES", tmp_path)
    monkeypatch.setattr(language_quality, "REPEATS", 1)
    assert language_quality.main() == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    summary = next(line for line in lines if line["figure"] == "language_quality")
    assert (summary["pages"], summary["wrong_before"], summary["wrong_after"]) == (3, 1, 0)
    assert summary["second_opinion_pages"] == 2 and summary["regressions"] == []
    by_page = {line["page"].split("_", 1)[0]: line for line in lines if line["figure"] == "language_page"}
    assert (by_page["za/Ilanga"]["before"], by_page["za/Ilanga"]["after"]) == ("sw", "zu")
    assert [by_page[key]["second_opinion"] for key in PAGES] == [True, True, False]
