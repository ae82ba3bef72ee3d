"""``connect_producer``: the one KafkaProducer recipe of the connectors (batch runs and the push endpoint)."""

from __future__ import annotations

import pytest
from kafka.errors import KafkaTimeoutError

from presspipe.connectors.base import ConnectorError, connect_producer
from presspipe.core.settings import KafkaSettings


def test_acks_all_cannot_be_overridden_and_options_win_over_defaults():
    made: list[dict] = []
    settings = KafkaSettings(bootstrap_servers="a:9092,b:9092", client_options=(("security_protocol", "SSL"),))
    connect_producer(settings, {"linger_ms": 5, "max_block_ms": 1000}, {"acks": 1, "max_block_ms": 200},
                     factory=lambda **kwargs: made.append(kwargs))
    assert made == [{"retries": 5, "linger_ms": 5, "max_block_ms": 200, "bootstrap_servers": ["a:9092", "b:9092"],
                     "security_protocol": "SSL", "acks": "all"}]


def test_an_unreachable_cluster_is_a_connector_error_naming_it():
    def unreachable(**kwargs):
        raise KafkaTimeoutError("no broker answered")

    with pytest.raises(ConnectorError, match="cannot connect to Kafka at nowhere:9092"):
        connect_producer(KafkaSettings(bootstrap_servers="nowhere:9092"), {}, factory=unreachable)
