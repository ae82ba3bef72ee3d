"""The push endpoint's HTTP server: aiohttp's low-level server (llhttp parser) with presspipe's limits and answers.

Why aiohttp, and what is ours on top of it, is in ``connectors/README.md``. In short, aiohttp provides the strict
HTTP/1.1 parser (Transfer-Encoding with Content-Length, duplicate or non-digit Content-Length, control characters
in the request line: all refused before a handler runs), the listen backlog, the header deadline (its keep-alive
timer runs from the connection's start until a complete request head), graceful shutdown with a deadline, and no
``100 Continue`` unless the handler sends it. presspipe adds:

- a connection cap (``max_connections``): a connection over it gets a JSON 503 and is closed at once;
- a body deadline (``body_timeout_s`` for the whole body, not per read): 408 and close;
- JSON error bodies for every status, including the parser's own refusals (aiohttp answers those with a text page
  quoting the input; issue aio-libs/aiohttp#3287 has no public hook, so ``_JsonErrorProtocol.handle_error``
  overrides the one method that builds them), with 414 and 431 told apart;
- ``100 Continue`` only after the token, rate, type and size checks passed;
- an access log without the query string (where careless clients put tokens), with control characters escaped
  and no traceback for client resets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from http import HTTPStatus
from typing import Mapping

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong

from presspipe.connectors.push import (BadRequestError, BrokerUnavailableError, Outcome, PushService,
                                       RecordTooLargeError, parse_html_article, parse_json_article, token_matches)
from presspipe.core.compression import InflateError, InflateLimitError, gunzip_capped

log = logging.getLogger(__name__)
access_log = logging.getLogger("presspipe.connectors.push.access")

ARTICLES = "/articles"
HEALTH_PATHS = ("/healthz", "/readyz")
ALLOWED = {ARTICLES: "POST, OPTIONS", "/healthz": "GET, HEAD, OPTIONS", "/readyz": "GET, HEAD, OPTIONS"}
CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Server": "presspipe"}
RETRY_AFTER_S = "5"
# After an early refusal (413, 401 ...) aiohttp reads and discards the unread body this long before closing, so the
# client reads the answer instead of a connection reset; bounded, so a 1 GB declared body costs 2 s, not 1 GB.
LINGER_S = 2.0


def printable(text: str, limit: int = 300) -> str:
    """``text`` safe for one log line: control and other non-printable characters as ``\\xNN``/``\\uNNNN``."""
    clipped = text[:limit]
    escaped = "".join(character if character.isprintable() else character.encode("unicode_escape").decode("ascii")
                      for character in clipped)
    return escaped + ("..." if len(text) > limit else "")


def json_response(status: int, document: Mapping[str, object], headers: Mapping[str, str] | None = None,
                  close: bool = False) -> web.Response:
    response = web.Response(status=status, body=json.dumps(document).encode("utf-8"),
                            content_type="application/json", headers={**COMMON_HEADERS, **(headers or {})})
    if close:
        response.force_close()
    return response


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None,
                   close: bool = False) -> web.Response:
    return json_response(status, {"error": message}, headers, close)


class _Refusal(Exception):
    """Ends a request with an error status; carries only our own message."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None, close: bool = True):
        super().__init__(message)
        self.status, self.message, self.headers, self.close = status, message, dict(headers or {}), close


def parse_error_status(error: BaseException | None, max_request_line_bytes: int) -> tuple[int, str]:
    """The status and our own message for a request the parser refused (never the parser's text: it quotes input)."""
    if isinstance(error, LineTooLong):
        if len(error.args) > 1 and str(error.args[1]) == str(max_request_line_bytes):
            return HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long"
        return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header too long"
    if isinstance(error, BadHttpMessage) and "Too many headers" in (error.message or ""):
        return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many request headers"
    if isinstance(error, HttpProcessingError) and error.code and error.code != 400:
        return error.code, HTTPStatus(error.code).phrase.lower() if error.code in HTTPStatus._value2member_map_ \
            else "bad request"
    return HTTPStatus.BAD_REQUEST, "malformed HTTP request"


class _JsonErrorProtocol(web.RequestHandler):
    """aiohttp's connection handler with presspipe's answer to requests the parser refused: JSON, no input echoed,
    one escaped log line instead of a traceback."""

    max_request_line_bytes = 8192

    def handle_error(self, request, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status == HTTPStatus.INTERNAL_SERVER_ERROR and not isinstance(exc, HttpProcessingError):
            log.error("push handler failed", exc_info=exc, extra={"remote": request.remote})
            answer, text = HTTPStatus.INTERNAL_SERVER_ERROR, "internal error"
        elif status == HTTPStatus.GATEWAY_TIMEOUT:
            answer, text = HTTPStatus.GATEWAY_TIMEOUT, "timed out"
        else:
            answer, text = parse_error_status(exc, self.max_request_line_bytes)
            log.info("refused a malformed request", extra={"remote": request.remote, "status": int(answer),
                                                           "error_type": type(exc).__name__ if exc else None})
        return error_response(answer, text, close=True)


class _OverCapacity(asyncio.Protocol):
    """A connection past ``max_connections``: one canned JSON 503, then closed; what it sends is discarded.

    The write side is shut first and the socket closed on the client's EOF or after ``LINGER_S``: closing with
    unread input at once would make the kernel reset the connection, and the client would never see the answer."""

    ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 34\r\n"
              b"Retry-After: 1\r\nConnection: close\r\nServer: presspipe\r\n\r\n"
              b'{"error": "too many connections"}\n')
    LINGER_S = 1.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.ANSWER)  # type: ignore[attr-defined]
        if transport.can_write_eof():  # type: ignore[attr-defined]
            transport.write_eof()  # type: ignore[attr-defined]
        self._closer = asyncio.get_running_loop().call_later(self.LINGER_S, transport.close)

    def data_received(self, data: bytes) -> None:
        """Discarded: the answer is already sent."""

    def eof_received(self) -> bool:
        self.transport.close()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        self._closer.cancel()


class _CappedServer(web.Server):
    """aiohttp's low-level server whose connections are ``_JsonErrorProtocol``s, at most ``max_connections``."""

    def __init__(self, handler, *, max_connections: int, max_request_line_bytes: int, **kwargs):
        super().__init__(handler, **kwargs)
        self.max_connections = max_connections
        self.refused_connections = 0
        protocol = type("PushProtocol", (_JsonErrorProtocol,), {"max_request_line_bytes": max_request_line_bytes})
        self._protocol_class = protocol

    def __call__(self) -> asyncio.Protocol:
        if len(self.connections) >= self.max_connections:
            self.refused_connections += 1
            return _OverCapacity()
        return self._protocol_class(self, loop=self._loop, **self._kwargs)


class PushAccessLogger(AbstractAccessLogger):
    """One line per answer: method, path without its query string (tokens end up there), status, size, time."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        raw_path = request.raw_path or ""
        path, query_mark, _ = raw_path.partition("?")
        self.logger.info("%s %s%s %s", printable(request.method, 20), printable(path, 200),
                         "?<query removed>" if query_mark else "", response.status,
                         extra={"remote": request.remote, "status": response.status,
                                "bytes": response.body_length, "duration_ms": round(time * 1000, 1),
                                "user_agent": printable(request.headers.get("User-Agent", ""), 200)})

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class PushApp:
    """The request handler: routing, checks in the order that keeps the body unread until it may be read."""

    def __init__(self, service: PushService, health):
        self.service = service
        self.config = service.config
        self.health = health  # push_producer.ProducerHealth

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        path = (request.raw_path or "").partition("?")[0]
        method = request.method
        if path not in ALLOWED:
            return error_response(HTTPStatus.NOT_FOUND, "not found", close=path == ARTICLES or method == "POST")
        if method == "OPTIONS":
            return web.Response(status=HTTPStatus.NO_CONTENT, headers={**COMMON_HEADERS, "Allow": ALLOWED[path]})
        if path in HEALTH_PATHS:
            if method not in ("GET", "HEAD"):
                return error_response(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed",
                                      {"Allow": ALLOWED[path]}, close=True)
            return self._health(path)
        if method != "POST":
            return error_response(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", {"Allow": ALLOWED[path]},
                                  close=True)
        try:
            return await self._post_article(request)
        except _Refusal as refusal:
            self.service.count_rejected(refusal.status)
            return error_response(refusal.status, refusal.message, refusal.headers, close=refusal.close)

    def _health(self, path: str) -> web.Response:
        state = self.health.as_dict()
        if path == "/readyz":
            ready = self.health.ready and not self.health.closed
            return json_response(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE,
                                 {"status": "ready" if ready else "unavailable", "producer": state})
        alive = self.health.alive(self.config.unhealthy_after_s)
        return json_response(HTTPStatus.OK if alive else HTTPStatus.SERVICE_UNAVAILABLE,
                             {"status": ("ok" if self.health.ready else "degraded") if alive else "failing",
                              "producer": state})

    async def _post_article(self, request: web.BaseRequest) -> web.Response:
        service = self.service
        if service.limiter and not service.limiter.allow(request.remote or ""):
            raise _Refusal(HTTPStatus.TOO_MANY_REQUESTS, "rate limit exceeded", {"Retry-After": "1"})
        if not token_matches(request.headers.get("Authorization"), self.config.token):
            raise _Refusal(HTTPStatus.UNAUTHORIZED, "missing or invalid bearer token",
                           {"WWW-Authenticate": 'Bearer realm="presspipe"'})
        length = self._declared_length(request)
        content_type = request.headers.get("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower()
        if media not in ("application/json", "text/html", "application/xhtml+xml"):
            raise _Refusal(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json or text/html")
        gzipped = self._content_coding(request)
        expect = request.headers.get("Expect")
        if expect is not None:
            if expect.strip().lower() != "100-continue":
                raise _Refusal(HTTPStatus.EXPECTATION_FAILED, "only 'Expect: 100-continue' is supported")
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # every check above has passed
        body = await self._read_body(request, length)
        if gzipped:
            try:
                body = gunzip_capped(body, self.config.max_body_bytes)
            except InflateLimitError as error:
                raise _Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"body inflates past the limit of {self.config.max_body_bytes} bytes") from error
            except InflateError as error:
                raise _Refusal(HTTPStatus.BAD_REQUEST, "body is not valid gzip") from error
        try:
            if media == "application/json":
                raw = parse_json_article(body)
            else:
                raw = parse_html_article(body, content_type, request.headers.get("X-Article-URL"))
        except BadRequestError as error:
            raise _Refusal(HTTPStatus.BAD_REQUEST, str(error), close=False) from error
        try:
            outcome = await service.accept(raw)
        except RecordTooLargeError:
            return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "record larger than Kafka accepts")
        except BrokerUnavailableError:
            return error_response(HTTPStatus.SERVICE_UNAVAILABLE,
                                  "broker did not acknowledge: outcome unknown, safe to retry",
                                  {"Retry-After": RETRY_AFTER_S})
        if outcome is Outcome.ACCEPTED:
            return json_response(HTTPStatus.ACCEPTED, {"id": raw.id, "status": "accepted"})
        return json_response(HTTPStatus.OK, {"id": raw.id, "status": "duplicate"})

    def _declared_length(self, request: web.BaseRequest) -> int:
        if "Transfer-Encoding" in request.headers:
            raise _Refusal(HTTPStatus.LENGTH_REQUIRED, "Transfer-Encoding is not accepted; send Content-Length")
        values = request.headers.getall("Content-Length", [])
        if not values:
            raise _Refusal(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
        if len(values) != 1 or not CONTENT_LENGTH.fullmatch(values[0].strip()):
            raise _Refusal(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        length = int(values[0])
        if length > self.config.max_body_bytes:
            raise _Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                           f"body over the limit of {self.config.max_body_bytes} bytes")
        return length

    def _content_coding(self, request: web.BaseRequest) -> bool:
        """True for a gzip body; identity passes; any other coding (or a chain of them) is refused (415)."""
        codings = [c.strip().lower() for c in ",".join(request.headers.getall("Content-Encoding", [])).split(",")
                   if c.strip()]
        if not codings or codings == ["identity"]:
            return False
        if codings in (["gzip"], ["x-gzip"]):
            return True
        raise _Refusal(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity")

    async def _read_body(self, request: web.BaseRequest, length: int) -> bytes:
        try:
            return await asyncio.wait_for(request.content.readexactly(length), self.config.body_timeout_s)
        except asyncio.TimeoutError as error:
            raise _Refusal(HTTPStatus.REQUEST_TIMEOUT,
                           f"body not received within {self.config.body_timeout_s:g} s") from error
        except asyncio.IncompleteReadError as error:
            raise _Refusal(HTTPStatus.BAD_REQUEST, "body shorter than Content-Length") from error
        except ConnectionError as error:  # the client reset the connection: nobody to answer
            log.info("client went away during the body", extra={"remote": request.remote})
            raise _Refusal(HTTPStatus.BAD_REQUEST, "connection lost") from error


class PushServer:
    """The endpoint on its own thread and event loop: ``start()`` returns once it listens, ``stop()`` shuts down
    within ``shutdown_timeout_s`` (requests in flight get their answer, then stragglers are cut off).

    Usable as a context manager. ``address`` is ``http://host:port`` (port 0 in the config picks a free one).
    """

    def __init__(self, service: PushService, producer):
        self.service = service
        self.producer = producer  # push_producer.PushProducer
        self.config = service.config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.ServerRunner | None = None
        self._started = threading.Event()
        self._startup_error: BaseException | None = None
        self.server_address: tuple[str, int] = (self.config.host, self.config.port)
        self.http: _CappedServer | None = None

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "PushServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="push-server", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:
            if self._started.is_set():
                raise  # failed while serving: the thread's excepthook reports it
            # Any failure before listening (OSError for a port in use, OverflowError for one past 65535 ...) is
            # start()'s to raise in the caller's thread; until it is set, start() waits.
            self._startup_error = error
            self._started.set()
        finally:
            # What shutdown cancelled (connections cut off at the deadline, lingering reads) runs to its end here,
            # so closing the loop destroys no pending task (as asyncio.run does).
            leftovers = asyncio.all_tasks(self._loop)
            for task in leftovers:
                task.cancel()
            if leftovers:
                self._loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _serve(self) -> None:
        config = self.config
        self.http = _CappedServer(
            PushApp(self.service, self.producer.health), max_connections=config.max_connections,
            max_request_line_bytes=config.max_request_line_bytes,
            keepalive_timeout=config.header_timeout_s, lingering_time=LINGER_S, max_line_size=config.max_request_line_bytes,
            max_field_size=config.max_header_bytes, max_headers=config.max_headers, auto_decompress=False,
            access_log_class=PushAccessLogger, access_log=access_log, logger=log)
        self._runner = web.ServerRunner(self.http, shutdown_timeout=config.shutdown_timeout_s, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.host, config.port, backlog=config.backlog)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            raise
        self.server_address = self._runner.addresses[0][:2]
        self._stop = asyncio.Event()
        self.producer.start_probing()
        self._started.set()
        await self._stop.wait()
        started = time.monotonic()
        await self.producer.stop_probing()
        await self._runner.cleanup()  # stops listening, waits for requests in flight up to shutdown_timeout
        log.info("push endpoint stopped", extra={"shutdown_s": round(time.monotonic() - started, 2)})

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish (at most ``shutdown_timeout_s``), close the rest."""
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
