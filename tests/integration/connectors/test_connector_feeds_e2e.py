"""Feeds: local server → FeedsConnector → embedded broker → replay → Avro; state makes reruns idempotent."""

from __future__ import annotations

import pytest

from presspipe.connectors.feeds import FeedsConnector
from presspipe.connectors.http_client import FetchPolicy, PoliteClient
from presspipe.connectors.state import ConnectorState
from tests.integration.connectors.e2e_support import dead_broker_producer, raw_records, replay, run_into, \
    start_time
from tests.unit.connectors.local_site import LocalSite, Route, article_html, fixture_text

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PAGES = {"budget": "Council approves harbour budget", "ferry": "Ferry timetable changes",
         "bruecke": "Neue Brücke eröffnet", "vendanges": "Les vendanges commencent",
         "library": "Library reopens after repairs"}


def serve_feeds(site: LocalSite) -> list[str]:
    for name, title in PAGES.items():
        site.add(f"/news/{name}.html", Route(article_html(title)))
    for number, name in enumerate(("rss2.xml", "rss1.xml", "rss091.xml", "atom.xml")):
        site.add(f"/{name}", Route(fixture_text(name, site.base), content_type="application/xml",
                                   etag=f'"{name}-v1"', last_modified="Tue, 04 Nov 2025 09:00:00 GMT"))
    site.add("/not-a-feed.xml", Route(b"<html><body><h1>Oops</h1></body></html>"))
    site.add("/down.xml", Route(status=500))
    return [site.url(f"/{name}") for name in ("rss2.xml", "rss1.xml", "rss091.xml", "atom.xml",
                                              "not-a-feed.xml", "down.xml")]


def polite_client() -> PoliteClient:
    return PoliteClient(FetchPolicy(per_host_delay_s=0.0, backoff_s=0.01, retries=1))


def test_feeds_end_to_end_with_resume(kafka_settings, topics, tmp_path):
    since = start_time()
    with LocalSite() as site, ConnectorState(tmp_path / "feed.sqlite") as state, polite_client() as client:
        feeds = serve_feeds(site)
        first = run_into(FeedsConnector(feeds, client, state), kafka_settings, topics.raw)
        assert first.sent == 5, first.as_dict()
        # gone.html (404), a feed that is HTML, a feed that answers 500: counted, the run went on
        assert first.fetch_failures == 3
        assert first.failures_by_type == {"HttpStatusError": 2, "NotAFeedError": 1}

        records = {raw.url: raw for raw in raw_records(kafka_settings, topics.raw, expected=5)}
        assert len(records) == 5
        budget = records[site.url("/news/budget.html")]
        assert budget.hints.title == PAGES["budget"] and budget.hints.authors == ("Ana Silva",)
        assert budget.hints.language == "en" and budget.hints.published_at.isoformat() == "2025-11-04T08:30:00+00:00"
        assert budget.source.connector == "feed" and budget.http_status == 200 and budget.content_type == "text/html"
        assert records[site.url("/news/bruecke.html")].hints.authors == ("Jonas Weber", "Lea Braun")

        # A restart: every feed answers 304 to the stored validators, no page is requested again.
        second = run_into(FeedsConnector(feeds, client, state), kafka_settings, topics.raw)
        assert second.sent == 0 and second.skipped == 4
        assert site.headers_of("/rss2.xml")[-1]["If-None-Match"] == '"rss2.xml-v1"'
        assert all(site.hits(f"/news/{name}.html") == 1 for name in PAGES)

        # The feed changes (new ETag, entry updated) but the page did not: fetched, not produced again.
        site.routes["/rss2.xml"].etag = '"rss2.xml-v2"'
        site.routes["/rss2.xml"].body = site.routes["/rss2.xml"].body.replace(
            b"<pubDate>Tue, 04 Nov 2025 09:30:00 +0100</pubDate>",
            b"<pubDate>Tue, 04 Nov 2025 09:30:00 +0100</pubDate><atom:updated xmlns:atom=\"http://www.w3.org/2005/Atom\">"
            b"2025-11-05T10:00:00Z</atom:updated>")
        third = run_into(FeedsConnector(feeds, client, state), kafka_settings, topics.raw)
        assert third.sent == 0, third.as_dict()

        # ...and once the page itself changes, it is produced again.
        site.routes["/news/budget.html"].body = article_html(PAGES["budget"] + " (updated)")
        site.routes["/rss2.xml"].etag = '"rss2.xml-v3"'
        site.routes["/rss2.xml"].body = site.routes["/rss2.xml"].body.replace(b"2025-11-05T10:00:00Z",
                                                                            b"2025-11-06T10:00:00Z")
        fourth = run_into(FeedsConnector(feeds, client, state), kafka_settings, topics.raw)
        assert fourth.sent == 1, fourth.as_dict()

    summary, articles = replay(kafka_settings, topics, since, tmp_path / "avro")
    assert summary.read == 6 and summary.balanced
    assert summary.written == len(articles) == 6 - summary.dead_lettered
    assert summary.written == 6, summary.to_json()
    assert {article["title"] for article in articles} >= set(PAGES.values())


def test_unacknowledged_pages_are_not_marked_done(kafka_settings, topics, tmp_path):
    """A broker that never acknowledges (a crash before the ack) leaves the state untouched: the next run sends all."""
    with LocalSite() as site, ConnectorState(tmp_path / "feed.sqlite") as state, polite_client() as client:
        feeds = [site.url("/rss2.xml")]
        serve_feeds(site)
        producer = dead_broker_producer(topics.raw)
        from presspipe.connectors.base import run_connector

        try:
            lost = run_connector(FeedsConnector(feeds, client, state), producer)
        finally:
            producer.close()
        assert lost.sent == 0 and lost.failed_sends == 2
        assert state.page(site.url("/news/budget.html")) is None
        assert state.source(site.url("/rss2.xml"))[0].empty  # the feed's ETag was not committed either

        recovered = run_into(FeedsConnector(feeds, client, state), kafka_settings, topics.raw)
        assert recovered.sent == 2
        assert state.page(site.url("/news/budget.html")).produced
        assert state.source(site.url("/rss2.xml"))[0].etag == '"rss2.xml-v1"'
