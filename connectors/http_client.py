"""Polite HTTP fetching shared by the feed and sitemap connectors.

One ``PoliteClient`` per run: httpx over HTTP/1.1 and HTTP/2, a clear User-Agent, robots.txt obeyed (Protego,
the parser Scrapy uses), at most ``per_host_concurrency`` requests in flight per host and ``per_host_delay_s``
between their starts, bounded retries with exponential backoff for transient failures (timeouts, connection
errors, 429/5xx), conditional GET, and bodies streamed with a hard cap so no response is read unbounded.

What happens at the cap is the caller's choice: a document that is only useful whole (a feed, a sitemap,
robots.txt: a cut XML document does not parse) is refused with ``ResponseTooLargeError``; an article page is
fetched with ``cut_at_cap=True`` and comes back as its first ``max_bytes`` bytes, flagged ``truncated``, so the
record carries the cut (reason ``max_bytes``) instead of the page being lost as a fetch failure.

Every failure is a ``FetchError`` subclass carrying the URL; callers turn it into a counted ``FetchFailure``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping
from urllib.parse import urlsplit

import httpx
from protego import Protego

from presspipe.connectors.policy import USER_AGENT, FetchPolicy
from presspipe.connectors.state import Validators

log = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 512 * 1024
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """A URL that could not be fetched; ``transient`` says whether a later run may succeed."""

    transient = False

    def __init__(self, url: str, message: str):
        super().__init__(message)
        self.url = url


class HttpStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after_s: float | None = None):
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s
        self.transient = status in TRANSIENT_STATUSES


class ResponseTooLargeError(FetchError):
    """The body passed ``max_bytes`` (by Content-Length or while streaming) and the caller wanted it whole."""


class RedirectLoopError(FetchError):
    """More redirects than ``max_redirects`` (a loop, or a chain too long to be a page)."""


class FetchTimeoutError(FetchError):
    transient = True


class ConnectionFailedError(FetchError):
    transient = True


class RobotsDisallowedError(FetchError):
    """robots.txt forbids our User-Agent this URL."""


class UnsupportedUrlError(FetchError):
    """Not an absolute http(s) URL."""


@dataclass(frozen=True)
class FetchedResponse:
    """A complete response, a cut one (``truncated``: only the first ``max_bytes`` decoded bytes, fetched with
    ``cut_at_cap=True``), or a 304 for a conditional GET (``not_modified``, empty body)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    http_version: str
    truncated: bool = False

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag"), self.headers.get("last-modified"))

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for parameter in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"').lower()
        return None


@dataclass
class _HostSlot:
    semaphore: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0


class PoliteClient:
    """Thread-safe: the feed connector fetches pages from a thread pool through one client."""

    def __init__(self, policy: FetchPolicy = FetchPolicy(), *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.policy = policy
        self._sleep = sleep
        self._client = httpx.Client(
            http2=policy.http2, follow_redirects=True, max_redirects=policy.max_redirects, transport=transport,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(connect=policy.connect_timeout_s, read=policy.read_timeout_s,
                                  write=policy.read_timeout_s, pool=policy.total_timeout_s),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
        self._hosts: dict[str, _HostSlot] = {}
        self._robots: dict[str, Protego | None] = {}
        self._registry_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def get(self, url: str, validators: Validators = Validators(), *, cut_at_cap: bool = False) -> FetchedResponse:
        """GET with politeness and retries; raises a ``FetchError`` subclass, returns 2xx or 304 responses only.

        A body over ``policy.max_bytes`` raises ``ResponseTooLargeError``, or with ``cut_at_cap`` is returned as its
        first ``max_bytes`` bytes with ``truncated=True`` (reading stops at the chunk that crosses the cap, whatever
        Content-Length says; nothing past the cap is kept).
        """
        origin = _origin(url)
        if self.policy.respect_robots and not self._allowed(origin, url):
            raise RobotsDisallowedError(url, f"robots.txt of {origin} disallows {self.policy.user_agent}")
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        attempt = 0
        while True:
            try:
                return self._polite_get(origin, url, headers, self.policy.max_bytes, cut_at_cap)
            except FetchError as error:
                if not error.transient or attempt >= self.policy.retries:
                    raise
                wait = min(self.policy.backoff_s * 2 ** attempt, self.policy.max_backoff_s)
                if isinstance(error, HttpStatusError) and error.retry_after_s is not None:
                    wait = min(max(wait, error.retry_after_s), self.policy.max_backoff_s)
                log.info("retrying %s in %.1fs after %s", url, wait, error)
                attempt += 1
                self._sleep(wait)

    def _polite_get(self, origin: str, url: str, headers: dict[str, str], max_bytes: int,
                    cut_at_cap: bool = False) -> FetchedResponse:
        slot = self._slot(origin)
        with slot.semaphore:
            with slot.lock:
                wait = slot.next_start - time.monotonic()
                slot.next_start = max(slot.next_start, time.monotonic()) + self._delay(origin)
            if wait > 0:
                self._sleep(wait)
            return self._get_capped(url, headers, max_bytes, cut_at_cap)

    def _get_capped(self, url: str, headers: dict[str, str], max_bytes: int, cut_at_cap: bool) -> FetchedResponse:
        deadline = time.monotonic() + self.policy.total_timeout_s
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return _fetched(url, response, b"")
                if response.status_code >= 400 or response.status_code < 200:
                    raise HttpStatusError(url, response.status_code,
                                          _retry_after(response.headers.get("retry-after")))
                declared = response.headers.get("content-length")
                if not cut_at_cap and declared and declared.isdigit() and int(declared) > max_bytes:
                    raise ResponseTooLargeError(url, f"Content-Length {declared} over max_bytes={max_bytes}")
                chunks, total = [], 0
                # The cap counts decoded bytes (a gzip body is capped after inflating). Reaching it exactly is not
                # a cut: only a further chunk proves the body goes on, and that chunk is dropped, not kept.
                for chunk in response.iter_bytes():
                    if total + len(chunk) > max_bytes:
                        if not cut_at_cap:
                            raise ResponseTooLargeError(url, f"body over max_bytes={max_bytes}")
                        chunks.append(chunk[:max_bytes - total])
                        log.info("body of %s over max_bytes=%d: kept the first %d bytes", url, max_bytes, max_bytes)
                        return _fetched(url, response, b"".join(chunks), truncated=True)
                    total += len(chunk)
                    if time.monotonic() > deadline:
                        raise FetchTimeoutError(url, f"body not complete within {self.policy.total_timeout_s}s")
                    chunks.append(chunk)
                return _fetched(url, response, b"".join(chunks))
        except httpx.TooManyRedirects as error:
            raise RedirectLoopError(url, f"more than {self.policy.max_redirects} redirects") from error
        except httpx.TimeoutException as error:
            raise FetchTimeoutError(url, f"timed out ({type(error).__name__})") from error
        except httpx.UnsupportedProtocol as error:
            raise UnsupportedUrlError(url, "not an http(s) URL") from error
        except (httpx.TransportError, httpx.DecodingError) as error:
            raise ConnectionFailedError(url, f"{type(error).__name__}: {error}") from error
        except httpx.InvalidURL as error:
            raise UnsupportedUrlError(url, str(error)) from error

    def _slot(self, origin: str) -> _HostSlot:
        with self._registry_lock:
            if origin not in self._hosts:
                self._hosts[origin] = _HostSlot(threading.Semaphore(self.policy.per_host_concurrency))
            return self._hosts[origin]

    def _delay(self, origin: str) -> float:
        robots = self._robots.get(origin)
        crawl_delay = robots.crawl_delay(self.policy.user_agent) if robots is not None else None
        return max(self.policy.per_host_delay_s, min(crawl_delay or 0.0, self.policy.max_crawl_delay_s))

    def _allowed(self, origin: str, url: str) -> bool:
        with self._registry_lock:
            known = origin in self._robots
        if not known:
            robots = self._load_robots(origin)  # may raise FetchError: nothing cached then
            with self._registry_lock:
                self._robots.setdefault(origin, robots)
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(url, self.policy.user_agent)

    def _load_robots(self, origin: str) -> Protego | None:
        """robots.txt per RFC 9309: 4xx means no rules, 5xx means disallow all (fail safe); a host that cannot be
        reached raises (not cached), so the page counts as failed with the real reason and the next run retries."""
        robots_url = f"{origin}/robots.txt"
        try:
            response = self._polite_get(origin, robots_url, {}, ROBOTS_MAX_BYTES)
        except HttpStatusError as error:
            if 400 <= error.status < 500:
                return None
            log.warning("robots.txt of %s unavailable (%s): treating the host as disallowed", origin, error)
            return Protego.parse("User-agent: *\nDisallow: /\n")
        except ResponseTooLargeError:
            return None
        return Protego.parse(response.body.decode("utf-8", errors="replace"))


def _fetched(url: str, response: httpx.Response, body: bytes, truncated: bool = False) -> FetchedResponse:
    return FetchedResponse(url=url, final_url=str(response.url), status=response.status_code,
                           headers={name.lower(): value for name, value in response.headers.items()},
                           body=body, http_version=response.http_version, truncated=truncated)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnsupportedUrlError(url, "not an absolute http(s) URL")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
