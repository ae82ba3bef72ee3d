"""Both engines, one scenario each: every test of this folder runs against Apache Kafka and against Tansu.

The brokers come from the session's pool (tests/conftest.py), so the engine the session already runs is reused and
the other one starts once. Where Tansu is known to deviate (BRIEF §3), the test states the deviation as Tansu's
expected answer: if Tansu changes, or Kafka behaves unlike the assumption, the test fails instead of hiding it.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

_numbers = itertools.count()


@pytest.fixture(params=["kafka", "tansu"], scope="session")
def engine(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine_settings(broker_pool, engine):
    from presspipe.core.settings import KafkaSettings

    return KafkaSettings(bootstrap_servers=broker_pool.bootstrap_servers(engine))


@pytest.fixture
def topic(engine_settings) -> str:
    """A fresh topic with 4 partitions on the engine under test."""
    from presspipe.pipelines.io.kafka import create_topics

    name = f"contract{next(_numbers)}-{uuid.uuid4().hex[:8]}"
    create_topics(engine_settings, [name], partitions=4)
    return name
