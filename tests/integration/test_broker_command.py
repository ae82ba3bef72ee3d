"""``presspipe broker start|status|stop`` as a user runs them, in their own processes: Apache Kafka keeps topics,
records and committed group offsets across a SIGKILL and a start on the same --data-dir, and stops cleanly;
Tansu refuses a data directory it could not honour."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaProducer

from presspipe.broker.process import alive
from presspipe.core.settings import KafkaSettings
from presspipe.pipelines.io.kafka import commit_offsets, committed_offsets, create_topics
from tests.support.brokers import require_kafka
from tests.support.kafka import consume_all

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def presspipe(home: Path, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presspipe.cli", "broker", *arguments], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, "PRESSPIPE_HOME": str(home)})


def read_values(settings: KafkaSettings, topic: str, partitions: int, expected: int) -> dict[int, list[bytes]]:
    records = consume_all(settings, topic, expected=expected, timeout_s=30)
    return {p: [record.value for record in records if record.partition == p] for p in range(partitions)}


def test_kafka_keeps_topics_records_and_group_offsets_across_sigkill_and_stops_cleanly(tmp_path):
    require_kafka()
    home, data_dir = tmp_path / "home", tmp_path / "data"
    started = presspipe(home, "start", "--engine", "kafka", "--data-dir", str(data_dir))
    assert started.returncode == 0, started.stderr
    address = started.stdout.strip()
    settings = KafkaSettings(bootstrap_servers=address)
    record = json.loads((home / "broker.json").read_text())
    try:
        assert (record["engine"], Path(record["data_dir"])) == ("kafka", data_dir.resolve())
        create_topics(settings, ["kept"], partitions=2)
        producer = KafkaProducer(acks="all", linger_ms=20, **settings.client_kwargs())
        futures = [producer.send("kept", value=b"record-%d" % i, partition=i % 2) for i in range(30)]
        producer.flush()
        assert all(future.get(timeout=30) for future in futures)
        producer.close()
        commit_offsets(settings, "kept-group", {("kept", 0): 7, ("kept", 1): 9})

        os.kill(record["pid"], signal.SIGKILL)
        while alive(record["pid"]):
            time.sleep(0.05)
        status = presspipe(home, "status")
        assert (status.returncode, status.stdout.strip()) == (1, "not running"), "a dead broker is not reported"

        again = presspipe(home, "start", "--engine", "kafka", "--data-dir", str(data_dir))
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == address, "same data directory, same address"
        assert committed_offsets(settings, "kept-group", "kept") == {0: 7, 1: 9}
        assert read_values(settings, "kept", 2, expected=30) == {p: [b"record-%d" % i for i in range(p, 30, 2)] for p in range(2)}
        status = presspipe(home, "status")
        assert status.returncode == 0 and f"running at {address} (kafka" in status.stdout
    finally:
        stopped = presspipe(home, "stop")
    assert stopped.returncode == 0 and stopped.stdout.strip() == f"stopped kafka broker at {address}", stopped.stdout
    assert (data_dir / "kafka-logs" / ".kafka_cleanshutdown").is_file(), "Kafka marks a clean shutdown in its log dir"
    assert presspipe(home, "status").returncode == 1


def test_tansu_refuses_a_data_directory(tmp_path):
    refused = presspipe(tmp_path, "start", "--engine", "tansu", "--data-dir", str(tmp_path / "data"))
    assert refused.returncode == 2
    assert "keeps data in memory only; --data-dir needs --engine kafka" in refused.stderr
    assert not (tmp_path / "broker.json").exists()


def test_a_broker_dies_with_the_process_that_started_it(tmp_path):
    """A demo or test run killed by SIGKILL runs no cleanup; the broker it started (not detached) must go too."""
    script = ("import sys, time\nfrom pathlib import Path\nfrom presspipe.broker import start_broker\n"
              f"handle = start_broker(engine='tansu', log_path=Path({str(tmp_path / 'broker.log')!r}))\n"
              "print(handle.pid, flush=True)\ntime.sleep(600)\n")
    starter = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        broker_pid = int(starter.stdout.readline())
        assert alive(broker_pid)
    finally:
        starter.kill()
        starter.wait(timeout=30)
    deadline = time.monotonic() + 20
    while alive(broker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(broker_pid):
        os.kill(broker_pid, signal.SIGKILL)
        pytest.fail(f"broker {broker_pid} outlived the SIGKILLed process that started it")
