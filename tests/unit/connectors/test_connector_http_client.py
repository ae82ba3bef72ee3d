"""The shared polite HTTP client against a real server on 127.0.0.1."""

from __future__ import annotations

import pytest

from presspipe.connectors.http_client import USER_AGENT, ConnectionFailedError, FetchPolicy, FetchTimeoutError, \
    HttpStatusError, PoliteClient, RedirectLoopError, ResponseTooLargeError, RobotsDisallowedError
from presspipe.connectors.state import Validators
from tests.unit.connectors.local_site import LocalSite, Route, article_html


@pytest.fixture
def site():
    with LocalSite() as running:
        running.add("/robots.txt", Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
        yield running


def client_for(waits: list[float] | None = None, **overrides) -> PoliteClient:
    policy = FetchPolicy(**{"per_host_delay_s": 0.0, "backoff_s": 0.01, "retries": 2, **overrides})
    return PoliteClient(policy, sleep=(waits.append if waits is not None else lambda _: None))


def test_fetch_sends_user_agent_and_reads_robots_once(site):
    site.add("/a.html", Route(article_html("A")))
    site.add("/b.html", Route(article_html("B")))
    with client_for() as client:
        first = client.get(site.url("/a.html"))
        client.get(site.url("/b.html"))
    assert first.status == 200 and first.body == article_html("A") and first.content_type == "text/html"
    assert first.charset == "utf-8"
    assert site.headers_of("/a.html")[0]["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("presspipe/") and "+http" in USER_AGENT
    assert site.hits("/robots.txt") == 1


def test_robots_disallow_is_obeyed_without_a_request(site):
    site.add("/private/x.html", Route(article_html("X")))
    with client_for() as client, pytest.raises(RobotsDisallowedError):
        client.get(site.url("/private/x.html"))
    assert site.hits("/private/x.html") == 0


def test_robots_5xx_means_disallow_all():
    with LocalSite() as site:
        site.add("/robots.txt", Route(b"down", status=500))
        site.add("/a.html", Route(article_html("A")))
        with client_for(retries=0) as client, pytest.raises(RobotsDisallowedError):
            client.get(site.url("/a.html"))


def test_transient_errors_are_retried_with_backoff(site):
    site.add("/flaky.html", Route(article_html("F"), fail_first=2))
    waits: list[float] = []
    with client_for(waits) as client:
        response = client.get(site.url("/flaky.html"))
    assert response.status == 200 and site.hits("/flaky.html") == 3
    assert waits == [0.01, 0.02]


def test_retries_are_bounded(site):
    site.add("/down.html", Route(article_html("D"), fail_first=100))
    with client_for() as client, pytest.raises(HttpStatusError) as raised:
        client.get(site.url("/down.html"))
    assert raised.value.status == 503 and raised.value.transient and site.hits("/down.html") == 3


def test_not_found_is_not_retried(site):
    with client_for() as client, pytest.raises(HttpStatusError) as raised:
        client.get(site.url("/missing.html"))
    assert raised.value.status == 404 and not raised.value.transient and site.hits("/missing.html") == 1


def test_redirect_loop(site):
    site.add("/loop-a", Route(redirect_to="/loop-b"))
    site.add("/loop-b", Route(redirect_to="/loop-a"))
    with client_for() as client, pytest.raises(RedirectLoopError):
        client.get(site.url("/loop-a"))


def test_redirect_is_followed_to_the_final_url(site):
    site.add("/old", Route(redirect_to="/new.html"))
    site.add("/new.html", Route(article_html("N")))
    with client_for() as client:
        response = client.get(site.url("/old"))
    assert response.final_url == site.url("/new.html") and response.url == site.url("/old")


def test_declared_oversize_is_refused(site):
    site.add("/big.html", Route(b"x" * 5000))
    with client_for(max_bytes=1000) as client, pytest.raises(ResponseTooLargeError):
        client.get(site.url("/big.html"))


def test_streamed_oversize_stops_at_the_cap(site):
    site.add("/endless.html", Route(stream_bytes=50 * 1024 * 1024))
    with client_for(max_bytes=256 * 1024) as client, pytest.raises(ResponseTooLargeError):
        client.get(site.url("/endless.html"))


def test_gzip_bomb_is_capped_after_decoding(site):
    site.add("/bomb.html", Route(b"a" * (4 * 1024 * 1024), gzip_encoding=True))
    with client_for(max_bytes=1024 * 1024) as client, pytest.raises(ResponseTooLargeError):
        client.get(site.url("/bomb.html"))


def test_slow_page_times_out_and_is_retried(site):
    site.add("/slow.html", Route(article_html("S"), delay_s=1.0))
    with client_for(read_timeout_s=0.2, retries=1) as client, pytest.raises(FetchTimeoutError):
        client.get(site.url("/slow.html"))
    assert site.hits("/slow.html") == 2


def test_conditional_get_returns_not_modified(site):
    site.add("/feed.xml", Route(b"<rss/>", etag='"v1"', last_modified="Tue, 04 Nov 2025 09:00:00 GMT"))
    with client_for() as client:
        first = client.get(site.url("/feed.xml"))
        again = client.get(site.url("/feed.xml"), first.validators)
    assert first.validators == Validators('"v1"', "Tue, 04 Nov 2025 09:00:00 GMT")
    assert again.not_modified and again.body == b""
    assert site.headers_of("/feed.xml")[1]["If-None-Match"] == '"v1"'


def test_unreachable_host():
    with client_for(retries=0) as client, pytest.raises(ConnectionFailedError):
        client.get("http://127.0.0.1:9/nothing.html")


def test_per_host_delay_and_crawl_delay_make_the_client_wait():
    with LocalSite() as site:
        site.add("/robots.txt", Route(b"User-agent: *\nCrawl-delay: 7\n", content_type="text/plain"))
        site.add("/a.html", Route(article_html("A")))
        waits: list[float] = []
        with client_for(waits, per_host_delay_s=0.0, max_crawl_delay_s=3.0) as client:
            client.get(site.url("/a.html"))
            client.get(site.url("/a.html"))
    # the second request waited for the Crawl-delay, capped at max_crawl_delay_s (the sleep is injected, not real)
    assert len(waits) == 1 and 0 < waits[0] <= 3.0
