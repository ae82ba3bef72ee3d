"""HTTP push endpoint, the contract: what a request must be, what it becomes, and when the caller hears back.

The HTTP server itself is :mod:`presspipe.connectors.push_server` (aiohttp); the Kafka side is
:mod:`presspipe.connectors.push_producer`. This module has no I/O of its own: the request validation is pure
functions, and ``PushService`` is the one place that decides between 202, 200, 413 and 503.

Request contract (every answer is JSON with ``Content-Type: application/json``; input is never echoed back):

- ``POST /articles`` with ``Content-Type: application/json``: ``{"url", "html" | "text", "title"?,
  "published_at"? (ISO 8601), "authors"? [str], "language"?}``; or ``Content-Type: text/html`` (charset parameter
  honoured): the page itself, with its URL in ``X-Article-URL``. ``Content-Encoding: gzip`` is inflated under the
  body limit; any other content coding is refused (415).
- ``202 {"id", "status": "accepted"}`` only once the broker acknowledged the record (``acks=all``);
  ``200 {"id", "status": "duplicate"}`` when the same URL with the same bytes was already accepted or is being
  produced right now (atomic per record: simultaneous identical requests produce one copy);
  ``400`` bad input; ``401`` missing or wrong bearer token; ``404``/``405`` other paths or methods;
  ``408`` the body did not arrive within the body deadline; ``411`` no ``Content-Length``;
  ``413`` the body or the record is larger than Kafka can take (never read past the limit); ``414``/``431``
  request line or headers too long; ``415`` other content types or codings; ``417`` an ``Expect`` other than
  ``100-continue``; ``429`` over the per-client rate; ``503`` the outcome is unknown (broker unreachable or too slow
  to acknowledge; the record may or may not be on the topic): **safe to retry** — the id is stable, so a retry
  that lands twice is one article downstream.
- ``GET``/``HEAD /healthz`` (liveness) and ``/readyz`` (readiness) report the producer's state, see
  ``ProducerHealth``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Awaitable, Callable, Protocol, TypeVar
from urllib.parse import urlsplit

from presspipe.connectors.article_fields import (MAX_LANGUAGE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, ArticleFieldError,
                                                 author_names, encodable, optional_text, utc_timestamp)
from presspipe.connectors.base import ConnectorReport, Progress, build_raw_article
from presspipe.connectors.state import ConnectorState, Validators, content_hash
from presspipe.schemas import Hints, RawArticle

log = logging.getLogger(__name__)

CONNECTOR_NAME = "http"
MAX_AUTHORS = 100
# What a record adds to the pushed body at most: the X-Article-URL header (the only input outside the body),
# the charset, the fixed fields of the Avro record, the key and the record headers. The body limit plus this must
# fit in the producer's max request size, so anything the endpoint accepts, Kafka's client accepts too.
RECORD_OVERHEAD_BYTES = 16 * 1024

T = TypeVar("T")


class PushConfigError(ValueError):
    """A configuration the endpoint refuses to start with (exit code 2)."""


class BadRequestError(ValueError):
    """Input the endpoint refuses with 400; the message is ours, never the caller's text."""


class RecordTooLargeError(ValueError):
    """The record is larger than the producer or the broker accepts (413: retrying cannot help)."""


class BrokerUnavailableError(RuntimeError):
    """The broker did not acknowledge in time or refused for a transient reason (503: unknown, safe to retry)."""


@dataclass(frozen=True)
class PushConfig:
    """Everything the endpoint enforces; frozen, validated once, the token kept out of ``repr``."""

    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 10 * 1024 * 1024
    max_record_bytes: int = 16 * 1024 * 1024  # the producer's max_request_size
    rate_limit_per_s: float | None = None
    ack_timeout_s: float = 15.0
    header_timeout_s: float = 10.0  # the request head must be complete this long after connect or the last answer
    body_timeout_s: float = 30.0  # the whole body must arrive within this deadline (not per read)
    max_connections: int = 1024
    backlog: int = 1024
    shutdown_timeout_s: float = 10.0
    max_request_line_bytes: int = 8192
    max_header_bytes: int = 8190  # one header line; a different number from the request line's (414 vs 431)
    max_headers: int = 64
    unhealthy_after_s: float = 120.0  # /healthz fails once the producer has been failing this long

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise PushConfigError(f"port must be 0-65535 (0: any free port), not {self.port}")
        if self.max_body_bytes <= 0:
            raise PushConfigError("max_body_bytes must be positive")
        if self.max_body_bytes + RECORD_OVERHEAD_BYTES > self.max_record_bytes:
            raise PushConfigError(
                f"max_body_bytes={self.max_body_bytes} does not fit in the producer's max request size "
                f"({self.max_record_bytes} bytes, {RECORD_OVERHEAD_BYTES} of them kept for the record around the "
                f"body): lower --max-body-bytes or raise --max-record-bytes (and the broker's message.max.bytes)")
        for name in ("ack_timeout_s", "header_timeout_s", "body_timeout_s", "shutdown_timeout_s"):
            if getattr(self, name) <= 0:
                raise PushConfigError(f"{name} must be positive")
        if self.max_connections < 1 or self.backlog < 1:
            raise PushConfigError("max_connections and backlog must be at least 1")
        if self.max_request_line_bytes == self.max_header_bytes:
            raise PushConfigError("max_request_line_bytes and max_header_bytes must differ (they tell 414 from 431)")

    @property
    def burst(self) -> float:
        return max(1.0, self.rate_limit_per_s or 1.0)


def read_token_file(path: Path) -> str:
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError(f"token file {path} is empty")
    return token


def token_matches(authorization: str | None, token: str | None) -> bool:
    """Constant-time bearer check; True when no token is configured."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "replace"),
                                                              token.encode("utf-8"))


class RateLimiter:
    """A token bucket per client: ``rate`` requests per second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > self.max_clients:
                full = [key for key, (level, _) in self._buckets.items() if level >= self.burst - 1.0]
                for key in full:
                    del self._buckets[key]
            return allowed


# --- request bodies → records (pure) --------------------------------------------------------------------------------


def _http_url(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequestError(f"'{field_name}' must be a non-empty string")
    try:
        url = encodable(value.strip(), field_name)
    except ArticleFieldError as error:
        raise BadRequestError(str(error)) from error
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= MAX_URL_CHARS
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535
    except ValueError:
        valid = False
    if not valid or any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise BadRequestError(f"'{field_name}' must be an absolute http(s) URL of at most {MAX_URL_CHARS} characters")
    return url


def parse_json_article(body: bytes, received_at: datetime | None = None) -> RawArticle:
    """A JSON push request → a raw record; raises ``BadRequestError`` naming the offending field.

    Hostile JSON fails here as a 400: nesting deep enough to exhaust the parser (RecursionError), numbers past
    Python's integer digit limit (ValueError), and the field checks of :mod:`~presspipe.connectors.article_fields`
    (lone surrogates, dates without a UTC instant, wrong types, lengths).
    """
    try:
        document = json.loads(body.decode("utf-8"))
    except RecursionError as error:
        raise BadRequestError("body is nested too deeply") from error
    except ValueError as error:  # UnicodeDecodeError, JSONDecodeError, an integer of thousands of digits
        raise BadRequestError("body is not valid UTF-8 JSON") from error
    if not isinstance(document, dict):
        raise BadRequestError("body must be a JSON object")
    url = _http_url(document.get("url"), "url")
    html, text = document.get("html"), document.get("text")
    if (html is None) == (text is None):
        raise BadRequestError("give exactly one of 'html' or 'text'")
    content_field = "html" if html is not None else "text"
    content = html if html is not None else text
    if not isinstance(content, str) or not content.strip():
        raise BadRequestError(f"'{content_field}' must be a non-empty string")
    try:
        authors = author_names(document.get("authors"), MAX_AUTHORS)
        hints = Hints(title=optional_text(document, "title", MAX_TITLE_CHARS),
                      published_at=utc_timestamp(document.get("published_at")), authors=authors,
                      language=optional_text(document, "language", MAX_LANGUAGE_CHARS))
        content = encodable(content, content_field)
    except ArticleFieldError as error:
        raise BadRequestError(str(error)) from error
    return build_raw_article(connector=CONNECTOR_NAME, source_name="push", body=content.encode("utf-8"),
                             content_type="text/html" if html is not None else "text/plain", url=url,
                             charset="utf-8", hints=hints, fetched_at=received_at)


def charset_of(content_type_header: str) -> str | None:
    for parameter in content_type_header.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
            return charset if len(charset) <= 40 and charset.isascii() and charset.isprintable() else None
    return None


def parse_html_article(body: bytes, content_type_header: str, article_url: str | None,
                       received_at: datetime | None = None) -> RawArticle:
    """A raw-HTML push request (``X-Article-URL`` names the page) → a raw record."""
    url = _http_url(article_url, "X-Article-URL")
    if not body.strip():
        raise BadRequestError("empty body")
    return build_raw_article(connector=CONNECTOR_NAME, source_name="push", body=body, content_type="text/html",
                             url=url, charset=charset_of(content_type_header), fetched_at=received_at)


# --- the service: de-duplicate atomically, produce, record ----------------------------------------------------------


class Outcome(Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


class AsyncProducer(Protocol):
    """What the service needs from the Kafka side (``push_producer.PushProducer``)."""

    async def produce(self, raw: RawArticle) -> int: ...


class PushService:
    """What the endpoint does with a valid record: de-duplicate, produce, wait for the acknowledgement, record.

    Runs on the server's event loop. Duplicate detection is atomic per (id, body hash): the first request of a
    record registers itself in ``_in_flight`` before its first ``await``, so a simultaneous identical request waits
    for it and answers 200 instead of producing a second copy. SQLite calls run in ``blocking`` (a thread pool),
    never on the loop.
    """

    def __init__(self, config: PushConfig, producer: AsyncProducer, state: ConnectorState,
                 progress: Progress | None = None,
                 blocking: Callable[[Callable[..., T], object], Awaitable[T]] | None = None):
        self.config = config
        self.producer = producer
        self.state = state
        self.progress = progress
        self.report = ConnectorReport()
        self.limiter = RateLimiter(config.rate_limit_per_s, config.burst) if config.rate_limit_per_s else None
        self._report_lock = threading.Lock()
        self._in_flight: dict[tuple[str, str], asyncio.Future] = {}
        self._blocking = blocking or (lambda function, *args: asyncio.to_thread(function, *args))

    async def accept(self, raw: RawArticle) -> Outcome:
        """Produce ``raw`` unless it is already accepted or being produced.

        Raises ``RecordTooLargeError`` (→ 413) or ``BrokerUnavailableError`` (→ 503); nothing is recorded then.
        """
        digest = content_hash(raw.body)
        key = (raw.id, digest)
        leader = self._in_flight.get(key)
        if leader is not None:
            await asyncio.shield(leader)  # the leader's failure is this request's failure too (503, safe to retry)
            self._count(skipped=1)
            return Outcome.DUPLICATE
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = done
        try:
            outcome = await self._produce_unless_known(raw, digest)
        except BaseException as error:
            done.set_exception(error)
            done.exception()  # retrieved here: followers re-raise it, nobody logs "never retrieved"
            raise
        else:
            done.set_result(outcome)
            return outcome
        finally:
            del self._in_flight[key]

    async def _produce_unless_known(self, raw: RawArticle, digest: str) -> Outcome:
        known = await self._blocking(self.state.page, raw.url)
        if known is not None and known.produced and known.content_hash == digest:
            self._count(skipped=1)
            return Outcome.DUPLICATE
        try:
            size = await self.producer.produce(raw)
        except (BrokerUnavailableError, RecordTooLargeError) as error:
            self._count(failed_sends=1, error_type=type(error).__name__)
            raise
        await self._blocking(self.state.mark_produced, raw.url, Validators(), digest,
                             raw.hints.published_at if raw.hints else None)
        self._count(sent=1, bytes_sent=size)
        return Outcome.ACCEPTED

    def count_rejected(self, status: int) -> None:
        with self._report_lock:
            self.report.fetch_failures += 1
            self.report.failures_by_type[f"http_{status}"] += 1

    def _count(self, sent: int = 0, bytes_sent: int = 0, skipped: int = 0, failed_sends: int = 0,
               error_type: str | None = None) -> None:
        with self._report_lock:
            self.report.sent += sent
            self.report.bytes_sent += bytes_sent
            self.report.skipped += skipped
            self.report.failed_sends += failed_sends
            if error_type:
                self.report.failures_by_type[error_type] += 1
            if self.progress:
                self.progress.update(self.report)
