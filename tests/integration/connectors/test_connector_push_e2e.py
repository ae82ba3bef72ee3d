"""HTTP push: the aiohttp endpoint on 127.0.0.1 → embedded broker → replay → Avro; every answer is JSON.

Reproduces the probing of issue #20 against the real server and broker: duplicates under concurrency, bursts of
connections, slow clients, shutdown with a trickling client, hostile JSON, lenient framing, 100-continue order,
records Kafka cannot hold, a broker restart, and what reaches the log."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from presspipe.broker import free_port, start_broker, stop_broker
from presspipe.core.settings import KafkaSettings
from presspipe.pipelines.io.kafka import create_topics
from tests.integration.connectors.e2e_support import raw_records, replay, start_time
from tests.integration.connectors.push_support import (AUTH, TOKEN, assert_json_error, push_endpoint, raw_exchange,
                                                       status_and_json)
from tests.unit.connectors.local_site import article_html

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_push_end_to_end(kafka_settings, topics, tmp_path):
    since = start_time()
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN,
                       max_body_bytes=64 * 1024) as (server, service), \
            httpx.Client(base_url=server.address, timeout=20) as client:
        article = {"url": "https://push.test/budget", "html": article_html("Council approves harbour budget").decode(),
                   "title": "Council approves harbour budget", "published_at": "2025-11-04T09:30:00+01:00",
                   "authors": ["Ana Silva"], "language": "en"}
        accepted = client.post("/articles", json=article, headers=AUTH)
        assert accepted.status_code == 202 and accepted.json()["status"] == "accepted"
        raw_html = client.post("/articles", content=article_html("Ferry timetable changes"),
                               headers={**AUTH, "Content-Type": "text/html; charset=utf-8",
                                        "X-Article-URL": "https://push.test/ferry"})
        assert raw_html.status_code == 202
        duplicate = client.post("/articles", json=article, headers=AUTH)
        assert duplicate.status_code == 200 and duplicate.json() == {"id": accepted.json()["id"], "status": "duplicate"}
        gzipped = client.post("/articles", content=gzip.compress(json.dumps(
            {"url": "https://push.test/gz", "text": "A gzip body."}).encode()),
            headers={**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert gzipped.status_code == 202, gzipped.text

        hostile = {"url": "javascript:<script>alert(1)</script>", "html": "<p>x</p>"}
        bad = assert_json_error(client.post("/articles", json=hostile, headers=AUTH), 400)
        assert "<script>" not in json.dumps(bad) and "url" in bad["error"]
        assert_json_error(client.post("/articles", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}), 400)
        assert_json_error(client.post("/articles", content=b"<p>no url</p>", headers={**AUTH, "Content-Type": "text/html"}), 400)
        assert_json_error(client.post("/articles", json=article), 401)
        assert_json_error(client.post("/articles", json=article, headers={"Authorization": "Bearer wrong"}), 401)
        assert_json_error(client.post("/articles", content=b"hello", headers={**AUTH, "Content-Type": "text/plain"}), 415)
        assert_json_error(client.post("/articles", content=b"{}", headers={
            **AUTH, "Content-Type": "application/json", "Content-Encoding": "br"}), 415)
        bomb = gzip.compress(b" " * (1024 * 1024))
        assert_json_error(client.post("/articles", content=bomb, headers={
            **AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"}), 413)
        assert_json_error(client.post("/articles", json={**article, "html": "x" * (70 * 1024)}, headers=AUTH), 413)
        assert_json_error(client.post("/elsewhere", json=article, headers=AUTH), 404)
        assert_json_error(client.get("/articles"), 405)
        assert client.get("/healthz").status_code == 200  # the server survived every refusal
        assert (service.report.sent, service.report.skipped) == (3, 1)

    records = {raw.url: raw for raw in raw_records(kafka_settings, topics.raw, expected=3)}
    assert set(records) == {"https://push.test/budget", "https://push.test/ferry", "https://push.test/gz"}
    assert records["https://push.test/budget"].hints.authors == ("Ana Silva",)
    assert records["https://push.test/budget"].id == accepted.json()["id"]
    assert records["https://push.test/gz"].body == b"A gzip body."

    summary, articles = replay(kafka_settings, topics, since, tmp_path / "avro")
    assert summary.read == 3 and summary.balanced
    assert summary.written == len(articles) == 3, summary.to_json()


async def _post_many(address: str, count: int, document: dict) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=address, timeout=30, limits=limits) as client:
        return await asyncio.gather(*(client.post("/articles", json=document, headers=AUTH) for _ in range(count)))


def test_simultaneous_identical_posts_produce_one_copy(kafka_settings, topics, tmp_path):
    document = {"url": "https://push.test/same", "text": "The same article, twenty times at once."}
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN) as (server, service):
        responses = asyncio.run(_post_many(server.address, 20, document))
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * 19 + [202], statuses
        assert len({response.json()["id"] for response in responses}) == 1
        assert (service.report.sent, service.report.skipped) == (1, 19)
    records = raw_records(kafka_settings, topics.raw, expected=1)
    assert [record.url for record in records] == ["https://push.test/same"]
    time.sleep(1.0)  # a second copy would have been acknowledged before its 202/200: nothing more may arrive
    assert len(raw_records(kafka_settings, topics.raw, expected=1)) == 1


async def _burst(address: str, connections: int) -> list[int]:
    host, port = address.removeprefix("http://").split(":")

    async def one() -> int:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        return int(answer.split(b" ", 2)[1]) if answer else 0

    return await asyncio.gather(*(one() for _ in range(connections)), return_exceptions=True)


def test_a_burst_of_200_connections_is_answered_and_the_cap_refuses_with_json(kafka_settings, topics, tmp_path):
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "a.sqlite") as (server, _):
        assert asyncio.run(_burst(server.address, 200)) == [200] * 200
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "b.sqlite", max_connections=3) as (server, _):
        idle = [socket.create_connection(server.server_address) for _ in range(3)]
        try:
            time.sleep(0.2)
            status, document, headers = status_and_json(raw_exchange(server, b"GET /healthz HTTP/1.1\r\n\r\n"))
            assert (status, document) == (503, {"error": "too many connections"})
            assert "content-type: application/json" in headers
        finally:
            for sock in idle:
                sock.close()
        time.sleep(0.2)
        assert status_and_json(raw_exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))[0] == 200


def test_slow_clients_meet_header_and_body_deadlines(kafka_settings, topics, tmp_path):
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN, header_timeout_s=1.0,
                       body_timeout_s=1.0) as (server, _):
        # Headers trickled one byte every 0.2 s: the connection is closed at the deadline, not kept for ever.
        started = time.monotonic()
        with socket.create_connection(server.server_address, timeout=10) as sock:
            closed = False
            for byte in b"POST /articles HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                sock.settimeout(0.2)
                try:
                    if sock.recv(1024) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
        assert closed and time.monotonic() - started < 5.0
        # A body stalled one byte short: 408 at the body deadline, and the connection is closed.
        started = time.monotonic()
        answer = raw_exchange(server, b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                      b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 100\r\n\r\n"
                                      + b"{" * 99)
        status, document, _ = status_and_json(answer)
        assert status == 408 and "body" in document["error"] and time.monotonic() - started < 5.0


def test_shutdown_is_bounded_with_a_trickling_client(kafka_settings, topics, tmp_path):
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN, body_timeout_s=60,
                       shutdown_timeout_s=1.0) as (server, _):
        sock = socket.create_connection(server.server_address)
        sock.sendall(b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "
                     + TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\n{")
        time.sleep(0.3)
        started = time.monotonic()
        server.stop()
        elapsed = time.monotonic() - started
        sock.close()
    assert elapsed < 4.0, f"stop took {elapsed:.1f} s with a 1 s shutdown deadline"


HOSTILE_BODIES = {
    "deep nesting": b'{"url": "https://push.test/a", "text": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "lone surrogate": b'{"url": "https://push.test/a", "text": "lone \\ud800 surrogate"}',
    "surrogate in title": b'{"url": "https://push.test/a", "text": "x", "title": "\\udfff"}',
    "year 1 at +14:00": b'{"url": "https://push.test/a", "text": "x", "published_at": "0001-01-01T00:00:00+14:00"}',
    "5000-digit number": b'{"url": "https://push.test/a", "text": "x", "n": ' + b"9" * 5000 + b"}",
    "port out of range": b'{"url": "https://push.test:99999/a", "text": "x"}',
    "array": b"[1, 2, 3]",
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_gets_a_400(kafka_settings, topics, tmp_path, body):
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN) as (server, _), \
            httpx.Client(base_url=server.address, timeout=20) as client:
        assert_json_error(client.post("/articles", content=body,
                                      headers={**AUTH, "Content-Type": "application/json"}), 400)
        assert client.get("/healthz").status_code == 200


def _post_head(extra: bytes, length: bytes = b"2") -> bytes:
    return (b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "
            + TOKEN.encode() + b"\r\nContent-Length: " + length + b"\r\n" + extra + b"\r\n")


FRAMING = {
    "Transfer-Encoding with Content-Length": (_post_head(b"Transfer-Encoding: chunked\r\n") + b"0\r\n\r\n", 400),
    "two different Content-Lengths": (_post_head(b"Content-Length: 3\r\n") + b"{}", 400),
    "non-ASCII digits in Content-Length": (_post_head(b"", "١٢".encode()) + b"{}", 400),
    "chunked without Content-Length": (
        b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "
        + TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 411),
    "bad request line": (b"G\x1bET /\x00 HTTP/1.1\r\n\r\n", 400),
    "request line too long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "header too long": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "too many headers": (b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
                         431),
    "Expect other than 100-continue": (_post_head(b"Expect: magic\r\n") + b"{}", 417),
}


def test_framing_is_strict_and_every_refusal_is_json(kafka_settings, topics, tmp_path):
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN) as (server, _):
        for name, (request, expected) in FRAMING.items():
            status, document, headers = status_and_json(raw_exchange(server, request))
            assert status == expected, name
            assert "content-type: application/json" in headers and set(document) == {"error"}, name
            assert "text/html" not in headers and "aaaa" not in json.dumps(document), name
        head = raw_exchange(server, b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"application/json" in head
        options = raw_exchange(server, b"OPTIONS /articles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert options.startswith(b"HTTP/1.1 204") and b"Allow: POST, OPTIONS" in options
        head_missing = raw_exchange(server, b"HEAD /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert head_missing.startswith(b"HTTP/1.1 404") and b"application/json" in head_missing


def test_100_continue_only_after_the_token_and_size_checks(kafka_settings, topics, tmp_path):
    body = json.dumps({"url": "https://push.test/continue", "text": "Sent after 100 Continue."}).encode()
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN,
                       max_body_bytes=4096) as (server, _):
        for head, status in (
                (b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n"
                 b"Authorization: Bearer wrong\r\nExpect: 100-continue\r\n\r\n", 401),
                (_post_head(b"Expect: 100-continue\r\n", b"999999"), 413)):
            answer = raw_exchange(server, head)
            assert not answer.startswith(b"HTTP/1.1 100") and status_and_json(answer)[0] == status
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(_post_head(b"Expect: 100-continue\r\n", str(len(body)).encode()))
            assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(body)
            assert sock.recv(1000).startswith(b"HTTP/1.1 202")


def test_a_record_kafka_cannot_hold_is_413_not_503(kafka_settings, topics, tmp_path):
    # The client's max_request_size (what any broker limit looks like to the endpoint) below what the body allows.
    with push_endpoint(kafka_settings, topics.raw, tmp_path / "http.sqlite", token=TOKEN, max_body_bytes=64 * 1024,
                       max_record_bytes=1024 * 1024, producer_options={"max_request_size": 20_000}) as (server, _), \
            httpx.Client(base_url=server.address, timeout=20) as client:
        big = {"url": "https://push.test/big", "text": "word " * 8000}
        response = client.post("/articles", json=big, headers=AUTH)
        assert_json_error(response, 413)
        assert "retry-after" not in response.headers
        assert client.post("/articles", json={"url": "https://push.test/small", "text": "fits"},
                           headers=AUTH).status_code == 202


def test_the_body_limit_can_never_exceed_the_producers(kafka_settings):
    from presspipe.connectors.push import PushConfig, PushConfigError

    with pytest.raises(PushConfigError):
        PushConfig(max_body_bytes=2 * 1024 * 1024, max_record_bytes=1024 * 1024)
    assert "tok" not in repr(PushConfig(token="tok-secret"))


@pytest.mark.slow
def test_the_producer_recovers_after_a_broker_restart_and_health_tells_the_truth(tmp_path):
    port = free_port()
    broker = start_broker(port, log_path=tmp_path / "broker-1.log")
    settings = KafkaSettings(f"127.0.0.1:{port}")
    create_topics(settings, ["restart.raw"], partitions=2)
    try:
        with push_endpoint(settings, "restart.raw", tmp_path / "http.sqlite", token=TOKEN, ack_timeout_s=2.0) \
                as (server, _), httpx.Client(base_url=server.address, timeout=20) as client:
            assert client.post("/articles", json={"url": "https://push.test/r0", "text": "before"},
                               headers=AUTH).status_code == 202
            assert client.get("/readyz").status_code == 200
            stop_broker(broker)
            down = client.post("/articles", json={"url": "https://push.test/r1", "text": "down"}, headers=AUTH)
            assert_json_error(down, 503)
            assert down.headers["retry-after"] and "safe to retry" in down.json()["error"]
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["producer"]["ready"] is False
            assert client.get("/healthz").json()["status"] == "degraded"
            broker = start_broker(port, log_path=tmp_path / "broker-2.log")
            create_topics(settings, ["restart.raw"], partitions=2)
            statuses = []
            for attempt in range(30):
                statuses.append(client.post("/articles", json={"url": "https://push.test/r2", "text": "after"},
                                            headers=AUTH).status_code)
                if statuses[-1] == 202:
                    break
                time.sleep(0.5)
            assert statuses[-1] == 202, statuses
            assert client.get("/readyz").status_code == 200 and client.get("/healthz").json()["status"] == "ok"
        assert [r.url for r in raw_records(settings, "restart.raw", expected=1)] == ["https://push.test/r2"]
    finally:
        stop_broker(broker)


@pytest.mark.slow
def test_command_serves_until_sigterm_and_its_json_log_stays_clean(kafka_settings, topics, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    command = [sys.executable, "-m", "presspipe.cli", "--log-level", "INFO", "--log-format", "json",
               "--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw-topic", topics.raw, "connect", "http",
               "--port", "0", "--token-file", str(token_file), "--state", str(tmp_path / "http.sqlite")]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line + process.stderr.read()
        address = line.split()[2]
        host, port = address.removeprefix("http://").split(":")
        response = httpx.post(f"{address}/articles?access_token={TOKEN}",
                              json={"url": "https://push.test/cli", "text": "Words"},
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert response.status_code == 202
        for request in (b"GET /\x1b[31mred\x07 HTTP/1.1\r\n\r\n", b"GET /%1b%5b31m?token=" + TOKEN.encode()
                        + b" HTTP/1.1\r\nUser-Agent: \x1b]0;title\x07\r\nConnection: close\r\n\r\n"):
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(request)
                sock.recv(1000)
        for _ in range(5):  # client resets in the middle of a body
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: "
                         b"Bearer " + TOKEN.encode() + b"\r\nContent-Length: 5000\r\n\r\n{\"url\":")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "sent 1," in out
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing logged at INFO: the checks below would be empty"
    documents = [json.loads(line) for line in lines]  # every line is one JSON document
    assert TOKEN not in err
    assert "Traceback" not in err and not any("exception" in document for document in documents)
    assert "\x1b" not in err and "\x07" not in err
    assert any(document["message"].startswith("POST /articles?<query removed> 202") for document in documents)
