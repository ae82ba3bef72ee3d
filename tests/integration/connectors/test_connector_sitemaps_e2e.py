"""Sitemaps: index → news sitemap + gzip archive sitemap on a local server → broker → replay → Avro."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from presspipe.connectors.http_client import FetchPolicy, PoliteClient
from presspipe.connectors.sitemaps import SitemapsConnector
from presspipe.connectors.state import ConnectorState
from tests.integration.connectors.e2e_support import raw_records, replay, run_into, start_time
from tests.unit.connectors.local_site import LocalSite, Route, article_html, fixture_text

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def serve_sitemaps(site: LocalSite) -> str:
    site.add("/sitemap_index.xml", Route(fixture_text("sitemap_index.xml", site.base), content_type="application/xml"))
    site.add("/sitemaps/news.xml", Route(fixture_text("sitemap_news.xml", site.base), content_type="application/xml"))
    site.add("/sitemaps/archive.xml.gz", Route(gzip.compress(fixture_text("sitemap_archive.xml", site.base)),
                                               content_type="application/gzip"))
    site.add("/sitemaps/broken.xml", Route(b"<html><body>We moved!</body></html>"))
    site.add("/news/budget.html", Route(article_html("Council approves harbour budget")))
    site.add("/news/ferry.html", Route(article_html("Ferry timetable changes")))
    site.add("/news/library.html", Route(article_html("Library reopens after repairs")))
    site.add("/news/old-fair.html", Route(article_html("Last summer's fair")))
    site.add("/news/slow.html", Route(article_html("Too slow"), delay_s=1.0))
    site.add("/news/error.html", Route(status=500))
    site.add("/news/loop.html", Route(redirect_to="/news/loop.html"))
    site.add("/news/huge.html", Route(stream_bytes=3 * 1024 * 1024))  # "<p>xxx…</p>" chunks: no article text
    return site.url("/sitemap_index.xml")


def test_sitemaps_end_to_end_with_since_and_resume(kafka_settings, topics, tmp_path):
    since = start_time()
    policy = FetchPolicy(per_host_delay_s=0.0, backoff_s=0.01, retries=1, read_timeout_s=0.3,
                         max_bytes=512 * 1024)  # a cut page must still fit Kafka's default 1 MB message
    cutoff = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with LocalSite() as site, ConnectorState(tmp_path / "sitemap.sqlite") as state, PoliteClient(policy) as client:
        index = serve_sitemaps(site)
        first = run_into(SitemapsConnector([index], client, state, since=cutoff), kafka_settings, topics.raw)
        assert first.sent == 4, first.as_dict()
        # slow (timeout), error (500), loop (redirects), broken.xml (not a sitemap); huge.html is kept, cut
        assert first.fetch_failures == 4
        assert first.failures_by_type == {"FetchTimeoutError": 1, "HttpStatusError": 1, "RedirectLoopError": 1,
                                          "NotASitemapError": 1}
        assert site.hits("/news/old-fair.html") == 0  # before --since: never requested
        assert site.hits("/sitemap_index.xml") == 1  # the index listing itself is followed once

        records = {raw.url: raw for raw in raw_records(kafka_settings, topics.raw, expected=4)}
        huge = records[site.url("/news/huge.html")]
        assert (huge.truncated, huge.truncation_reason, len(huge.body)) == (True, "max_bytes", 512 * 1024)
        assert not any(raw.truncated for url, raw in records.items() if url != huge.url)
        budget = records[site.url("/news/budget.html")]
        assert budget.hints.title == "Council approves harbour budget"
        assert budget.hints.published_at == datetime(2025, 11, 4, 8, 30, tzinfo=timezone.utc)
        assert budget.hints.language == "en" and budget.source.connector == "sitemap"
        assert records[site.url("/news/library.html")].hints is None

        # Restart: the gzip archive sitemap is settled (lastmod unchanged) and skipped; the news sitemap had
        # transient failures so it is read again, but its produced pages are not requested again.
        second = run_into(SitemapsConnector([index], client, state, since=cutoff), kafka_settings, topics.raw)
        assert second.sent == 0
        assert site.hits("/sitemaps/archive.xml.gz") == 1 and site.hits("/sitemaps/news.xml") == 2
        assert site.hits("/news/budget.html") == 1 and site.hits("/news/library.html") == 1
        assert site.hits("/news/huge.html") == 1, "a cut page is produced like a complete one, not refetched"

    summary, articles = replay(kafka_settings, topics, since, tmp_path / "avro")
    assert summary.read == 4 and summary.balanced
    assert summary.written == len(articles) == 3, summary.to_json()
    # The cut page kept markup and no article text: a dead letter of its own kind, not a 16-word "article".
    assert summary.dead_letters_by_cause == {"extract/TruncatedArticleError": 1}, summary.to_json()
