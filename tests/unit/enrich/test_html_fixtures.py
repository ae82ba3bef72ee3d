"""Every HTML fixture (written for presspipe, several languages and CMS styles) against its expected paragraphs."""

from __future__ import annotations

import json

import pytest
import trafilatura

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


def test_removals_are_counted_where_trafilatura_kept_the_furniture(case, request):
    """Counts say what presspipe removed from trafilatura's choice: when plain trafilatura (same mode) leaks a
    caption or related fragment, presspipe must have counted at least one removal."""
    expected, article = case
    name = request.node.callspec.params["case"]
    plain = trafilatura.extract((HTML_FIXTURES / f"{name}.html").read_bytes(), favor_precision=True,
                                include_comments=False) or ""
    leaked = [fragment for fragment in expected["must_not_contain"] if normalize_paragraph(fragment) in normalize_paragraph(plain)]
    if leaked:
        assert article.captions_removed + article.related_blocks_removed > 0, leaked


def test_metadata(case):
    expected, article = case
    assert article.language == expected["language"]
    assert article.title == expected["title"]
    assert article.dateline == expected["dateline"]
    assert article.word_count > 0
