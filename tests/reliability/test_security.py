"""Security basics: SASL/SSL settings reach kafka-python from flags and environment, in the pipeline and in a
connector; no secret ever appears in a log line, a summary or a command's output; the push endpoint refuses what it
must (size before reading, rate, content type, token) without echoing input."""

from __future__ import annotations

import json
import logging
import socket
from contextlib import contextmanager

import httpx
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from presspipe.pipelines import ingest
from presspipe.pipelines.io import kafka as kafka_io
from presspipe.pipelines.options import IngestConfig
from tests.reliability.hostile import ENGLISH, raw
from tests.support.kafka import produce

SECRET = "s3cr3t-Passw0rd-do-not-log"
ENV_SECRET = "env-s3cr3t-also-not-for-logs"
SASL_FLAGS = ["--kafka_option", "security_protocol=SASL_SSL", "--kafka_option", "sasl_mechanism=SCRAM-SHA-512",
              "--kafka_option", "sasl_plain_username=presspipe", "--kafka_option", f"sasl_plain_password={SECRET}",
              "--kafka_option", "ssl_cafile=/etc/ssl/ca.pem"]


class Recorder:
    """Stands in for a kafka-python client class: records the keyword arguments it was built with."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *args, **kwargs):
        self.calls.append(kwargs)
        return self

    def close(self, *args, **kwargs) -> None:
        """Clients are closed by their owners; nothing to release here."""


def test_pipeline_passes_sasl_ssl_flags_and_environment_to_kafka_python(monkeypatch):
    monkeypatch.setenv("PRESSPIPE_KAFKA_SSL_PASSWORD", ENV_SECRET)
    config = IngestConfig.from_options(PipelineOptions(["--bootstrap-servers", "kafka-1:9093,kafka-2:9093",
                                                        *SASL_FLAGS]))
    consumers, producers = Recorder(), Recorder()
    monkeypatch.setattr(kafka_io, "KafkaConsumer", consumers)
    monkeypatch.setattr(kafka_io, "KafkaProducer", producers)
    kafka_io.new_consumer(config.kafka)
    kafka_io.new_producer(config.kafka)
    for kwargs in (consumers.calls[0], producers.calls[0]):
        assert kwargs["bootstrap_servers"] == ["kafka-1:9093", "kafka-2:9093"]
        assert (kwargs["security_protocol"], kwargs["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
        assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("presspipe", SECRET)
        assert (kwargs["ssl_cafile"], kwargs["ssl_password"]) == ("/etc/ssl/ca.pem", ENV_SECRET)
    assert SECRET not in repr(config) and ENV_SECRET not in repr(config)


def test_connector_command_passes_environment_and_flag_settings_and_logs_no_secret(monkeypatch, tmp_path, capsys, caplog):
    from kafka.errors import KafkaConnectionError

    from presspipe.cli import main

    monkeypatch.setenv("PRESSPIPE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("PRESSPIPE_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("PRESSPIPE_KAFKA_SASL_PLAIN_USERNAME", "presspipe")
    monkeypatch.setenv("PRESSPIPE_KAFKA_SASL_PLAIN_PASSWORD", SECRET)
    built = []

    def unreachable_producer(**kwargs):
        built.append(kwargs)
        raise KafkaConnectionError("no broker reachable")

    monkeypatch.setattr("presspipe.connectors.base.KafkaProducer", unreachable_producer)
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><p>{ENGLISH}</p></body></html>")
    caplog.set_level(logging.DEBUG)
    assert main(["--log-level", "DEBUG", "connect", "files", str(page)]) == 1
    assert built and built[0]["sasl_plain_password"] == SECRET and built[0]["security_protocol"] == "SASL_SSL"
    # ... and from the global flag, like the pipeline (the flag wins over the environment)
    assert main(["--log-level", "DEBUG", "--kafka-option", "sasl_mechanism=SCRAM-SHA-512",
                 "--kafka-option", f"ssl_password={SECRET}", "connect", "files", str(page)]) == 1
    assert (built[1]["sasl_mechanism"], built[1]["ssl_password"]) == ("SCRAM-SHA-512", SECRET)
    assert built[1]["sasl_plain_password"] == SECRET
    output = capsys.readouterr()
    for text in (output.out, output.err, caplog.text):
        assert SECRET not in text


@pytest.mark.integration
@pytest.mark.slow
def test_no_secret_in_logs_summaries_or_output_of_a_real_run(kafka_settings, topics, tmp_path, caplog, capsys,
                                                               monkeypatch):
    # PLAINTEXT ignores the SSL key password, so the run really connects while carrying a secret in its options.
    monkeypatch.setenv("PRESSPIPE_KAFKA_SASL_PLAIN_PASSWORD", ENV_SECRET)
    good = raw(f"A report from the harbour. {ENGLISH}".encode(), content_type="text/plain")
    produce(kafka_settings, topics.raw, [(good.id.encode(), good.encode()), (b"broken", b"not avro")])
    caplog.set_level(logging.DEBUG)
    argv = ["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", topics.raw,
            "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities",
            "--kafka_option", f"ssl_password={SECRET}", "--kafka_option", "client_id=presspipe-security-test",
            "--output", f"avro:{tmp_path}"]
    assert ingest.main(argv) == 0
    output = capsys.readouterr()
    summary = json.loads(output.out.strip().splitlines()[-1])
    assert (summary["read"], summary["written"], summary["dead_lettered"]) == (2, 1, 1) and summary["balanced"]
    assert caplog.records, "the run logged nothing at DEBUG: the check below would be empty"
    for text in (output.out, output.err, caplog.text, json.dumps(summary)):
        assert SECRET not in text and ENV_SECRET not in text


@contextmanager
def push_endpoint(settings, topic, tmp_path, **config):
    from tests.integration.connectors.push_support import push_endpoint as real_endpoint

    with real_endpoint(settings, topic, tmp_path / "push.sqlite", **config) as (server, _):
        yield server


@pytest.mark.integration
def test_push_endpoint_refuses_without_reading_or_echoing(kafka_settings, topics, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    token = "push-token-" + SECRET
    auth = {"Authorization": f"Bearer {token}"}
    with push_endpoint(kafka_settings, topics.raw, tmp_path, token=token, max_body_bytes=4096,
                       rate_limit_per_s=50.0) as server:
        host, port = server.server_address[:2]
        # A declared 1 GB body: refused from the headers alone, nothing is read, the connection is closed.
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: 1073741824\r\n\r\n")
            answer = sock.recv(65536).decode()
        assert answer.startswith("HTTP/1.1 413") and "Connection: close" in answer

        with httpx.Client(base_url=server.address, timeout=20) as client:
            hostile_url = "https://x.test/<script>alert('pwned')</script>"
            cases = [
                (client.post("/articles", json={"url": hostile_url, "html": "<p>x</p>"},
                             headers={"Authorization": "Bearer <img src=x onerror=alert(1)>"}), 401),
                (client.post("/articles", content=b"<p>x</p>", headers={**auth, "Content-Type": "text/plain"}), 415),
                (client.post("/articles", content=b"x", headers={**auth, "Content-Type": "image/<svg>"}), 415),
                (client.post("/articles", json={"url": "javascript:" + hostile_url, "text": "<b>x</b>"},
                             headers=auth), 400),
                (client.post("/articles", content=b"<p>x</p>", headers={
                    **auth, "Content-Type": "text/html", "X-Article-URL": "data:text/html,<script>pwned</script>"}),
                 400),
                # Markup in a valid URL or in the text is data: accepted, stored, never echoed back.
                (client.post("/articles", json={"url": hostile_url, "text": "<script>alert(2)</script>"},
                             headers=auth), 202),
            ]
            for response, status in cases:
                assert response.status_code == status, response.text
                assert response.headers["content-type"] == "application/json"
                assert response.headers["x-content-type-options"] == "nosniff"
                assert "<" not in response.text and "alert" not in response.text and "pwned" not in response.text
            accepted = client.post("/articles", json={"url": "https://x.test/ok", "text": ENGLISH}, headers=auth)
            assert accepted.status_code == 202
    assert token not in caplog.text and SECRET not in caplog.text


@pytest.mark.integration
def test_push_rate_limit_is_per_client(kafka_settings, topics, tmp_path):
    with push_endpoint(kafka_settings, topics.raw, tmp_path, rate_limit_per_s=2.0) as server, \
            httpx.Client(base_url=server.address, timeout=20) as client:
        statuses = [client.post("/articles", json={"url": f"https://x.test/{i}", "text": ENGLISH}).status_code
                    for i in range(10)]
    assert statuses[:2] == [202, 202] and statuses.count(429) >= 5, statuses


@pytest.mark.integration
def test_push_token_in_the_query_string_and_control_characters_never_reach_the_log(kafka_settings, topics, tmp_path,
                                                                                   caplog):
    """The access log names the path without its query (where careless clients put tokens), escapes control
    characters, and a client reset leaves no traceback."""
    caplog.set_level(logging.DEBUG)
    token = "query-token-" + SECRET
    with push_endpoint(kafka_settings, topics.raw, tmp_path, token=token) as server:
        with httpx.Client(base_url=server.address, timeout=20) as client:
            assert client.post(f"/articles?token={token}", json={"url": "https://x.test/q", "text": ENGLISH},
                               headers={"Authorization": f"Bearer {token}"}).status_code == 202
            assert client.get(f"/healthz?access_token={token}&x=%1b%5b2J").status_code == 200
        for request in (b"GET /a\x1b[2Jb HTTP/1.1\r\n\r\n",
                        b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: evil\x1b[2J\x07agent\r\n"
                        b"Connection: close\r\n\r\n",
                        # C1 controls pass the parser as UTF-8 text (U+009B is a terminal's CSI, U+0085 a newline)
                        b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: evil\xc2\x9b2J\xc2\x85agent\r\n"
                        b"Connection: close\r\n\r\n"):
            with socket.create_connection(server.server_address, timeout=10) as sock:
                sock.sendall(request)
                sock.recv(1000)
        sock = socket.create_connection(server.server_address, timeout=10)
        sock.sendall(b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: "
                     b"Bearer " + token.encode() + b"\r\nContent-Length: 900\r\n\r\n{")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # a reset, not a close
        import time

        time.sleep(0.5)
    access = [record for record in caplog.records if record.name == "presspipe.connectors.push.access"]
    assert any(record.getMessage() == "POST /articles?<query removed> 202" for record in access), \
        [record.getMessage() for record in access]
    server_side = [record for record in caplog.records  # the test's own HTTP client logs its URLs: not ours
                   if record.name.split(".")[0] in ("presspipe", "aiohttp", "asyncio", "kafka")]
    text = "\n".join(f"{record.getMessage()} {vars(record)}" for record in server_side)
    assert token not in text and SECRET not in text
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\x85" not in text
    assert any("evil\\x9b2J\\x85agent" in str(getattr(record, "user_agent", "")) for record in access)
    assert not any(record.exc_info for record in server_side), [r.getMessage() for r in server_side if r.exc_info]
