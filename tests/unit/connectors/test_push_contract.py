"""The push endpoint's pure pieces: hostile JSON becomes a 400 (BadRequestError), never an uncaught exception;
the configuration keeps the body limit inside the producer's; parser refusals map to their statuses; log text is
escaped."""

from __future__ import annotations

import json

import pytest
from aiohttp.http_exceptions import BadHttpMessage, BadStatusLine, LineTooLong

from presspipe.connectors.push import (RECORD_OVERHEAD_BYTES, BadRequestError, PushConfig, PushConfigError,
                                       parse_html_article, parse_json_article, token_matches)
from presspipe.connectors.push_server import parse_error_status, printable

URL = "https://push.test/a"

HOSTILE = {
    "deep nesting": b'{"url": "' + URL.encode() + b'", "text": "x", "n": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "lone surrogate in text": json.dumps({"url": URL, "text": "a \ud800 b"}).encode(),
    "lone surrogate in an author": json.dumps({"url": URL, "text": "x", "authors": ["\udc80"]}).encode(),
    "lone surrogate in the url": json.dumps({"url": URL + "\ud800", "text": "x"}).encode(),
    "year 1 at +14:00": json.dumps({"url": URL, "text": "x", "published_at": "0001-01-01T00:00:00+14:00"}).encode(),
    "year 9999 at -14:00": json.dumps({"url": URL, "text": "x", "published_at": "9999-12-31T23:59:59-14:00"}).encode(),
    "5000-digit number": b'{"url": "' + URL.encode() + b'", "text": "x", "n": ' + b"1" * 5000 + b"}",
    "number for a date": json.dumps({"url": URL, "text": "x", "published_at": 20240101}).encode(),
    "non-string title": json.dumps({"url": URL, "text": "x", "title": ["a"]}).encode(),
    "port out of range": json.dumps({"url": "https://push.test:70000/", "text": "x"}).encode(),
    "control character in the url": json.dumps({"url": "https://push.test/a\nb", "text": "x"}).encode(),
    "not UTF-8": b'{"url": "' + URL.encode() + b'", "text": "\xff"}',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_is_a_bad_request(body):
    with pytest.raises(BadRequestError):
        parse_json_article(body)


def test_a_valid_article_still_parses_and_encodes():
    raw = parse_json_article(json.dumps({"url": URL, "html": "<p>é</p>", "title": " Budget ",
                                         "published_at": "2025-11-04T09:30:00+01:00", "authors": ["Ana"]}).encode())
    assert (raw.url, raw.body, raw.hints.title, raw.hints.authors) == (URL, "<p>é</p>".encode(), "Budget", ("Ana",))
    assert raw.hints.published_at.isoformat() == "2025-11-04T08:30:00+00:00"
    raw.encode()


def test_html_charset_parameter_is_bounded():
    raw = parse_html_article(b"<p>x</p>", 'text/html; charset="ISO-8859-1"', URL)
    assert raw.charset == "iso-8859-1"
    assert parse_html_article(b"<p>x</p>", "text/html; charset=" + "x" * 500, URL).charset is None


def test_the_body_limit_must_fit_in_the_producers_request_size():
    PushConfig(max_body_bytes=1024 * 1024 - RECORD_OVERHEAD_BYTES, max_record_bytes=1024 * 1024)
    with pytest.raises(PushConfigError):
        PushConfig(max_body_bytes=1024 * 1024 - RECORD_OVERHEAD_BYTES + 1, max_record_bytes=1024 * 1024)
    with pytest.raises(PushConfigError):
        PushConfig(body_timeout_s=0)


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_a_port_outside_0_to_65535_is_a_configuration_error(port):
    with pytest.raises(PushConfigError, match="port must be 0-65535"):
        PushConfig(port=port)
    assert (PushConfig(port=0).port, PushConfig(port=65535).port) == (0, 65535)


def test_the_token_stays_out_of_the_configurations_repr_and_is_compared_exactly():
    assert "hunter2" not in repr(PushConfig(token="hunter2"))
    assert token_matches("Bearer hunter2", "hunter2") and token_matches("bearer  hunter2 ", "hunter2")
    assert not token_matches("Bearer hunter", "hunter2") and not token_matches(None, "hunter2")
    assert not token_matches("Basic hunter2", "hunter2") and token_matches(None, None)
    assert not token_matches("Bearer hünter2", "hunter2")


def test_parser_refusals_map_to_their_statuses_with_our_own_words():
    assert parse_error_status(LineTooLong(b"/aaaa", 8192), 8192) == (414, "request line too long")
    assert parse_error_status(LineTooLong(b"X-A: aaaa", 8190), 8192) == (431, "request header too long")
    assert parse_error_status(BadHttpMessage("Too many headers received"), 8192)[0] == 431
    status, message = parse_error_status(BadStatusLine("G\x1bET <script>"), 8192)
    assert status == 400 and "<script>" not in message and "\x1b" not in message


def test_log_text_is_escaped_and_bounded():
    assert printable("/a\x1b[31mb\x07\r\n") == "/a\\x1b[31mb\\x07\\r\\n"
    assert printable("é ü") == "é ü"
    assert printable("x" * 1000, limit=10) == "x" * 10 + "..."


def test_a_server_that_cannot_start_raises_in_start_instead_of_hanging(monkeypatch):
    """Any failure before the server listens reaches ``start()``'s caller, not only an OSError: an OverflowError
    from ``bind`` (a port past 65535) once left ``start()`` waiting for ever."""
    import threading

    from aiohttp import web

    from presspipe.connectors.push_server import PushServer

    async def refuse(self):
        raise OverflowError("bind(): port must be 0-65535.")

    monkeypatch.setattr(web.TCPSite, "start", refuse)
    service = type("Service", (), {"config": PushConfig(port=0)})()
    server = PushServer(service, producer=type("Producer", (), {"health": None})())
    raised: list[BaseException] = []

    def start() -> None:
        try:
            server.start()
        except OverflowError as error:
            raised.append(error)

    starter = threading.Thread(target=start, daemon=True)
    starter.start()
    starter.join(timeout=10)
    assert not starter.is_alive(), "start() still waiting for a server that failed to start"
    assert len(raised) == 1
