"""The push endpoint as it was before issue #20 (standard library ``ThreadingHTTPServer``, listen queue 5, one
thread per connection), kept only as the load benchmark's baseline: ``python -m benchmarks.legacy_push_server``.

Never imported by presspipe itself. The request parsing is today's (``presspipe.connectors.push``), so the two
servers differ by their HTTP stack and Kafka path only.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from kafka.errors import KafkaError

from presspipe.connectors.base import RAW_RECORD_HEADERS, ConnectorError, ConnectorReport, Progress, RawArticleProducer
from presspipe.connectors.push import BadRequestError, PushConfig, RateLimiter, parse_html_article, parse_json_article
from presspipe.connectors.state import ConnectorState, Validators, content_hash
from presspipe.core.settings import KafkaSettings
from presspipe.schemas import RawArticle

log = logging.getLogger(__name__)
LEGACY_REQUEST_TIMEOUT_S = 30.0


class DeliveryError(ConnectorError):
    """The broker did not acknowledge a record in time (unreachable, timed out or refused it)."""


class LegacyRawArticleProducer(RawArticleProducer):
    """The pre-#20 Kafka path: the batch producer with one blocking acknowledged send per request thread."""

    def send_and_wait(self, raw: RawArticle, timeout_s: float | None = None) -> int:
        """Produce one record and block until the broker acknowledged it; returns the encoded size.

        Safe to call from several threads at once (KafkaProducer is thread-safe and nothing here is shared).
        """
        value = raw.encode()
        try:
            future = self._producer.send(self.topic, key=raw.id.encode("utf-8"), value=value,
                                         headers=RAW_RECORD_HEADERS)
            future.get(timeout=timeout_s or self.delivery_timeout_s)
        except KafkaError as error:
            log.error("send failed", extra={"topic": self.topic, "id": raw.id, "url": raw.url,
                                            "error_type": type(error).__name__, "error": str(error)})
            raise DeliveryError(f"broker did not acknowledge the record: {type(error).__name__}") from error
        return len(value)


class PushService:
    """What the endpoint does with a valid record: de-duplicate, produce, wait for the acknowledgement, record."""

    def __init__(self, config: PushConfig, producer: LegacyRawArticleProducer, state: ConnectorState,
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
        self.timeout = LEGACY_REQUEST_TIMEOUT_S  # per read, as before (drops stalled clients, not slow ones)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.legacy_push_server")
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    producer = LegacyRawArticleProducer(KafkaSettings(args.bootstrap_servers), args.topic, delivery_timeout_s=15,
                                        producer_options={"max_block_ms": 15000})
    with ConnectorState(args.state) as state:
        server = PushServer(PushService(PushConfig(port=0), producer, state))
        print(f"listening on {server.address}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
        try:
            server.serve_forever()
        finally:
            server.server_close()
            producer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
