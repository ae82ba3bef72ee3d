"""A real HTTP server on 127.0.0.1 for connector tests: fixed routes, conditional GET, slow, failing,
redirect-looping and oversized responses, and a log of every request it served."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    delay_s: float = 0.0
    redirect_to: str | None = None
    stream_bytes: int = 0  # send this many bytes chunked, without Content-Length
    gzip_encoding: bool = False
    fail_first: int = 0  # answer 503 to the first N requests
    extra_headers: dict[str, str] = field(default_factory=dict)


class LocalSite:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path)
                if route is None:
                    self._plain(404, b"not found")
                    return
                if route.delay_s:
                    time.sleep(route.delay_s)
                with site._lock:
                    failing = route.fail_first > 0
                    route.fail_first -= 1 if failing else 0
                if failing:
                    self._plain(503, b"try later")
                    return
                if route.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self._not_modified(route):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.stream_bytes:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk, sent = b"<p>" + b"x" * 65_530 + b"</p>", 0
                    try:
                        while sent < route.stream_bytes:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            sent += len(chunk)
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client stopped at its cap, as the test wants
                        return
                    self.close_connection = True
                    return
                body = gzip.compress(route.body) if route.gzip_encoding else route.body
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                if route.gzip_encoding:
                    self.send_header("Content-Encoding", "gzip")
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for name, value in route.extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped at its cap (kept a cut body, or refused it)

            def _not_modified(self, route: Route) -> bool:
                """RFC 9110 §13.2.2: If-None-Match, when sent, decides; If-Modified-Since only without it."""
                if self.headers.get("If-None-Match") is not None:
                    return route.etag is not None and self.headers["If-None-Match"] == route.etag
                since = self.headers.get("If-Modified-Since")
                return since is not None and route.last_modified is not None and since == route.last_modified

            def _plain(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for requested, _ in self.requests if requested == path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [headers for requested, headers in self.requests if requested == path]

    def __enter__(self) -> "LocalSite":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


def article_html(title: str, paragraphs: int = 4) -> bytes:
    """A small news page with enough text for extraction to keep it."""
    body = "".join(
        f"<p>{title}: paragraph {n} reports what the council decided on the harbour budget, who voted for it, "
        f"and what residents said at the public meeting that evening about ferries, housing and the new pier.</p>"
        for n in range(1, paragraphs + 1))
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><header><nav><a href=\"/\">Home</a></nav></header><article><h1>{title}</h1>{body}</article>"
            f"<footer>© Example News</footer></body></html>").encode("utf-8")


def fixture_text(name: str, base: str) -> bytes:
    """A fixture with ``{base}`` replaced by the server's address."""
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", base).encode("utf-8")
