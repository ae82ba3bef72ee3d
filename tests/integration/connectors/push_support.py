"""A real push endpoint on 127.0.0.1 for the tests: aiohttp server, PushProducer on the test broker, SQLite state."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path

import httpx

from presspipe.connectors.push import PushConfig, PushService
from presspipe.connectors.push_producer import PushProducer
from presspipe.connectors.push_server import PushServer
from presspipe.connectors.state import ConnectorState
from presspipe.core.settings import KafkaSettings

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def push_endpoint(settings: KafkaSettings, topic: str, state_path: Path, producer_options=None, **config):
    config.setdefault("port", 0)
    push_config = PushConfig(**config)
    producer = PushProducer(settings, topic, max_record_bytes=push_config.max_record_bytes,
                            ack_timeout_s=push_config.ack_timeout_s, producer_options=producer_options,
                            probe_interval_s=0.5)
    producer.connect()
    with ConnectorState(state_path) as state:
        service = PushService(push_config, producer, state)
        server = PushServer(service, producer)
        server.start()
        try:
            yield server, service
        finally:
            server.stop()
            producer.close(timeout_s=5)


def raw_exchange(server: PushServer, request: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, return everything the server answers until it closes (or ``timeout``)."""
    with socket.create_connection(server.server_address, timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except socket.timeout:
            pass
    return b"".join(chunks)


def status_and_json(answer: bytes) -> tuple[int, dict, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = head.decode("latin-1").lower()
    import json

    return status, json.loads(body) if body else {}, headers


def assert_json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert set(document) == {"error"}
    return document
