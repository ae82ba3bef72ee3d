"""Kafka IO for Beam on kafka-python: the read plan, the bounded read, offset commits and the producing sink.

Knows nothing of articles: records in are bytes with their coordinates, records out are key/value bytes.

The bounded read is planned once, on the launching process: per partition a start and a stop offset, captured at
launch, then cut into chunks that any runner spreads across workers. A chunk ends exactly at its stop offset, so a
backfill is reproducible while producers keep writing.

Kafka semantics first, broker quirks second: ``end_offsets`` is the high watermark on Apache Kafka, but some
Kafka-protocol brokers (the embedded Tansu among them) answer with the base offset of the last batch. The plan
therefore also reads the high watermark from a fetch response and takes the larger of the two, which is correct on
both. Likewise ``offsets_for_times`` results whose timestamp precedes the requested time (Tansu answers ``-1``
where Kafka answers ``None``) are treated as "no record at or after that time".
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterable, Iterator, Mapping, Sequence

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, NoOffsetForPartitionError, OffsetOutOfRangeError
from kafka.structs import OffsetAndMetadata

from presspipe.core.settings import KafkaSettings
from presspipe.pipelines.io import METRICS_NAMESPACE

log = logging.getLogger(__name__)


class KafkaIOError(RuntimeError):
    """The Kafka IO cannot do what was asked; the message says which topic/partition/offset and why."""


class OffsetBelowLogStartError(KafkaIOError):
    """A planned start offset is no longer in the log (retention removed it): a replay must not silently jump."""


class IncompleteReadError(KafkaIOError):
    """A partition stopped delivering records before its planned stop offset."""


@dataclass(frozen=True)
class KafkaRecord:
    """One consumed message with its coordinates; headers as (name, bytes) pairs in their original order."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    def header_map(self) -> dict[str, bytes]:
        return {name: value for name, value in self.headers}


@dataclass(frozen=True)
class PartitionRange:
    """Offsets ``[start, stop)`` of one partition."""

    topic: str
    partition: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return max(0, self.stop - self.start)

    def split(self, max_records: int) -> list["PartitionRange"]:
        return [replace(self, start=offset, stop=min(offset + max_records, self.stop))
                for offset in range(self.start, self.stop, max_records)]


@dataclass(frozen=True)
class ReadPlan:
    """The bounded read, fixed at launch: what will be read and, for committing, where each partition ends."""

    ranges: tuple[PartitionRange, ...]

    @property
    def total(self) -> int:
        return sum(r.size for r in self.ranges)

    def chunks(self, max_records: int) -> list[tuple[PartitionRange, ...]]:
        """The plan cut into units of work: chunk ``k`` holds the ``k``-th piece (at most ``max_records``) of every
        partition, so one consumer fetches from several partitions per request, as a plain consumer does."""
        pieces = [r.split(max_records) for r in self.ranges if r.size]
        depth = max((len(split) for split in pieces), default=0)
        return [tuple(split[k] for split in pieces if k < len(split)) for k in range(depth)]

    def tag(self) -> str:
        """A short name for exactly this set of ranges: output files of the same range get the same names."""
        material = ",".join(f"{r.topic}:{r.partition}:{r.start}-{r.stop}" for r in self.ranges)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:12]

    def stop_offsets(self) -> dict[tuple[str, int], int]:
        return {(r.topic, r.partition): r.stop for r in self.ranges}


#: Chunks planned per worker: more than one, so a worker that drew quick pages takes another chunk instead of idling
#: while another works through slow ones (extraction time varies tenfold between pages).
CHUNKS_PER_WORKER = 4
#: Chunks planned at least, for runners that do not say how many workers they have (Prism, a Flink cluster's default
#: parallelism): a chunk costs one seek and fetch, so a few too many is cheap, too few idles workers.
MIN_PLANNED_CHUNKS = 16
#: Records of one partition in one chunk at most (a chunk is read by one consumer in one bundle).
MAX_CHUNK_RECORDS = 2000


def chunk_records_for(plan: ReadPlan, workers: int | None, *, chunks_per_worker: int = CHUNKS_PER_WORKER,
                      min_chunks: int = MIN_PLANNED_CHUNKS, max_records: int = MAX_CHUNK_RECORDS) -> int:
    """Records per partition piece so that ``plan`` splits into ``max(workers × chunks_per_worker, min_chunks)``
    chunks where it has the records for them (a chunk holds the k-th piece of every partition, so the deepest
    partition sets the number of chunks); never above ``max_records``."""
    deepest = max((r.size for r in plan.ranges), default=0)
    target = max((workers or 1) * chunks_per_worker, min_chunks)
    return max(1, min(max_records, math.ceil(deepest / target))) if deepest else max_records


def check_parallelism(chunk_count: int, workers: int | None, total: int, chunk_records: int) -> str | None:
    """A warning when the plan has fewer chunks than workers (some would idle), saying why; None otherwise."""
    if workers is None or workers <= 1 or chunk_count >= workers or total == 0:
        return None
    reason = (f"only {total} records to read" if chunk_records <= math.ceil(total / workers)
              else f"--chunk_records {chunk_records} makes chunks too large; try --chunk_records "
                   f"{max(1, total // (workers * CHUNKS_PER_WORKER))} or leave it unset")
    return (f"the read plan has {chunk_count} chunk(s) for {workers} workers: {workers - chunk_count} worker(s) "
            f"will have nothing to read ({reason})")


@dataclass(frozen=True)
class StartPosition:
    """Where a bounded read starts: one of ``earliest``, ``latest``, ``committed`` (of ``group``), ``offsets``
    (explicit per partition, others from ``earliest``) or ``since`` (first record at or after a time)."""

    kind: str = "earliest"
    group: str | None = None
    offsets: Mapping[tuple[str, int], int] = field(default_factory=dict)
    since: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("earliest", "latest", "committed", "offsets", "since"):
            raise ValueError(f"unknown start position {self.kind!r}")
        if self.kind == "committed" and not self.group:
            raise ValueError("start from committed offsets needs a consumer group")
        if self.kind == "since" and self.since is None:
            raise ValueError("start 'since' needs a time")


def parse_explicit_offsets(specs: Iterable[str]) -> dict[tuple[str, int], int]:
    """``topic:partition:offset`` strings → {(topic, partition): offset}."""
    offsets = {}
    for spec in specs:
        parts = spec.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise ValueError(f"expected TOPIC:PARTITION:OFFSET, got {spec!r}")
        topic = parts[0]
        offsets[(topic, int(parts[1]))] = int(parts[2])
    return offsets


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


#: Bytes the bounded read asks for per partition and fetch: Kafka's own default. kafka-python sends the next fetch for
#: a partition only once its buffer is drained, and a chunk that seeks throws away what is buffered. Measured on one
#: worker's plan (16 chunks), ChunkReader alone, median of 5 (benchmarks/kafka_read.py's topic and a copy of it):
#: 50,000 3 KB records read in 4.8 s at 16 MB, 1.30 s at 2 MB, 1.14 s at 1 MB, 1.02 s at 512 KB; 600 records of
#: 264 KB (the median raw record of the real news pages) in 0.82 s at 2 MB, 0.67 s at 1 MB, 0.89 s at 512 KB. A
#: record larger than this still arrives: the broker returns the first record batch of a partition whole.
BOUNDED_READ_FETCH_BYTES = 1024 * 1024


def new_consumer(settings: KafkaSettings, **overrides) -> KafkaConsumer:
    options = {"enable_auto_commit": False, "auto_offset_reset": "none", "consumer_timeout_ms": 1000,
               "max_partition_fetch_bytes": 16 * 1024 * 1024, "fetch_max_bytes": 64 * 1024 * 1024}
    options.update(overrides)
    return KafkaConsumer(**settings.client_kwargs(), **options)


def new_bounded_read_consumer(settings: KafkaSettings, **overrides) -> KafkaConsumer:
    """The consumer that reads planned chunks (:func:`read_ranges`): partition fetches of
    ``BOUNDED_READ_FETCH_BYTES``."""
    return new_consumer(settings, **{"max_partition_fetch_bytes": BOUNDED_READ_FETCH_BYTES, **overrides})


def topic_partitions(consumer: KafkaConsumer, topic: str, timeout_s: float = 30.0) -> list[TopicPartition]:
    deadline = time.monotonic() + timeout_s
    while True:
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        if time.monotonic() > deadline:
            raise KafkaIOError(f"topic {topic!r} does not exist or has no partitions")
        time.sleep(0.2)


def high_watermarks(consumer: KafkaConsumer, partitions: Sequence[TopicPartition],
                    reported_end: Mapping[TopicPartition, int], timeout_s: float = 5.0) -> dict[TopicPartition, int]:
    """The end of each partition: the larger of ``end_offsets`` and the high watermark a fetch response carries."""
    consumer.assign(list(partitions))
    for tp in partitions:
        consumer.seek(tp, reported_end[tp])
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(consumer.highwater(tp) is None for tp in partitions):
        consumer.poll(timeout_ms=200, max_records=1, update_offsets=False)
    ends = {tp: max(reported_end[tp], consumer.highwater(tp) or 0) for tp in partitions}
    consumer.unsubscribe()
    return ends


def _offsets_at(consumer: KafkaConsumer, partitions: Sequence[TopicPartition], moment: datetime,
                beginning: Mapping[TopicPartition, int], end: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
    """First offset whose record timestamp is at or after ``moment``; the end offset when there is none.

    The broker's ``offsets_for_times`` answer is checked against the records themselves (the record at the answer
    must be at or after the time, the one before it earlier). A broker that indexes by append time instead of the
    records' create time fails that check, and the offset is then found by binary search over record timestamps.
    """
    target = _millis(moment)
    found = consumer.offsets_for_times({tp: target for tp in partitions})
    result = {}
    for tp in partitions:
        answer = found.get(tp)
        has_record = answer is not None and answer.timestamp is not None and answer.timestamp >= target
        candidate = min(answer.offset, end[tp]) if has_record else end[tp]
        if not _is_first_at_or_after(consumer, tp, candidate, target, beginning[tp], end[tp]):
            log.info("offsets_for_times answer does not match record timestamps; searching",
                     extra={"topic": tp.topic, "partition": tp.partition})
            candidate = _search_first_at_or_after(consumer, tp, target, beginning[tp], end[tp])
        result[tp] = candidate
    consumer.unsubscribe()
    return result


def _timestamp_at(consumer: KafkaConsumer, tp: TopicPartition, offset: int, timeout_s: float = 10.0) -> int:
    """Timestamp of the first record at or after ``offset`` (offsets may have gaps)."""
    consumer.assign([tp])
    consumer.seek(tp, offset)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in consumer.poll(timeout_ms=300, max_records=50).get(tp, []):
            if message.offset >= offset:
                return message.timestamp
    raise IncompleteReadError(f"{tp.topic}:{tp.partition} returned no record at offset {offset}")


def _is_first_at_or_after(consumer: KafkaConsumer, tp: TopicPartition, offset: int, target: int, beginning: int,
                          end: int) -> bool:
    if offset < end and _timestamp_at(consumer, tp, offset) < target:
        return False
    return offset <= beginning or _timestamp_at(consumer, tp, offset - 1) < target


def _search_first_at_or_after(consumer: KafkaConsumer, tp: TopicPartition, target: int, low: int, high: int) -> int:
    """Binary search over ``[low, high)`` assuming timestamps that do not decrease along the partition."""
    while low < high:
        middle = (low + high) // 2
        if _timestamp_at(consumer, tp, middle) < target:
            low = middle + 1
        else:
            high = middle
    return low


#: Plans attempted when retention removes records while the plan probes them.
PLAN_ATTEMPTS = 3


def plan_bounded_read(settings: KafkaSettings, topic: str, start: StartPosition = StartPosition(),
                      until: datetime | None = None) -> ReadPlan:
    """Resolve start and stop offsets for every partition of ``topic``, once, at launch.

    The log start is read first; a time (``--since``, ``--until``) is then resolved by fetching records. Retention
    may remove records in between (it deletes whole segments, the active one too, once they are older than
    ``retention.ms``; DeleteRecords does the same at once): a probe below the new log start is out of range. Every
    probe is below the end, so an out-of-range probe means records were removed under the plan, and the plan is made
    again from the log start the broker reports then.

    Raises:
        OffsetBelowLogStartError: an explicit or committed start offset that retention has already removed.
        KafkaIOError: the topic does not exist.
    """
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        try:
            partitions, beginning, starts, stop = _plan_offsets(settings, topic, start, until)
            break
        except OffsetOutOfRangeError as error:
            if attempt == PLAN_ATTEMPTS:
                raise KafkaIOError(f"cannot plan the read of {topic!r}: retention kept removing the records the plan "
                                   f"probed ({PLAN_ATTEMPTS} attempts): {error}") from error
            log.warning("records of %s were removed (retention) while the read was planned; planning again: %s",
                        topic, error, extra={"topic": topic, "attempt": attempt})
    ranges = []
    for tp in partitions:
        if starts[tp] < beginning[tp]:
            raise OffsetBelowLogStartError(
                f"{tp.topic}:{tp.partition} start offset {starts[tp]} is below the log start {beginning[tp]}; "
                f"those records are gone (retention) -- choose a start at or after {beginning[tp]}")
        ranges.append(PartitionRange(tp.topic, tp.partition, starts[tp], max(starts[tp], stop[tp])))
    plan = ReadPlan(tuple(ranges))
    log.info("read plan", extra={"topic": topic, "records": plan.total,
                                 "ranges": [(r.partition, r.start, r.stop) for r in plan.ranges]})
    return plan


PLANNING_FETCH_WAIT_MS = 10


def _plan_offsets(settings: KafkaSettings, topic: str, start: StartPosition, until: datetime | None):
    """One attempt of :func:`plan_bounded_read`: (partitions, log start, start, stop offsets), on a consumer of its
    own (a failed attempt leaves fetches in flight). ``OffsetOutOfRangeError`` passes through for a retry."""
    try:
        # The high-watermark fetch asks at the end of the log, where the broker would hold the answer for the
        # default fetch wait (500 ms) hoping for new records: planning wants the answer, not records.
        consumer = new_consumer(settings, fetch_max_wait_ms=PLANNING_FETCH_WAIT_MS)
    except KafkaError as error:
        raise KafkaIOError(f"cannot reach Kafka at {settings.bootstrap_servers}: {error}") from error
    try:
        partitions = topic_partitions(consumer, topic)
        beginning = consumer.beginning_offsets(partitions)
        end = high_watermarks(consumer, partitions, consumer.end_offsets(partitions))
        stop = _offsets_at(consumer, partitions, until, beginning, end) if until else end
        starts = _start_offsets(settings, consumer, partitions, start, beginning, end)
    except OffsetOutOfRangeError:
        raise
    except KafkaError as error:
        raise KafkaIOError(f"cannot plan the read of {topic!r} at {settings.bootstrap_servers}: {error}") from error
    finally:
        consumer.close()
    return partitions, beginning, starts, stop


def _start_offsets(settings: KafkaSettings, consumer: KafkaConsumer, partitions: Sequence[TopicPartition],
                   start: StartPosition, beginning: Mapping[TopicPartition, int],
                   end: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
    if start.kind == "earliest":
        return dict(beginning)
    if start.kind == "latest":
        return dict(end)
    if start.kind == "since":
        return _offsets_at(consumer, partitions, start.since, beginning, end)
    if start.kind == "offsets":
        unknown = set(start.offsets) - {(tp.topic, tp.partition) for tp in partitions}
        if unknown:
            raise KafkaIOError(f"explicit offsets name partitions that do not exist: {sorted(unknown)}")
        return {tp: start.offsets.get((tp.topic, tp.partition), beginning[tp]) for tp in partitions}
    group_consumer = new_consumer(settings, group_id=start.group)
    try:
        committed = {tp: group_consumer.committed(tp) for tp in partitions}
    finally:
        group_consumer.close()
    # A partition the group never committed starts at the beginning, like auto.offset.reset=earliest.
    return {tp: beginning[tp] if committed[tp] is None else committed[tp] for tp in partitions}


def commit_offsets(settings: KafkaSettings, group: str, offsets: Mapping[tuple[str, int], int]) -> None:
    """Commit ``offsets`` (the next offset to read, per partition) for ``group``.

    Called only after everything before those offsets was durably written or dead-lettered (at-least-once).
    """
    if not offsets:
        return
    consumer = new_consumer(settings, group_id=group)
    try:
        consumer.commit({TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
                         for (topic, partition), offset in offsets.items()})
    except KafkaError as error:
        raise KafkaIOError(f"commit of {dict(offsets)} for group {group!r} failed: {error}") from error
    finally:
        consumer.close()


def committed_offsets(settings: KafkaSettings, group: str, topic: str) -> dict[int, int | None]:
    consumer = new_consumer(settings, group_id=group)
    try:
        return {tp.partition: consumer.committed(tp) for tp in topic_partitions(consumer, topic)}
    finally:
        consumer.close()


def to_record(message) -> KafkaRecord:
    # Positional, and no generator for the usual empty headers: half the cost per record of the keyword form.
    headers = message.headers
    return KafkaRecord(message.topic, message.partition, message.offset, message.timestamp, message.key,
                       message.value, tuple((name, value or b"") for name, value in headers) if headers else ())


def poll_from(consumer: KafkaConsumer, topic: str, partition: int, start: int, max_records: int = 500,
              timeout_ms: int = 200) -> list[KafkaRecord]:
    """What the partition holds from ``start`` on, up to ``max_records``, in one fetch (empty when caught up).

    Raises:
        OffsetBelowLogStartError: ``start`` is no longer in the log.
    """
    tp = TopicPartition(topic, partition)
    if consumer.assignment() != {tp}:
        consumer.assign([tp])
    consumer.seek(tp, start)
    try:
        batch = consumer.poll(timeout_ms=timeout_ms, max_records=max_records).get(tp, [])
    except (OffsetOutOfRangeError, NoOffsetForPartitionError) as error:
        raise OffsetBelowLogStartError(f"{topic}:{partition} offset {start} is out of range: {error}") from error
    return [to_record(message) for message in batch if message.offset >= start]


#: Bytes of records past a chunk's stop the reader keeps for the next chunk, per partition (about one fetch): a
#: partition that has that much in hand leaves the consumer's assignment until a chunk needs more of it.
CARRY_BYTES = BOUNDED_READ_FETCH_BYTES


@dataclass
class _Carry:
    """What a reader holds of one partition after a chunk: where the chunk stopped, the records already taken from
    the consumer at or past that stop, in offset order, and -- when the partition left the assignment -- the offset
    the consumer stood at (``None``: still assigned, its position is the next offset)."""

    stop: int
    ahead: list[KafkaRecord]
    resume_at: int | None


def _held_bytes(records: Iterable[KafkaRecord]) -> int:
    return sum(len(record.value or b"") + len(record.key or b"") for record in records)


def _assign(consumer: KafkaConsumer, partitions: set[TopicPartition]) -> None:
    """Exactly ``partitions``; those assigned before keep their positions and fetched buffers (kafka-python)."""
    if partitions:
        consumer.assign(list(partitions))
    else:
        consumer.unsubscribe()


class ChunkReader:
    """Reads planned chunks on one consumer, one after another, as a worker does.

    Every chunk is read exactly (see :meth:`read`); the reader only changes what it costs. A chunk that starts where
    the previous chunk of the same partition stopped continues from what the consumer has already fetched: the
    partition stays assigned at its position (no seek, so its buffered fetch is kept), and the records the last polls
    returned past the stop are kept for it (at most about ``CARRY_BYTES`` per partition). Any other chunk seeks.
    A read that fails or is abandoned keeps nothing.
    """

    def __init__(self, consumer: KafkaConsumer, idle_timeout_s: float = 30.0, max_records: int = 2000):
        self.consumer = consumer
        self.idle_timeout_s = idle_timeout_s
        self.max_records = max_records
        self._carried: dict[TopicPartition, _Carry] = {}

    def read(self, ranges: Sequence[PartitionRange]) -> Iterator[KafkaRecord]:
        """Every record of ``ranges`` (at most one per partition), each partition in offset order, ending exactly
        at its stop offset. Gaps (compaction, transaction markers) are skipped by following the consumer's position.

        What was carried is taken at the start and carried again only once the read is complete: a read that
        fails or is abandoned half way (a bundle failing downstream) leaves nothing to continue from.

        Raises:
            OffsetBelowLogStartError: a start is no longer in the log.
            IncompleteReadError: no progress for ``idle_timeout_s`` before reaching every stop offset.
        """
        consumer = self.consumer
        chunk = {TopicPartition(r.topic, r.partition): r for r in ranges if r.size}
        carried, self._carried = self._carried, {}
        assigned = consumer.assignment()
        positions = {tp: r.start for tp, r in chunk.items()}  # below it, every record was yielded or is a gap
        ahead: dict[TopicPartition, list[KafkaRecord]] = {tp: [] for tp in chunk}  # taken, at or past the stop
        resume_at: dict[TopicPartition, int] = {}  # where the consumer must stand for a partition it fetches
        for tp, r in chunk.items():
            carry = carried.get(tp)
            if carry is None or carry.stop != r.start or (carry.resume_at is None and tp not in assigned):
                resume_at[tp] = r.start
                continue
            for index, record in enumerate(carry.ahead):
                if record.offset >= r.stop:
                    ahead[tp] = carry.ahead[index:]
                    break
                positions[tp] = record.offset + 1
                yield record
            if carry.resume_at is not None:
                resume_at[tp] = carry.resume_at
        held = {tp: _held_bytes(records) for tp, records in ahead.items()}
        fetching = {tp for tp in chunk if held[tp] < CARRY_BYTES}
        if fetching != assigned:
            _assign(consumer, fetching)
        for tp in fetching:
            if tp in resume_at:
                consumer.seek(tp, resume_at[tp])
        pending = dict(chunk)
        last_progress = time.monotonic()
        while True:
            for tp in list(pending):
                if not ahead[tp]:  # a record past the stop in hand means every record before it was yielded
                    positions[tp] = max(positions[tp], consumer.position(tp))
                if ahead[tp] or positions[tp] >= pending[tp].stop:
                    del pending[tp]
            full = [tp for tp in fetching if tp not in pending and held[tp] >= CARRY_BYTES]
            if full:
                # A finished partition leaves the assignment (the others keep their positions and buffers). Not
                # pause(): kafka-python (3.0.12) keeps a paused partition's buffered fetch at the head of its queue
                # and then returns nothing for the other partitions of the chunk, which stalled bounded reads.
                for tp in full:
                    resume_at[tp] = consumer.position(tp)
                fetching.difference_update(full)
                _assign(consumer, fetching)
            if not pending:
                break
            try:
                batches = consumer.poll(timeout_ms=500, max_records=self.max_records)
            except (OffsetOutOfRangeError, NoOffsetForPartitionError) as error:
                raise OffsetBelowLogStartError(f"a planned offset is out of range: {error}") from error
            for tp, messages in batches.items():
                r = pending.get(tp)
                if r is None:  # finished, still fetching: what arrives belongs to the next chunk of the partition
                    if tp in ahead:
                        taken = [to_record(message) for message in messages]
                        ahead[tp].extend(taken)
                        held[tp] += _held_bytes(taken)
                    continue
                stop, position = r.stop, positions[tp]
                for index, message in enumerate(messages):
                    if message.offset >= stop:
                        taken = [to_record(later) for later in messages[index:]]
                        ahead[tp].extend(taken)
                        held[tp] += _held_bytes(taken)
                        break
                    if message.offset >= position:
                        position = message.offset + 1
                        yield to_record(message)
                positions[tp] = position
            if batches:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > self.idle_timeout_s:
                stalled = ", ".join(f"{tp.topic}:{tp.partition} at {positions[tp]} (stop {r.stop})"
                                    for tp, r in pending.items())
                raise IncompleteReadError(f"no records for {self.idle_timeout_s:.0f}s: {stalled}")
        self._carried = {tp: _Carry(r.stop, ahead[tp], None if tp in fetching else resume_at.get(tp))
                         for tp, r in chunk.items()}


def read_ranges(consumer: KafkaConsumer, ranges: Sequence[PartitionRange], idle_timeout_s: float = 30.0,
                max_records: int = 2000) -> Iterator[KafkaRecord]:
    """One chunk on its own (:meth:`ChunkReader.read`); the consumer leaves every partition at the end."""
    yield from ChunkReader(consumer, idle_timeout_s, max_records).read(ranges)
    consumer.unsubscribe()


class _ReadRangeFn(beam.DoFn):
    """Reads planned chunks; one consumer per worker, created in ``setup`` so nothing open is pickled."""

    def __init__(self, settings: KafkaSettings, idle_timeout_s: float):
        self.settings = settings
        self.idle_timeout_s = idle_timeout_s
        self._records_read = Metrics.counter(METRICS_NAMESPACE, "records_read")

    def setup(self) -> None:
        self._consumer = new_bounded_read_consumer(self.settings)
        self._reader = ChunkReader(self._consumer, self.idle_timeout_s)

    def process(self, chunk: tuple[PartitionRange, ...]) -> Iterator[KafkaRecord]:
        count = 0
        for record in self._reader.read(chunk):
            count += 1
            yield record
        self._records_read.inc(count)  # once per chunk: a failed chunk fails its bundle, whose counts are dropped

    def teardown(self) -> None:
        consumer = getattr(self, "_consumer", None)
        if consumer is not None:
            consumer.close()


class ReadFromKafkaBounded(beam.PTransform):
    """Reads a launch-time ``ReadPlan``; chunks are reshuffled so any runner spreads them across workers.

    ``chunk_records`` None (the default) plans the chunks from ``workers`` and the plan's size
    (:func:`chunk_records_for`); a plan that leaves workers without a chunk is logged as a warning.
    """

    def __init__(self, settings: KafkaSettings, plan: ReadPlan, chunk_records: int | None = None,
                 idle_timeout_s: float = 30.0, workers: int | None = None):
        super().__init__()
        self.settings = settings
        self.plan = plan
        self.chunk_records = chunk_records or chunk_records_for(plan, workers)
        self.idle_timeout_s = idle_timeout_s
        self.workers = workers

    def expand(self, pbegin):
        chunks = self.plan.chunks(self.chunk_records)
        log.info("read plan: %d records in %d chunks of at most %d records per partition for %s workers",
                 self.plan.total, len(chunks), self.chunk_records, self.workers or "an unknown number of",
                 extra={"records": self.plan.total, "chunks": len(chunks), "chunk_records": self.chunk_records,
                        "workers": self.workers})
        warning = check_parallelism(len(chunks), self.workers, self.plan.total, self.chunk_records)
        if warning:
            log.warning(warning, extra={"chunks": len(chunks), "workers": self.workers})
        return (pbegin
                | "PlannedChunks" >> beam.Create(chunks)
                | "SpreadChunks" >> beam.Reshuffle()
                | "ReadChunk" >> beam.ParDo(_ReadRangeFn(self.settings, self.idle_timeout_s)))


def new_producer(settings: KafkaSettings) -> KafkaProducer:
    return KafkaProducer(acks="all", retries=5, linger_ms=10, max_request_size=16 * 1024 * 1024,
                         **settings.client_kwargs())


class _ProduceFn(beam.DoFn):
    """Sends key/value pairs with acks=all; ``finish_bundle`` waits for every future and fails the bundle if any
    send failed, so the runner retries it and no offset past it is committed.

    An element may carry a third item, an acknowledgement token; it is emitted (in the element's window) once the
    broker acknowledged the send, which is what offset commits in streaming mode wait for.
    """

    def __init__(self, settings: KafkaSettings, topic: str, counter_name: str):
        self.settings = settings
        self.topic = topic
        self.counter_name = counter_name
        self._sent = Metrics.counter(METRICS_NAMESPACE, counter_name)

    def setup(self) -> None:
        self._producer = new_producer(self.settings)

    def start_bundle(self) -> None:
        self._pending = []

    def process(self, element: tuple, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam):
        # No return annotation: Beam reads one as the output type, and this DoFn emits only from finish_bundle.
        key, value, *token = element
        try:
            future = self._producer.send(self.topic, key=key, value=value)
        except (KafkaError, ValueError, AssertionError) as error:  # refused before sending: fail the bundle, named
            raise KafkaIOError(f"cannot send to {self.topic!r}: {type(error).__name__}: {error}") from error
        self._pending.append((future, token[0] if token else None, timestamp, window))

    def finish_bundle(self):
        self._producer.flush()
        failures, acknowledged = [], []
        for future, token, timestamp, window in self._pending:
            try:
                future.get(timeout=60)
            except KafkaError as error:
                failures.append(error)
            else:
                if token is not None:
                    acknowledged.append(WindowedValue(token, timestamp, [window]))
        total, self._pending = len(self._pending), []
        if failures:
            raise KafkaIOError(f"{len(failures)} of {total} sends to {self.topic!r} failed; "
                               f"first: {type(failures[0]).__name__}: {failures[0]}")
        # Counted only for a bundle whose every send the broker acknowledged: the counter is what this sink made
        # durable, and the run's balance (read = written + dead-lettered) is checked against it.
        self._sent.inc(total)
        yield from acknowledged

    def teardown(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=30)


class WriteToKafka(beam.PTransform):
    """Writes (key bytes, value bytes[, token]) to a topic; a failed send fails the bundle, never just a log line.

    The output holds the tokens of acknowledged sends."""

    def __init__(self, settings: KafkaSettings, topic: str, counter_name: str = "kafka_sent"):
        super().__init__()
        self.settings = settings
        self.topic = topic
        self.counter_name = counter_name

    def expand(self, pcoll):
        return pcoll | beam.ParDo(_ProduceFn(self.settings, self.topic, self.counter_name))


def create_topics(settings: KafkaSettings, names: Iterable[str], partitions: int = 1,
                  replication_factor: int = 1) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    try:
        admin = KafkaAdminClient(**settings.client_kwargs())
    except KafkaError as error:
        raise KafkaIOError(f"cannot reach Kafka at {settings.bootstrap_servers}: {error}") from error
    try:
        existing = set(admin.list_topics())
        wanted = [name for name in dict.fromkeys(names) if name not in existing]
        created = []
        for name in wanted:
            try:
                admin.create_topics([NewTopic(name, partitions, replication_factor)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created
    except KafkaError as error:
        raise KafkaIOError(f"cannot create topics at {settings.bootstrap_servers}: {error}") from error
    finally:
        admin.close()
