"""Helpers for the connector end-to-end tests: producers (real or pointed at a dead broker) and the replay step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from presspipe.connectors.base import Connector, ConnectorReport, RawArticleProducer, run_connector
from presspipe.pipelines import ingest
from presspipe.core.settings import KafkaSettings
from presspipe.schemas import RawArticle
from tests.support.kafka import consume_all, read_avro_dir


def start_time() -> datetime:
    """A ``--since`` bound safely before anything a test is about to produce."""
    return datetime.now(timezone.utc) - timedelta(seconds=5)


def run_into(connector: Connector, settings: KafkaSettings, topic: str) -> ConnectorReport:
    producer = RawArticleProducer(settings, topic)
    try:
        return run_connector(connector, producer)
    finally:
        producer.close()


def dead_broker_producer(topic: str) -> RawArticleProducer:
    """A producer whose broker is unreachable: every send fails after a short wait (a crash before the ack)."""
    settings = KafkaSettings(bootstrap_servers="127.0.0.1:9")
    return RawArticleProducer(settings, topic, delivery_timeout_s=2.0,
                              producer_options={"api_version": (2, 5), "max_block_ms": 500, "retries": 0})


def raw_records(settings: KafkaSettings, topic: str, expected: int) -> list[RawArticle]:
    return [RawArticle.decode(record.value) for record in consume_all(settings, topic, expected=expected)]


def replay(settings: KafkaSettings, topics, since: datetime, output: Path):
    """``presspipe replay --since ... --output avro:DIR --no_entities`` through the pipeline's own entry point."""
    summary = ingest.run(["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw,
                          "--articles_topic", topics.articles, "--dlq_topic", topics.dlq,
                          "--since", since.isoformat(), "--output", f"avro:{output}", "--no_entities"])
    return summary, read_avro_dir(output, "articles")
