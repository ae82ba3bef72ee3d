"""Publication times as the page states them: precision, offset, declared zone (pure functions, hand-written pages)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from presspipe.pipelines.enrich.extract import parse_html
from presspipe.pipelines.enrich.published import (
    DATE,
    DATETIME,
    NAIVE,
    from_fallback,
    parse_stated_time,
    publication_time,
)


def page(head: str = "", body: str = "<p>Text</p>") -> object:
    return parse_html(f"<html><head>{head}</head><body>{body}</body></html>", max_dom_nodes=10_000)


def json_ld(**fields) -> str:
    import json

    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


@pytest.mark.parametrize("text, local, offset, has_time", [
    ("2024-05-02T07:55:25Z", datetime(2024, 5, 2, 7, 55, 25), timedelta(0), True),
    ("2024-05-02T14:46:12+02:00", datetime(2024, 5, 2, 14, 46, 12), timedelta(hours=2), True),
    ("2024-05-02T14:46:12.250-0330", datetime(2024, 5, 2, 14, 46, 12, 250000), -timedelta(hours=3, minutes=30), True),
    ("2024-05-02 14:46", datetime(2024, 5, 2, 14, 46), None, True),
    ("2024-05-02", datetime(2024, 5, 2), None, False),
    ("20240502T144612Z", datetime(2024, 5, 2, 14, 46, 12), timedelta(0), True),
    ("Fri, 28 Apr 2023 18:23:00 +0200", datetime(2023, 4, 28, 18, 23), timedelta(hours=2), True),
])
def test_stated_values_keep_what_they_say_and_nothing_more(text, local, offset, has_time):
    stated = parse_stated_time(text)
    assert (stated.local, stated.offset, stated.has_time) == (local, offset, has_time)


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-45", "12:30", "2024-05-02T10:00:00+25:00", "x" * 100])
def test_unreadable_values_are_none(text):
    assert parse_stated_time(text) is None


def test_a_full_time_with_its_offset_is_exact():
    found = publication_time(page(json_ld(datePublished="2024-05-02T14:46:12+02:00")))
    assert (found.at, found.precision, found.date, found.source) == (
        datetime(2024, 5, 2, 12, 46, 12, tzinfo=timezone.utc), DATETIME, "2024-05-02", "json-ld")


def test_a_date_alone_is_never_midnight_utc():
    found = publication_time(page('<meta property="article:published_time" content="2024-05-02">'))
    assert (found.at, found.precision, found.date) == (None, DATE, "2024-05-02")


def test_the_most_precise_statement_wins_over_a_more_trusted_date():
    found = publication_time(page(json_ld(datePublished="2024-05-02") +
                                  '<meta property="article:published_time" content="2024-05-02T07:55:25Z">'))
    assert (found.at, found.precision) == (datetime(2024, 5, 2, 7, 55, 25, tzinfo=timezone.utc), DATETIME)


def test_a_naive_time_takes_the_zone_the_page_declares_elsewhere():
    found = publication_time(page(json_ld(datePublished="2024-11-05T13:11:53",
                                          dateModified="2024-11-05T15:00:00+02:00")))
    assert (found.at, found.precision, found.date) == (
        datetime(2024, 11, 5, 11, 11, 53, tzinfo=timezone.utc), DATETIME, "2024-11-05")


def test_the_declared_zone_is_the_one_nearest_in_time():
    """Published in winter, updated in summer (+02:00, stated first) and modified the same winter day (+01:00):
    the winter offset."""
    found = publication_time(page(
        '<meta property="og:updated_time" content="2024-07-01T10:00:00+02:00">'
        + json_ld(datePublished="2024-01-10T09:00:00", dateModified="2024-01-10T12:00:00+01:00")))
    assert found.at == datetime(2024, 1, 10, 8, 0, tzinfo=timezone.utc)


def test_a_naive_time_without_any_zone_is_flagged_naive():
    found = publication_time(page('<meta name="pubdate" content="2023-04-28 13:53:25">'))
    assert (found.at, found.precision, found.date) == (
        datetime(2023, 4, 28, 13, 53, 25, tzinfo=timezone.utc), NAIVE, "2023-04-28")


def test_the_local_date_is_the_pages_own_even_when_utc_is_the_day_before():
    found = publication_time(page(json_ld(datePublished="2024-12-04T00:30:00+09:00")))
    assert found.date == "2024-12-04" and found.at == datetime(2024, 12, 3, 15, 30, tzinfo=timezone.utc)


def test_time_elements_count_when_the_head_says_nothing():
    found = publication_time(page(body='<article><time datetime="2024-04-21T20:24:00+02:00">21.04.</time>'
                                       '<p>Text</p></article>'))
    assert found.at == datetime(2024, 4, 21, 18, 24, tzinfo=timezone.utc) and found.source == "time"


def test_an_article_object_wins_over_another_objects_date():
    other = '<script type="application/ld+json">{"@type": "WebSite", "datePublished": "2001-01-01"}</script>'
    found = publication_time(page(other + json_ld(datePublished="2024-05-02T10:00:00Z")))
    assert found.at == datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)


def test_broken_json_ld_and_no_date_give_none():
    assert publication_time(page('<script type="application/ld+json">{"datePublished": </script>')) is None


def test_the_fallback_keeps_only_the_date():
    found = from_fallback("2024-05-02T00:00:00")
    assert (found.at, found.precision, found.date, found.source) == (None, DATE, "2024-05-02", "fallback")


@pytest.mark.parametrize("name", ["article:published_time", "article:published:time", "article_published_time",
                                  "Article:Published_Time"])
def test_meta_spellings_publishers_use(name):
    found = publication_time(page(f'<meta property="{name}" content="2024-10-23T15:48:15+00:00">'))
    assert found.at == datetime(2024, 10, 23, 15, 48, 15, tzinfo=timezone.utc) and found.source.startswith("meta:")


_PARAGRAPHS = "<p>The council met on Monday and could not agree on the budget for next year, again and again.</p>" * 4


@pytest.mark.parametrize("url, byline, searched", [
    # trafilatura's metadata pass reads the date in the URL: the extensive search is not run
    ("https://example.test/2024/05/02/budget", "", 0),
    # only the visible text dates the page: the extensive search is the last resort, and its date is kept
    ("https://example.test/budget", "<p>Posted on 2 May 2024 at 10:15 by the desk.</p>", 1),
])
def test_the_extensive_date_search_runs_only_when_nothing_else_dated_the_page(monkeypatch, url, byline, searched):
    from presspipe.pipelines.enrich import extract

    calls = []
    real_find_date = extract.htmldate.find_date

    class CountingHtmldate:
        @staticmethod
        def find_date(*args, **kwargs):
            calls.append(kwargs)
            return real_find_date(*args, **kwargs)

    monkeypatch.setattr(extract, "htmldate", CountingHtmldate)
    tree = page("<title>Budget</title>", f"<article><h1>Budget</h1>{byline}{_PARAGRAPHS}</article>")
    found = extract.extract_html(tree, url=url).published
    assert (found.at, found.precision, found.date, found.source) == (None, DATE, "2024-05-02", "fallback")
    assert len(calls) == searched
