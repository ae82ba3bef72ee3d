"""Bodies over ``FetchPolicy.max_bytes``: article pages are kept cut at the cap and flagged truncated (reason
``max_bytes``, an id of their own); feed and sitemap documents over the cap are refused (a cut XML document does
not parse). A real HTTP server on 127.0.0.1 serves every case."""

from __future__ import annotations

import pytest

from presspipe.connectors.base import FetchFailure
from presspipe.connectors.feeds import FeedsConnector
from presspipe.connectors.http_client import FetchPolicy, PoliteClient, ResponseTooLargeError
from presspipe.connectors.sitemaps import SitemapsConnector
from presspipe.connectors.state import ConnectorState
from presspipe.pipelines.enrich.record import Provenance, enrich_article
from presspipe.pipelines.enrich.errors import TruncatedArticleError
from presspipe.schemas import RawArticle
from tests.unit.connectors.local_site import LocalSite, Route, article_html

ROBOTS = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")


def client_for(max_bytes: int) -> PoliteClient:
    return PoliteClient(FetchPolicy(per_host_delay_s=0.0, backoff_s=0.01, retries=0, max_bytes=max_bytes))


def rss_listing(*page_urls: str) -> bytes:
    items = "".join(f"<item><title>Story {n}</title><link>{url}</link></item>" for n, url in enumerate(page_urls))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local news</title>'
            f"<link>http://127.0.0.1/</link><description>d</description>{items}</channel></rss>").encode()


def urlset(*page_urls: str) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in page_urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode()


@pytest.fixture
def site():
    with LocalSite() as running:
        running.add("/robots.txt", ROBOTS)
        yield running


def feed_results(site: LocalSite, tmp_path, max_bytes: int, name: str) -> list:
    with ConnectorState(tmp_path / f"{name}.sqlite") as state, client_for(max_bytes) as client:
        return list(FeedsConnector([site.url("/feed.xml")], client, state, workers=2).fetch())


# --- the client: where the cut falls -------------------------------------------------------------------------------

def test_declared_length_over_the_cap_reads_the_first_max_bytes(site):
    page = bytes(range(256)) * 40  # 10,240 bytes with a Content-Length
    site.add("/big.html", Route(page))
    with client_for(4096) as client:
        response = client.get(site.url("/big.html"), cut_at_cap=True)
    assert response.truncated is True
    assert response.body == page[:4096]


def test_streamed_body_is_cut_exactly_at_the_cap(site):
    site.add("/endless.html", Route(stream_bytes=50 * 1024 * 1024))  # chunked, no Content-Length, 65,537-byte chunks
    with client_for(100_000) as client:
        response = client.get(site.url("/endless.html"), cut_at_cap=True)
    assert response.truncated is True and len(response.body) == 100_000
    assert response.body.startswith(b"<p>xxx")


def test_body_of_exactly_max_bytes_is_complete(site):
    page = b"y" * 4096
    site.add("/exact.html", Route(page))
    site.add("/one-more.html", Route(page + b"z"))
    with client_for(4096) as client:
        exact = client.get(site.url("/exact.html"), cut_at_cap=True)
        one_more = client.get(site.url("/one-more.html"), cut_at_cap=True)
    assert (exact.truncated, exact.body) == (False, page)
    assert (one_more.truncated, one_more.body) == (True, page)


def test_gzip_page_is_cut_after_decoding(site):
    page = b"<p>" + b"a" * (4 * 1024 * 1024) + b"</p>"
    site.add("/bomb.html", Route(page, gzip_encoding=True))
    with client_for(1024 * 1024) as client:
        response = client.get(site.url("/bomb.html"), cut_at_cap=True)
    assert response.truncated is True and response.body == page[:1024 * 1024]


def test_without_cut_at_cap_an_oversize_body_is_still_refused(site):
    site.add("/big.html", Route(b"x" * 5000))
    with client_for(1000) as client, pytest.raises(ResponseTooLargeError):
        client.get(site.url("/big.html"))


# --- the connectors: pages are kept and flagged, listings over the cap are refused ----------------------------------

def test_feed_page_over_the_cap_is_one_truncated_record_with_an_id_of_its_own(site, tmp_path):
    page = article_html("Harbour budget approved", paragraphs=20)
    assert len(page) > 3000
    site.add("/news/budget.html", Route(page))
    site.add("/feed.xml", Route(rss_listing(site.url("/news/budget.html")), content_type="application/rss+xml"))

    cut = feed_results(site, tmp_path, 3000, "cut")
    complete = feed_results(site, tmp_path, 1024 * 1024, "complete")

    assert len(cut) == 1 and isinstance(cut[0], RawArticle), cut
    raw = cut[0]
    assert (raw.truncated, raw.truncation_reason) == (True, "max_bytes")
    assert raw.body == page[:3000]
    assert raw.url == site.url("/news/budget.html") and raw.source.connector == "feed"
    assert len(complete) == 1 and isinstance(complete[0], RawArticle)
    assert (complete[0].truncated, complete[0].truncation_reason, complete[0].body) == (False, None, page)
    assert raw.id != complete[0].id, "a cut copy must not share the complete page's key"


def test_sitemap_page_over_the_cap_is_kept_truncated(site, tmp_path):
    page = article_html("Ferry timetable changes", paragraphs=20)
    site.add("/news/ferry.html", Route(page))
    site.add("/sitemap.xml", Route(urlset(site.url("/news/ferry.html")), content_type="application/xml"))
    with ConnectorState(tmp_path / "sitemap.sqlite") as state, client_for(2500) as client:
        results = list(SitemapsConnector([site.url("/sitemap.xml")], client, state, workers=2).fetch())
    assert len(results) == 1 and isinstance(results[0], RawArticle), results
    assert (results[0].truncated, results[0].truncation_reason, results[0].body) == (True, "max_bytes", page[:2500])


def test_feed_document_over_the_cap_is_refused(site, tmp_path):
    urls = [site.url(f"/news/{n}.html") for n in range(60)]
    feed = rss_listing(*urls)
    assert len(feed) > 2000
    site.add("/feed.xml", Route(feed, content_type="application/rss+xml"))
    for url in urls:
        site.add(url.removeprefix(site.base), Route(article_html("Story")))

    results = feed_results(site, tmp_path, 2000, "feed")

    assert len(results) == 1 and isinstance(results[0], FetchFailure), results
    assert results[0].error_type == "ResponseTooLargeError" and results[0].location == site.url("/feed.xml")
    assert site.hits("/news/0.html") == 0, "no page of a refused feed is fetched"


def test_sitemap_document_over_the_cap_is_refused(site, tmp_path):
    urls = [site.url(f"/news/{n}.html") for n in range(60)]
    site.add("/sitemap.xml", Route(urlset(*urls), content_type="application/xml"))
    with ConnectorState(tmp_path / "sitemap.sqlite") as state, client_for(2000) as client:
        results = list(SitemapsConnector([site.url("/sitemap.xml")], client, state, workers=2).fetch())
    assert len(results) == 1 and isinstance(results[0], FetchFailure), results
    assert results[0].error_type == "ResponseTooLargeError"
    assert site.hits("/news/0.html") == 0


# --- through enrichment: a cut page is a flagged article, or a dead letter when too little is left ------------------

def test_truncated_page_enriches_to_a_flagged_article_or_a_truncated_dead_letter(site, tmp_path):
    page = article_html("Council approves harbour budget", paragraphs=20)  # ~700 words
    site.add("/news/budget.html", Route(page))
    site.add("/feed.xml", Route(rss_listing(site.url("/news/budget.html")), content_type="application/rss+xml"))

    # 3,500 bytes keep about a dozen paragraphs (~400 words); 700 keep the head and under two (~50 words).
    [long_cut] = feed_results(site, tmp_path, 3500, "long")
    [short_cut] = feed_results(site, tmp_path, 700, "short")
    [complete] = feed_results(site, tmp_path, 1024 * 1024, "complete")

    article = enrich_article(long_cut, provenance=Provenance())
    whole = enrich_article(complete, provenance=Provenance())
    assert (article.truncated, article.truncation_reason) == (True, "max_bytes")
    assert (whole.truncated, whole.truncation_reason) == (False, None)
    assert 100 <= len(article.body.split()) < len(whole.body.split())
    assert article.id != whole.id
    with pytest.raises(TruncatedArticleError, match="max_bytes"):
        enrich_article(short_cut, provenance=Provenance())
