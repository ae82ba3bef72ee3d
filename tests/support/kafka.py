"""Test helpers that talk to the real (embedded) broker: produce raw records, drain a topic, read Avro output."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fastavro
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from presspipe.connectors.base import build_raw_article
from presspipe.core.settings import KafkaSettings


def produce(settings: KafkaSettings, topic: str, messages, linger_ms: int = 20) -> None:
    """Send (key, value[, headers]) tuples and wait for every acknowledgement."""
    producer = KafkaProducer(acks="all", linger_ms=linger_ms, **settings.client_kwargs())
    futures = []
    for message in messages:
        key, value, *rest = message
        futures.append(producer.send(topic, key=key, value=value, headers=rest[0] if rest else None))
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    producer.close()


def raw_messages(start: int, count: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of raw articles ``start`` .. ``start + count - 1``: short English dispatches that enrich into
    articles, each with its own id (the body differs)."""
    raws = [build_raw_article(connector="test", source_name="t", content_type="text/plain",
                              body=(f"Dispatch {i}. The regional council met on Tuesday to discuss the budget for "
                                    f"the coming year, the harbour bridge and the new bus lanes.").encode())
            for i in range(start, start + count)]
    return [(raw.id.encode(), raw.encode()) for raw in raws]


def consume_all(settings: KafkaSettings, topic: str, expected: int | None = None, timeout_s: float = 20.0):
    """Every record of ``topic`` from the beginning; waits until ``expected`` arrived (or the timeout)."""
    consumer = KafkaConsumer(enable_auto_commit=False, auto_offset_reset="earliest", **settings.client_kwargs())
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    records, deadline = [], time.monotonic() + timeout_s
    idle_polls = 0
    while time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=300)
        new = [record for part in batch.values() for record in part]
        records.extend(new)
        idle_polls = 0 if new else idle_polls + 1
        if expected is not None and len(records) >= expected and idle_polls >= 2:
            break
        if expected is None and idle_polls >= 4:
            break
    consumer.close()
    return records


def read_avro_dir(directory: Path, name: str) -> list[dict]:
    records = []
    for path in sorted(Path(directory).glob(f"{name}-*.avro")):
        with open(path, "rb") as stream:
            records.extend(fastavro.reader(stream))
    return records


LARGE_RECORD_BYTES = 32 * 1024 * 1024


def with_large_raw_topic(settings: KafkaSettings, topics, max_bytes: int = LARGE_RECORD_BYTES):
    """``topics`` with a fresh raw topic that accepts records up to ``max_bytes``: Kafka's default limit is 1 MB
    (``message.max.bytes``), so a test of oversized raw records raises it on that topic alone, as a cluster operator
    would; the articles and dead-letter topics keep the default limit the pipeline must respect."""
    from dataclasses import replace

    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    raw = f"{topics.raw}.large"
    admin = KafkaAdminClient(**settings.client_kwargs())
    try:
        admin.create_topics([NewTopic(raw, 4, 1, topic_configs={"max.message.bytes": str(max_bytes)})])
    finally:
        admin.close()
    return replace(topics, raw=raw)


def recent_whole_hour() -> datetime:
    """A base time for records stamped by the tests: a whole hour (minute marks stay exact), one to two hours back
    (nothing stamped in the future), recent enough for the broker's time-based retention to keep the records. Kafka
    deletes segments older than retention.ms (7 days by default) at every check (every 5 minutes), the active one
    too: records stamped in 2024 were deleted under a running test, which moved the log start under the read plan."""
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
