"""HTTP push endpoint: callers ``POST /articles`` and get ``202`` only once the broker acknowledged the record.

Request contract (every answer is JSON with ``Content-Type: application/json``; input is never echoed back):

- ``Content-Type: application/json``: ``{"url", "html" | "text", "title"?, "published_at"? (ISO 8601),
  "authors"? [str], "language"?}``.
- ``Content-Type: text/html`` (charset parameter honoured): the page itself, with its URL in ``X-Article-URL``.
- ``202 {"id", "status": "accepted"}`` after the acknowledgement; ``200 {"id", "status": "duplicate"}`` when the
  same URL with the same bytes was already accepted (nothing produced); ``400`` bad input; ``401`` missing or wrong
  bearer token (when a token is configured); ``404``/``405`` other paths or methods; ``411`` no Content-Length;
  ``413`` body over the limit (not read); ``415`` other content types; ``429`` over the per-client rate;
  ``503`` broker unreachable or too slow to acknowledge (``Retry-After`` set).
- ``GET /healthz``: ``200 {"status": "ok"}`` while the server runs.

The server is ``ThreadingHTTPServer`` (one thread per connection); ``shutdown`` stops accepting and waits for
requests in flight, so SIGTERM never drops an acknowledged answer.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

from presspipe.connectors.base import ConnectorReport, DeliveryError, Progress, RawArticleProducer, build_raw_article
from presspipe.connectors.state import ConnectorState, Validators, content_hash
from presspipe.schemas import Hints, RawArticle

log = logging.getLogger(__name__)

CONNECTOR_NAME = "http"
MAX_URL_LENGTH = 4096


class BadRequestError(ValueError):
    """Input the endpoint refuses with 400; the message is ours, never the caller's text."""


@dataclass(frozen=True)
class PushConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    rate_limit_per_s: float | None = None
    ack_timeout_s: float = 15.0
    request_timeout_s: float = 30.0

    @property
    def burst(self) -> float:
        return max(1.0, self.rate_limit_per_s or 1.0)


def read_token_file(path: Path) -> str:
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError(f"token file {path} is empty")
    return token


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


def _http_url(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequestError(f"'{field_name}' must be a non-empty string")
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_LENGTH:
        raise BadRequestError(f"'{field_name}' must be an absolute http(s) URL of at most {MAX_URL_LENGTH} characters")
    return url


def _optional_string(document: Mapping, name: str, max_length: int) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise BadRequestError(f"'{name}' must be a string of at most {max_length} characters")
    return value.strip() or None


def _timestamp(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestError("'published_at' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise BadRequestError("'published_at' must be an ISO 8601 date-time") from error
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def parse_json_article(body: bytes, received_at: datetime | None = None) -> RawArticle:
    """A JSON push request → a raw record; raises ``BadRequestError`` naming the offending field."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequestError("body is not valid UTF-8 JSON") from error
    if not isinstance(document, dict):
        raise BadRequestError("body must be a JSON object")
    url = _http_url(document.get("url"), "url")
    html, text = document.get("html"), document.get("text")
    if (html is None) == (text is None):
        raise BadRequestError("give exactly one of 'html' or 'text'")
    content = html if html is not None else text
    if not isinstance(content, str) or not content.strip():
        raise BadRequestError(f"'{'html' if html is not None else 'text'}' must be a non-empty string")
    authors = document.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors) or len(authors) > 100:
        raise BadRequestError("'authors' must be a list of at most 100 strings")
    hints = Hints(title=_optional_string(document, "title", 2000), published_at=_timestamp(document.get("published_at")),
                  authors=tuple(a.strip() for a in authors if a.strip()),
                  language=_optional_string(document, "language", 35))
    return build_raw_article(connector=CONNECTOR_NAME, source_name="push", body=content.encode("utf-8"),
                             content_type="text/html" if html is not None else "text/plain", url=url,
                             charset="utf-8", hints=hints, fetched_at=received_at)


def parse_html_article(body: bytes, content_type_header: str, article_url: str | None,
                       received_at: datetime | None = None) -> RawArticle:
    """A raw-HTML push request (``X-Article-URL`` names the page) → a raw record."""
    url = _http_url(article_url, "X-Article-URL")
    if not body.strip():
        raise BadRequestError("empty body")
    charset = None
    for parameter in content_type_header.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return build_raw_article(connector=CONNECTOR_NAME, source_name="push", body=body, content_type="text/html",
                             url=url, charset=charset, fetched_at=received_at)


class PushService:
    """What the endpoint does with a valid record: de-duplicate, produce, wait for the acknowledgement, record."""

    def __init__(self, config: PushConfig, producer: RawArticleProducer, state: ConnectorState,
                 progress: Progress | None = None):
        self.config = config
        self.producer = producer
        self.state = state
        self.progress = progress
        self.report = ConnectorReport()
        self.limiter = RateLimiter(config.rate_limit_per_s, config.burst) if config.rate_limit_per_s else None
        self._report_lock = threading.Lock()

    def accept(self, raw: RawArticle) -> bool:
        """Produce ``raw`` unless already accepted; True if produced. Raises ``DeliveryError`` (→ 503)."""
        digest = content_hash(raw.body)
        known = self.state.page(raw.url)
        if known is not None and known.produced and known.content_hash == digest:
            self._count(skipped=1)
            return False
        try:
            size = self.producer.send_and_wait(raw, self.config.ack_timeout_s)
        except DeliveryError:
            self._count(failed_sends=1)
            raise
        self.state.mark_produced(raw.url, Validators(), digest, raw.hints.published_at if raw.hints else None)
        self._count(sent=1, bytes_sent=size)
        return True

    def count_rejected(self, status: int) -> None:
        with self._report_lock:
            self.report.fetch_failures += 1
            self.report.failures_by_type[f"http_{status}"] += 1

    def _count(self, sent: int = 0, bytes_sent: int = 0, skipped: int = 0, failed_sends: int = 0) -> None:
        with self._report_lock:
            self.report.sent += sent
            self.report.bytes_sent += bytes_sent
            self.report.skipped += skipped
            self.report.failed_sends += failed_sends
            if failed_sends:
                self.report.failures_by_type["DeliveryError"] += failed_sends
            if self.progress:
                self.progress.update(self.report)


class _Reject(Exception):
    """Ends a request with an error status; carries only our own message."""

    def __init__(self, status: HTTPStatus, message: str, headers: Mapping[str, str] | None = None,
                 close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.close = close


class PushRequestHandler(BaseHTTPRequestHandler):
    server: "PushServer"
    server_version = "presspipe"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.timeout = self.server.service.config.request_timeout_s  # drops slow or stalled clients
        super().setup()

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.client_address[0], format % args)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/healthz":
            self._send(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        service = self.server.service
        try:
            if urlsplit(self.path).path != "/articles":
                raise _Reject(HTTPStatus.NOT_FOUND, "not found", close=True)
            if service.limiter and not service.limiter.allow(self.client_address[0]):
                raise _Reject(HTTPStatus.TOO_MANY_REQUESTS, "rate limit exceeded", {"Retry-After": "1"}, close=True)
            self._authorize(service.config.token)
            raw = self._parse(self._read_body(service.config.max_body_bytes))
            produced = service.accept(raw)
        except _Reject as reject:
            service.count_rejected(reject.status)
            self._send(reject.status, {"error": reject.message}, reject.headers, close=reject.close)
        except BadRequestError as error:
            service.count_rejected(HTTPStatus.BAD_REQUEST)
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        except DeliveryError:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "broker unavailable, retry later"},
                       {"Retry-After": "5"})
        else:
            if produced:
                self._send(HTTPStatus.ACCEPTED, {"id": raw.id, "status": "accepted"})
            else:
                self._send(HTTPStatus.OK, {"id": raw.id, "status": "duplicate"})

    def do_PUT(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "method not allowed"}, {"Allow": "GET, POST"},
                   close=True)

    do_DELETE = do_PATCH = do_PUT

    def _authorize(self, token: str | None) -> None:
        if token is None:
            return
        scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise _Reject(HTTPStatus.UNAUTHORIZED, "missing or invalid bearer token",
                          {"WWW-Authenticate": 'Bearer realm="presspipe"'}, close=True)

    def _read_body(self, limit: int) -> bytes:
        declared = self.headers.get("Content-Length")
        if declared is None:
            raise _Reject(HTTPStatus.LENGTH_REQUIRED, "Content-Length required", close=True)
        if not declared.strip().isdigit():
            raise _Reject(HTTPStatus.BAD_REQUEST, "invalid Content-Length", close=True)
        length = int(declared)
        if length > limit:
            raise _Reject(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over the limit of {limit} bytes", close=True)
        body = self.rfile.read(length)
        if len(body) != length:
            raise _Reject(HTTPStatus.BAD_REQUEST, "body shorter than Content-Length", close=True)
        return body

    def _parse(self, body: bytes) -> RawArticle:
        content_type = self.headers.get("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower()
        if media == "application/json":
            return parse_json_article(body)
        if media in ("text/html", "application/xhtml+xml"):
            return parse_html_article(body, content_type, self.headers.get("X-Article-URL"))
        raise _Reject(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json or text/html")

    def _send(self, status: HTTPStatus, document: dict, headers: Mapping[str, str] | None = None,
              close: bool = False) -> None:
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)


class PushServer(ThreadingHTTPServer):
    """Threads are not daemons and ``block_on_close`` holds: ``server_close`` waits for requests in flight."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, service: PushService):
        self.service = service
        super().__init__((service.config.host, service.config.port), PushRequestHandler)

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and wait for requests in flight; safe to call from a signal handler's helper thread."""
        self.shutdown()
        self.server_close()
