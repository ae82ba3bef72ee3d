"""A bounded read of chunks whose partitions finish at different times, on one consumer (as a Beam worker reads them).

Partitions of a chunk reach their stop offsets one after another; the finished ones must stop being fetched without
starving the others. Pausing them did (kafka-python 3.0.12 then returned nothing more for the rest of the chunk): a
read of 16,000 3 KB records stalled in its second chunk with ``IncompleteReadError``.

A worker reads its chunks with one ``ChunkReader``, which continues a partition from what the consumer already
fetched when a chunk starts where the previous one stopped: the records must be exactly the same whatever order the
chunks come in, whether the records past a stop were kept (small pieces) or the partition left the assignment once
it had a fetch in hand (large pieces), across transaction markers (offsets without a record), and after a chunk was
abandoned half way.
"""

from __future__ import annotations

import random
import uuid

import pytest
from kafka import KafkaProducer, TopicPartition

from presspipe.pipelines.io.kafka import ChunkReader, PartitionRange, create_topics, new_bounded_read_consumer, new_consumer, \
    new_producer, plan_bounded_read, read_ranges

pytestmark = pytest.mark.integration

SIZES = {0: 3985, 1: 3988, 2: 4010, 3: 4017}  # unequal: the partitions of the last chunks end at different offsets


@pytest.fixture(scope="module")
def unequal_plan(kafka_settings):
    """A 4-partition topic of 3 KB records (the first 4 bytes: the record's number in its partition) and its plan."""
    topic = f"chunks-{uuid.uuid4().hex[:8]}"
    create_topics(kafka_settings, [topic], partitions=len(SIZES))
    producer = new_producer(kafka_settings)
    futures = [producer.send(topic, value=index.to_bytes(4, "big") + bytes(3000), partition=partition)
               for partition, size in SIZES.items() for index in range(size)]
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    producer.close()
    return plan_bounded_read(kafka_settings, topic)


def assert_every_record_once_in_order(records) -> None:
    for partition, size in SIZES.items():
        mine = [record for record in records if record.partition == partition]
        assert [record.offset for record in mine] == list(range(size))
        assert [int.from_bytes(record.value[:4], "big") for record in mine] == list(range(size))


def assert_chunk_read_exactly(chunk, records) -> None:
    """Each partition of ``chunk`` from its start to its stop, in order (the topic has no gaps: a record's number
    is its offset), and nothing of another partition."""
    assert {record.partition for record in records} <= {r.partition for r in chunk}
    for r in chunk:
        mine = [record for record in records if record.partition == r.partition]
        assert [record.offset for record in mine] == list(range(r.start, r.stop)), (r.partition, r.start, r.stop)
        assert [int.from_bytes(record.value[:4], "big") for record in mine] == list(range(r.start, r.stop))


def ordered(chunks: list, order: str) -> list:
    if order == "reversed":
        return chunks[::-1]
    if order == "shuffled":
        return random.Random(7).sample(chunks, len(chunks))
    return chunks


def test_every_record_of_every_chunk_arrives_when_partitions_finish_apart(kafka_settings, unequal_plan):
    consumer = new_consumer(kafka_settings)
    try:
        records = [record for chunk in unequal_plan.chunks(2000)
                   for record in read_ranges(consumer, chunk, idle_timeout_s=10)]
    finally:
        consumer.close()
    assert_every_record_once_in_order(records)


# Pieces of 150 records (450 KB, less than a fetch) and 2000 (6 MB, several fetches): chunk boundaries fall inside
# a fetched buffer or between fetches.
@pytest.mark.parametrize("piece", [150, 2000])
@pytest.mark.parametrize("order", ["plan", "reversed", "shuffled"])
def test_one_reader_reads_chunk_after_chunk_exactly_in_any_order(kafka_settings, unequal_plan, piece, order):
    consumer = new_bounded_read_consumer(kafka_settings)
    reader = ChunkReader(consumer, idle_timeout_s=10)
    chunks = ordered(unequal_plan.chunks(piece), order)
    try:
        for chunk in chunks:
            assert_chunk_read_exactly(chunk, list(reader.read(chunk)))
    finally:
        consumer.close()


def test_a_partition_that_finishes_early_carries_what_it_fetched_meanwhile(kafka_settings, unequal_plan):
    """Chunk 0 holds 100 records of partition 0 and 3000 of partition 1: partition 0 finishes first and keeps
    fetching while partition 1 is read, until it has a fetch in hand and leaves the assignment; chunk 1 continues
    both, partition 0 from what it carried and then from where its consumer stood."""
    topic = unequal_plan.ranges[0].topic
    chunks = [(PartitionRange(topic, 0, 0, 100), PartitionRange(topic, 1, 0, 3000)),
              (PartitionRange(topic, 0, 100, SIZES[0]), PartitionRange(topic, 1, 3000, SIZES[1]))]
    consumer = new_bounded_read_consumer(kafka_settings)
    reader = ChunkReader(consumer, idle_timeout_s=10)
    try:
        assert_chunk_read_exactly(chunks[0], list(reader.read(chunks[0])))
        assert consumer.assignment() == {TopicPartition(topic, 1)}, "partition 0 left once it had a fetch in hand"
        assert_chunk_read_exactly(chunks[1], list(reader.read(chunks[1])))
    finally:
        consumer.close()


def test_a_chunk_abandoned_half_way_is_read_again_in_full(kafka_settings, unequal_plan):
    """Chunk 1 is abandoned after 700 of its 2000 records (as when a bundle fails downstream of the read), then
    read again: what chunk 0 carried for it was used up by the abandoned read and must not be used twice."""
    consumer = new_bounded_read_consumer(kafka_settings)
    reader = ChunkReader(consumer, idle_timeout_s=10)
    chunks = unequal_plan.chunks(500)
    try:
        assert_chunk_read_exactly(chunks[0], list(reader.read(chunks[0])))
        abandoned = reader.read(chunks[1])
        for _ in range(700):
            next(abandoned)
        abandoned.close()
        for chunk in chunks[1:]:
            assert_chunk_read_exactly(chunk, list(reader.read(chunk)))
    finally:
        consumer.close()


def test_chunks_that_stop_at_transaction_markers_continue_exactly(kafka_settings):
    """Six transactions of three records: offsets 0-2, marker 3, 4-6, marker 7 ... up to the marker at 23. Pieces of
    1 to 5 offsets start and stop on markers (a piece of 1 may hold a marker and no record at all)."""
    topic = f"markers-{uuid.uuid4().hex[:8]}"
    create_topics(kafka_settings, [topic], partitions=1)
    producer = KafkaProducer(transactional_id=f"tx-{topic}", acks="all", **kafka_settings.client_kwargs())
    try:
        producer.init_transactions()
        for transaction in range(6):
            producer.begin_transaction()
            for index in range(3):
                producer.send(topic, value=b"r%d" % (transaction * 3 + index), partition=0)
            producer.commit_transaction()
    finally:
        producer.close()
    plan = plan_bounded_read(kafka_settings, topic)
    assert [(r.start, r.stop) for r in plan.ranges] == [(0, 24)]
    expected = [(offset, b"r%d" % (offset - offset // 4)) for offset in range(24) if offset % 4 != 3]
    for piece in range(1, 6):
        for order in ("plan", "reversed"):
            consumer = new_bounded_read_consumer(kafka_settings)
            reader = ChunkReader(consumer, idle_timeout_s=10)
            try:
                records = [record for chunk in ordered(plan.chunks(piece), order) for record in reader.read(chunk)]
            finally:
                consumer.close()
            assert sorted((record.offset, record.value) for record in records) == expected, (piece, order)
