"""A bounded read of chunks whose partitions finish at different times, on one consumer (as a Beam worker reads them).

Partitions of a chunk reach their stop offsets one after another; the finished ones must stop being fetched without
starving the others. Pausing them did (kafka-python 3.0.12 then returned nothing more for the rest of the chunk): a
read of 16,000 3 KB records stalled in its second chunk with ``IncompleteReadError``.
"""

from __future__ import annotations

import uuid

import pytest

from presspipe.pipelines.io.kafka import create_topics, new_consumer, new_producer, plan_bounded_read, read_ranges

pytestmark = pytest.mark.integration

SIZES = {0: 3985, 1: 3988, 2: 4010, 3: 4017}  # unequal: the partitions of the last chunks end at different offsets


def test_every_record_of_every_chunk_arrives_when_partitions_finish_apart(kafka_settings):
    topic = f"chunks-{uuid.uuid4().hex[:8]}"
    create_topics(kafka_settings, [topic], partitions=len(SIZES))
    producer = new_producer(kafka_settings)
    futures = [producer.send(topic, value=index.to_bytes(4, "big") + bytes(3000), partition=partition)
               for partition, size in SIZES.items() for index in range(size)]
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    producer.close()
    plan = plan_bounded_read(kafka_settings, topic)
    consumer = new_consumer(kafka_settings)
    try:
        records = [record for chunk in plan.chunks(2000) for record in read_ranges(consumer, chunk, idle_timeout_s=10)]
    finally:
        consumer.close()
    for partition, size in SIZES.items():
        mine = [record for record in records if record.partition == partition]
        assert [record.offset for record in mine] == list(range(size))
        assert [int.from_bytes(record.value[:4], "big") for record in mine] == list(range(size))
