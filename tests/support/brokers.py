"""An Apache Kafka broker of a test's own, on its own data directory, that the test may SIGKILL and start again
(the session broker is shared and must never be killed)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from presspipe.broker import BrokerHandle, start_broker, stop_broker
from presspipe.broker import apache_kafka
from presspipe.broker.process import alive
from presspipe.core.settings import KafkaSettings


def require_kafka() -> None:
    """Skip only where the session itself runs on Tansu because Java/Maven are missing; with the default engine a
    missing Kafka is an error, raised by the start."""
    reason = apache_kafka.unavailable_reason()
    if reason and os.environ.get("PRESSPIPE_TEST_BROKER") == "tansu":
        pytest.skip(f"needs Apache Kafka (data that survives a restart): {reason}")


class RestartableKafka:
    """One Kafka node on ``data_dir``; ``kill()`` is SIGKILL (no shutdown hook runs), ``start()`` reuses the
    directory and its ports, so clients that outlive the broker find it at the same address."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.handle: BrokerHandle | None = None
        self.restart_seconds: list[float] = []

    def start(self) -> BrokerHandle:
        started = time.monotonic()
        self.handle = start_broker(engine="kafka", data_dir=self.data_dir)
        self.restart_seconds.append(time.monotonic() - started)
        return self.handle

    @property
    def settings(self) -> KafkaSettings:
        assert self.handle is not None
        return KafkaSettings(bootstrap_servers=self.handle.bootstrap_servers)

    def kill(self) -> None:
        assert self.handle is not None
        os.kill(self.handle.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while alive(self.handle.pid):
            assert time.monotonic() < deadline, "SIGKILLed broker still alive"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.handle is not None and alive(self.handle.pid):
            stop_broker(self.handle)


@pytest.fixture(scope="module")
def own_kafka(tmp_path_factory):
    """One per test module (a start costs seconds); tests that kill it start it again before they end."""
    require_kafka()
    broker = RestartableKafka(tmp_path_factory.mktemp("own-kafka") / "kafka")
    broker.start()
    yield broker
    broker.stop()
