"""Pure parsing functions of the connectors: feeds, sitemaps, WARC helpers, push requests."""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timezone

import pytest

from presspipe.connectors.feeds import NotAFeedError, entry_hints, parse_feed
from presspipe.connectors.push import BadRequestError, RateLimiter, parse_html_article, parse_json_article
from presspipe.connectors.sitemaps import NotASitemapError, inflate_if_gzip, parse_sitemap, parse_w3c_datetime, url_hints
from presspipe.connectors.warc import charset_of, next_record_start, payload_mime
from tests.unit.connectors.local_site import fixture_text

BASE = "http://news.test"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# feeds ---------------------------------------------------------------------------------------------------------

def test_rss2_entries_hints_and_relative_links():
    feed = parse_feed(fixture_text("rss2.xml", BASE), f"{BASE}/rss2.xml")
    assert feed.version == "rss20"
    assert [entry.url for entry in feed.entries] == [
        f"{BASE}/news/budget.html", f"{BASE}/news/ferry.html", f"{BASE}/news/gone.html"]
    hints = entry_hints(feed.entries[0], feed)
    assert hints.title == "Council approves harbour budget"
    assert hints.published_at == utc(2025, 11, 4, 8, 30)
    assert hints.authors == ("Ana Silva",)
    assert hints.language == "en"
    assert "Tom Brook" in entry_hints(feed.entries[1], feed).authors[0]


def test_rss1_rdf_feed():
    feed = parse_feed(fixture_text("rss1.xml", BASE), f"{BASE}/rss1.xml")
    assert feed.version == "rss10"
    (entry,) = feed.entries
    assert entry.url == f"{BASE}/news/vendanges.html"
    assert entry.authors == ("Claire Martin",)
    assert entry_hints(entry, feed).published_at == utc(2025, 9, 12, 5, 15)


def test_rss091_feed_without_dates():
    feed = parse_feed(fixture_text("rss091.xml", BASE), f"{BASE}/rss091.xml")
    assert feed.version.startswith("rss09")
    (entry,) = feed.entries
    assert entry.published is None and entry.title == "Library reopens after repairs"


def test_atom_feed_with_two_authors_and_updated():
    feed = parse_feed(fixture_text("atom.xml", BASE), f"{BASE}/atom.xml")
    assert feed.version == "atom10"
    (entry,) = feed.entries
    assert entry.url == f"{BASE}/news/bruecke.html"
    assert entry.authors == ("Jonas Weber", "Lea Braun")
    assert entry.published == utc(2025, 10, 1, 6) and entry.updated == utc(2025, 10, 1, 7)


@pytest.mark.parametrize("body", [b"<html><body><p>Not a feed</p></body></html>", b"", b"{\"json\": true}",
                                  b"<?xml version='1.0'?><rss version='2.0'><channel><item>"])
def test_not_a_feed(body):
    with pytest.raises(NotAFeedError):
        parse_feed(body, f"{BASE}/feed.xml")


# sitemaps ------------------------------------------------------------------------------------------------------

def test_sitemap_index():
    sitemap = parse_sitemap(fixture_text("sitemap_index.xml", BASE), f"{BASE}/sitemap_index.xml")
    assert sitemap.kind == "index"
    assert sitemap.urls[0].loc == f"{BASE}/sitemaps/news.xml"
    assert sitemap.urls[0].lastmod == utc(2025, 11, 4, 10)
    assert sitemap.urls[1].lastmod == utc(2025, 6, 1)
    assert sitemap.urls[2].lastmod is None


def test_news_sitemap_titles_dates_and_languages():
    sitemap = parse_sitemap(fixture_text("sitemap_news.xml", BASE), f"{BASE}/sitemaps/news.xml")
    assert sitemap.kind == "urlset" and len(sitemap.urls) == 6
    first = sitemap.urls[0]
    assert first.news_title == "Council approves harbour budget"
    assert first.news_published == utc(2025, 11, 4, 8, 30) and first.lastmod is None
    assert first.date == first.news_published
    hints = url_hints(first)
    assert hints.title == first.news_title and hints.language == "en"
    assert url_hints(sitemap.urls[2]) is None and sitemap.urls[2].date == utc(2025, 11, 2)


def test_gzip_sitemap_is_inflated_by_magic_bytes():
    plain = fixture_text("sitemap_archive.xml", BASE)
    sitemap = parse_sitemap(gzip.compress(plain), f"{BASE}/archive.xml.gz")
    assert [url.loc for url in sitemap.urls] == [f"{BASE}/news/library.html", f"{BASE}/news/old-fair.html"]


def test_gzip_bomb_is_refused():
    with pytest.raises(NotASitemapError, match="inflates past"):
        inflate_if_gzip(gzip.compress(b"<" * 10_000), limit=1_000)


@pytest.mark.parametrize("body", [b"<html><body>oops</body></html>", b"not xml at all", b"",
                                  b"<?xml version='1.0'?><urlset><url><loc>x</loc>"])
def test_not_a_sitemap(body):
    with pytest.raises(NotASitemapError):
        parse_sitemap(body, BASE)


def test_external_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{BASE}/&x;</loc></url></urlset>')
    sitemap = parse_sitemap(body.encode(), BASE)
    assert all("TOP-SECRET" not in url.loc for url in sitemap.urls)


def test_billion_laughs_does_not_expand():
    lol = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{BASE}/&l9;</loc></url></urlset>')
    try:
        sitemap = parse_sitemap(body.encode(), BASE)
    except NotASitemapError:
        return  # refusing the document is as good as not expanding it
    assert all(len(url.loc) < 1000 for url in sitemap.urls)


@pytest.mark.parametrize("text, expected", [
    ("2025", utc(2025, 1, 1)), ("2025-06", utc(2025, 6, 1)), ("2025-06-03", utc(2025, 6, 3)),
    ("2025-06-03T10:20:30Z", utc(2025, 6, 3, 10, 20, 30)), ("2025-06-03T12:20+02:00", utc(2025, 6, 3, 10, 20)),
    ("yesterday", None), ("", None), (None, None)])
def test_w3c_datetimes(text, expected):
    assert parse_w3c_datetime(text) == expected


# WARC helpers --------------------------------------------------------------------------------------------------

def test_payload_mime_prefers_detected_type():
    assert payload_mime("text/html", "application/octet-stream") == "text/html"
    assert payload_mime(None, "Text/HTML; charset=ISO-8859-1") == "text/html"
    assert payload_mime("  ", None) is None
    assert charset_of("text/html; charset=\"Windows-1252\"") == "windows-1252"
    assert charset_of("text/html") is None


def test_next_record_start_finds_gzip_members_and_plain_records():
    data = b"junk" + b"\x1f\x8b\x08" + b"member1" + b"\x1f\x8b\x08" + b"member2"
    assert next_record_start(io.BytesIO(data), 0, gzipped=True) == 4
    assert next_record_start(io.BytesIO(data), 4, gzipped=True) == 14
    assert next_record_start(io.BytesIO(data), 14, gzipped=True) is None
    plain = b"WARC/1.1\r\nbody mentions WARC/1.0 inline\r\n\r\nWARC/1.0\r\n"
    assert next_record_start(io.BytesIO(plain), 0, gzipped=False) == plain.index(b"\r\n\r\nWARC/1.0") + 4


# push requests -------------------------------------------------------------------------------------------------

def test_json_push_request_becomes_a_raw_record():
    raw = parse_json_article(json.dumps({
        "url": "https://news.test/a", "html": "<p>Hello</p>", "title": "Hello", "published_at": "2025-11-04T09:30:00+01:00",
        "authors": ["Ana Silva", " "], "language": "en"}).encode())
    assert raw.url == "https://news.test/a" and raw.body == b"<p>Hello</p>" and raw.content_type == "text/html"
    assert raw.hints.published_at == utc(2025, 11, 4, 8, 30) and raw.hints.authors == ("Ana Silva",)
    assert raw.source.connector == "http"
    text = parse_json_article(b'{"url": "http://news.test/b", "text": "Plain words"}')
    assert text.content_type == "text/plain" and text.hints.title is None


@pytest.mark.parametrize("body, field", [
    (b"not json", "JSON"), (b"[1, 2]", "object"), (b'{"html": "<p>x</p>"}', "url"),
    (b'{"url": "ftp://x/y", "html": "<p>x</p>"}', "url"), (b'{"url": "http://x/y"}', "exactly one"),
    (b'{"url": "http://x/y", "html": "a", "text": "b"}', "exactly one"),
    (b'{"url": "http://x/y", "html": 5}', "html"), (b'{"url": "http://x/y", "html": "a", "authors": "me"}', "authors"),
    (b'{"url": "http://x/y", "html": "a", "published_at": "last week"}', "published_at"),
    (b'{"url": "http://x/y", "html": "a", "language": 7}', "language"), (b"\xff\xfe", "JSON")])
def test_bad_push_requests_name_the_field_not_the_input(body, field):
    with pytest.raises(BadRequestError) as raised:
        parse_json_article(body)
    assert field in str(raised.value)
    assert "last week" not in str(raised.value) and "ftp://" not in str(raised.value)


def test_html_push_request_needs_the_url_header():
    raw = parse_html_article(b"<p>hi</p>", "text/html; charset=ISO-8859-1", "https://news.test/c")
    assert raw.charset == "iso-8859-1" and raw.url == "https://news.test/c"
    with pytest.raises(BadRequestError, match="X-Article-URL"):
        parse_html_article(b"<p>hi</p>", "text/html", None)


def test_rate_limiter_buckets_per_client():
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    now[0] += 0.5
    assert limiter.allow("a") and not limiter.allow("a")
