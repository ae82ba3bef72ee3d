"""Every HTML fixture (written for presspipe, several languages and CMS styles) against its expected paragraphs."""

from __future__ import annotations

import json

import pytest

from presspipe.pipelines.enrich.normalize import normalize_paragraph
from presspipe.pipelines.enrich.record import Provenance, enrich_article

from .conftest import FIXED_TIME, HTML_FIXTURES, make_raw

FIXTURE_NAMES = sorted(path.stem for path in HTML_FIXTURES.glob("*.html"))


def test_there_are_enough_fixtures():
    assert len(FIXTURE_NAMES) >= 12
    languages = {json.loads((HTML_FIXTURES / f"{name}.expected.json").read_text("utf-8"))["language"] for name in FIXTURE_NAMES}
    assert {"en", "hi", "fr", "de", "ru", "vi", "es", "id"} <= languages


@pytest.fixture(scope="module", params=FIXTURE_NAMES)
def case(request):
    expected = json.loads((HTML_FIXTURES / f"{request.param}.expected.json").read_text("utf-8"))
    raw = make_raw((HTML_FIXTURES / f"{request.param}.html").read_bytes(), "text/html")
    return expected, enrich_article(raw, provenance=Provenance(), processed_at=FIXED_TIME)


def test_body_is_exactly_the_expected_paragraphs(case):
    expected, article = case
    assert list(article.paragraphs) == [normalize_paragraph(p) for p in expected["paragraphs"]]
    assert article.body == "\n\n".join(article.paragraphs)


def test_no_caption_or_related_text_leaks(case):
    expected, article = case
    leaks = [fragment for fragment in expected["must_not_contain"] if normalize_paragraph(fragment) in article.body]
    assert leaks == []
    if expected["must_not_contain"]:
        assert article.captions_removed + article.related_blocks_removed > 0


def test_metadata(case):
    expected, article = case
    assert article.language == expected["language"]
    assert article.title == expected["title"]
    assert article.dateline == expected["dateline"]
    assert article.word_count > 0
