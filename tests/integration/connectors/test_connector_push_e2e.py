"""HTTP push: a real threading server on 127.0.0.1 → embedded broker → replay → Avro; every refusal is JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from presspipe.connectors.base import Progress, RawArticleProducer
from presspipe.connectors.push import PushConfig, PushServer, PushService
from presspipe.connectors.state import ConnectorState
from tests.integration.connectors.e2e_support import dead_broker_producer, raw_records, replay, start_time
from tests.unit.connectors.local_site import article_html

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
TOKEN = "s3cret-token"


@contextmanager
def push_server(producer: RawArticleProducer, state_path: Path, **config):
    with ConnectorState(state_path) as state:
        service = PushService(PushConfig(port=0, **config), producer, state)
        server = PushServer(service)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield server, service
        finally:
            server.stop()
            producer.close()


def assert_json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert set(document) == {"error"}
    return document


@pytest.mark.slow
def test_push_end_to_end(kafka_settings, topics, tmp_path):
    since = start_time()
    producer = RawArticleProducer(kafka_settings, topics.raw, delivery_timeout_s=15)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with push_server(producer, tmp_path / "http.sqlite", token=TOKEN, max_body_bytes=64 * 1024) as (server, service), \
            httpx.Client(base_url=server.address, timeout=20) as client:
        assert client.get("/healthz").json() == {"status": "ok"}

        article = {"url": "https://push.test/budget", "html": article_html("Council approves harbour budget").decode(),
                   "title": "Council approves harbour budget", "published_at": "2025-11-04T09:30:00+01:00",
                   "authors": ["Ana Silva"], "language": "en"}
        accepted = client.post("/articles", json=article, headers=auth)
        assert accepted.status_code == 202 and accepted.json()["status"] == "accepted"
        raw_html = client.post("/articles", content=article_html("Ferry timetable changes"),
                               headers={**auth, "Content-Type": "text/html; charset=utf-8",
                                        "X-Article-URL": "https://push.test/ferry"})
        assert raw_html.status_code == 202
        duplicate = client.post("/articles", json=article, headers=auth)
        assert duplicate.status_code == 200 and duplicate.json() == {"id": accepted.json()["id"], "status": "duplicate"}

        hostile = {"url": "javascript:<script>alert(1)</script>", "html": "<p>x</p>"}
        bad = assert_json_error(client.post("/articles", json=hostile, headers=auth), 400)
        assert "<script>" not in json.dumps(bad) and "url" in bad["error"]
        assert_json_error(client.post("/articles", content=b"{not json", headers={**auth, "Content-Type": "application/json"}), 400)
        assert_json_error(client.post("/articles", content=b"<p>no url</p>", headers={**auth, "Content-Type": "text/html"}), 400)
        assert_json_error(client.post("/articles", json=article), 401)
        assert_json_error(client.post("/articles", json=article, headers={"Authorization": "Bearer wrong"}), 401)
        assert_json_error(client.post("/articles", content=b"hello", headers={**auth, "Content-Type": "text/plain"}), 415)
        too_big = {**article, "html": "x" * (70 * 1024)}
        assert_json_error(client.post("/articles", json=too_big, headers=auth), 413)
        assert_json_error(client.post("/elsewhere", json=article, headers=auth), 404)
        assert_json_error(client.get("/articles"), 404)
        assert client.get("/healthz").status_code == 200  # the server survived every refusal
        assert (service.report.sent, service.report.skipped) == (2, 1)

    records = {raw.url: raw for raw in raw_records(kafka_settings, topics.raw, expected=2)}
    assert set(records) == {"https://push.test/budget", "https://push.test/ferry"}
    assert records["https://push.test/budget"].hints.authors == ("Ana Silva",)
    assert records["https://push.test/budget"].id == accepted.json()["id"]

    summary, articles = replay(kafka_settings, topics, since, tmp_path / "avro")
    assert summary.read == 2 and summary.balanced
    assert summary.written == len(articles) == 2, summary.to_json()


def test_rate_limit_per_client(kafka_settings, topics, tmp_path):
    producer = RawArticleProducer(kafka_settings, topics.raw)
    with push_server(producer, tmp_path / "http.sqlite", rate_limit_per_s=1.0) as (server, _), \
            httpx.Client(base_url=server.address, timeout=10) as client:
        statuses = [client.post("/articles", content=b"{}", headers={"Content-Type": "application/json"}).status_code
                    for _ in range(6)]
    assert statuses[0] == 400 and 429 in statuses and set(statuses) <= {400, 429}


def test_unreachable_broker_answers_503(tmp_path):
    producer = dead_broker_producer("articles.raw")
    with push_server(producer, tmp_path / "http.sqlite", ack_timeout_s=2.0) as (server, service), \
            httpx.Client(base_url=server.address, timeout=20) as client:
        response = client.post("/articles", json={"url": "https://push.test/x", "text": "Some words"})
        assert_json_error(response, 503)
        assert response.headers["retry-after"] == "5"
        assert service.report.failed_sends == 1 and service.state.page("https://push.test/x") is None


@pytest.mark.slow
def test_command_serves_until_sigterm(kafka_settings, topics, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    command = [sys.executable, "-m", "presspipe.cli", "--bootstrap-servers", kafka_settings.bootstrap_servers,
               "--raw-topic", topics.raw, "connect", "http", "--port", "0", "--token-file", str(token_file),
               "--state", str(tmp_path / "http.sqlite")]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line + process.stderr.read()
        address = line.split()[2]
        response = httpx.post(f"{address}/articles", json={"url": "https://push.test/cli", "text": "Words"},
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert response.status_code == 202
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "sent 1," in out
