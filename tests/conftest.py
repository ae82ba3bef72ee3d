"""Shared fixtures: the embedded Kafka-protocol broker (one per test session, on a free port), unique topics,
and the ``shared`` data folder that CI places beside the repository."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory):
    """The embedded broker for the whole session; PRESSPIPE_TEST_BOOTSTRAP_SERVERS points tests at another one."""
    external = os.environ.get("PRESSPIPE_TEST_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    from presspipe.broker import running_broker

    with running_broker(log_path=tmp_path_factory.mktemp("broker") / "broker.log") as handle:
        yield handle.bootstrap_servers


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
