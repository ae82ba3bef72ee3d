"""Unbounded Kafka read for Beam streaming, and the at-least-once commit of progress.

``ReadFromKafkaStreaming`` is a splittable DoFn that follows each partition of the topic (listed at launch) from its
start offset for ever, claiming offsets from an ``OffsetRestrictionTracker``, with a watermark taken from record
timestamps that moves on when the partition is idle and caught up, so an idle partition never holds the pipeline
back. Partitions added later are read after a restart (the job resumes from committed offsets); the local
micro-batch mode (``presspipe.pipelines.ingest.run_micro_batches``) picks them up at its next batch. A partition watcher as a
second splittable DoFn in front of the reader was tried: Beam's in-process engines cannot run two chained
unbounded splittable DoFns, so it could not be tested here and is not shipped.

Progress is committed by ``CommitDurableOffsets`` only once every output of a record acknowledged it: each sink
re-emits an ``Ack`` for what it made durable, the reader emits the chain of offsets it read (gaps from compaction or
transaction markers are part of the chain), and a stateful DoFn per partition advances the committed offset over the
contiguous prefix of fully acknowledged records. A crash replays at most what was not committed (at-least-once);
deterministic ids make the duplicates trivial to drop downstream.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.metrics import Metrics
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from presspipe.pipelines.io.kafka import METRICS_NAMESPACE, KafkaIOError, commit_offsets, committed_offsets, \
    high_watermarks, new_consumer, poll_from, topic_partitions
from presspipe.core.settings import KafkaSettings

log = logging.getLogger(__name__)

POSITIONS = "positions"
END_OF_TIME = sys.maxsize


@dataclass(frozen=True)
class PartitionDescriptor:
    topic: str
    partition: int


@dataclass(frozen=True)
class Position:
    """The reader read ``offset`` right after ``previous`` (None: the first record this reader read there)."""

    topic: str
    partition: int
    offset: int
    previous: int | None


@dataclass(frozen=True)
class Ack:
    """One output made the record at ``offset`` durable; the record is done after ``required`` acks."""

    topic: str
    partition: int
    offset: int
    required: int


# ---------------------------------------------------------------------------------------------- partition reader


@dataclass(frozen=True)
class StreamStart:
    """Where a partition's reader starts: the group's committed offset, else ``earliest`` or ``latest``."""

    reset: str = "earliest"
    group: str | None = None


def stream_start_offset(settings: KafkaSettings, start: StreamStart, topic: str, partition: int) -> int:
    """The first offset a reader of this partition reads; the committer starts its chain right before it."""
    tp = TopicPartition(topic, partition)
    consumer = new_consumer(settings, group_id=start.group)
    try:
        committed = consumer.committed(tp) if start.group else None
        if committed is not None:
            return committed
        if start.reset == "earliest":
            return consumer.beginning_offsets([tp])[tp]
        return high_watermarks(consumer, [tp], consumer.end_offsets([tp]))[tp]
    finally:
        consumer.close()


class CheckpointOnlyOffsetTracker(OffsetRestrictionTracker):
    """An offset tracker over ``[start, END_OF_TIME)`` that takes checkpoints but refuses fractional splits.

    A runner may split a running restriction at a fraction of what remains (Prism does, to balance a slow
    bundle); for a partition that is read for ever, half of ``[start, END_OF_TIME)`` is an offset near 2**62,
    and the reader given that residual fails with OffsetOutOfRange (seen on Prism: offset 4611686018427387905).
    One partition is one reader, so only checkpoints (fraction 0: the rest goes on later) make sense.
    """

    def try_split(self, fraction_of_remainder):
        if fraction_of_remainder != 0:
            return None
        return super().try_split(0)


def pin_latest_start(settings: KafkaSettings, group: str, partitions: list[PartitionDescriptor]) -> None:
    """Commit the current end of every partition the group has no offset for, once, at launch.

    The reader and the committer then both start from the group's offset. Looked up separately, "latest" would mean
    two different moments -- the reader's start and the committer's first event, which may come later -- and the
    committer could start past records the reader read but no sink has written yet.
    """
    topics = sorted({p.topic for p in partitions})
    try:
        committed = {(topic, partition): offset for topic in topics
                     for partition, offset in committed_offsets(settings, group, topic).items()}
        unset = [TopicPartition(p.topic, p.partition) for p in partitions
                 if committed.get((p.topic, p.partition)) is None]
        if not unset:
            return
        consumer = new_consumer(settings)
        try:
            ends = high_watermarks(consumer, unset, consumer.end_offsets(unset))
        finally:
            consumer.close()
    except KafkaError as error:
        raise KafkaIOError(f"cannot pin the start of {topics} for group {group!r} at {settings.bootstrap_servers}: "
                           f"{error}") from error
    commit_offsets(settings, group, {(tp.topic, tp.partition): offset for tp, offset in ends.items()})
    log.info("group %s starts at the current end: %s", group, {f"{tp.topic}:{tp.partition}": o for tp, o in ends.items()})


def stream_partitions(settings: KafkaSettings, topic: str) -> list[PartitionDescriptor]:
    """The topic's partitions now, looked up as the bounded read plans them (same errors: a missing topic is a
    KafkaIOError naming it, not a crash inside the runner)."""
    try:
        consumer = new_consumer(settings)
    except KafkaError as error:
        raise KafkaIOError(f"cannot reach Kafka at {settings.bootstrap_servers}: {error}") from error
    try:
        return [PartitionDescriptor(tp.topic, tp.partition) for tp in topic_partitions(consumer, topic)]
    except KafkaError as error:
        raise KafkaIOError(f"cannot list the partitions of {topic!r} at {settings.bootstrap_servers}: "
                           f"{error}") from error
    finally:
        consumer.close()


class _ReadPartitionFn(beam.DoFn, RestrictionProvider):
    """Follows one partition; each call reads what is there, then defers the rest for ``poll_interval_s``.

    The DoFn is its own restriction provider: the initial restriction ``[start, ∞)`` needs the Kafka settings.
    """

    def __init__(self, settings: KafkaSettings, start: StreamStart, poll_interval_s: float, idle_lag_s: float,
                 max_records_per_call: int):
        self.settings = settings
        self.start = start
        self.poll_interval_s = poll_interval_s
        self.idle_lag_s = idle_lag_s
        self.max_records_per_call = max_records_per_call
        self._records_read = Metrics.counter(METRICS_NAMESPACE, "records_read")

    def initial_restriction(self, descriptor: PartitionDescriptor):
        return OffsetRange(stream_start_offset(self.settings, self.start, descriptor.topic, descriptor.partition),
                           END_OF_TIME)

    def create_tracker(self, restriction):
        return CheckpointOnlyOffsetTracker(restriction)

    def restriction_size(self, descriptor, restriction):
        return 1

    def setup(self):
        self._consumer = new_consumer(self.settings)

    @beam.DoFn.unbounded_per_element()
    def process(self, descriptor: PartitionDescriptor,
                tracker=beam.DoFn.RestrictionParam(),
                watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())):
        position = tracker.current_restriction().start
        # Every call resumes right after the last claimed offset, so start - 1 links this call into the chain.
        previous = position - 1
        count = 0
        for record in poll_from(self._consumer, descriptor.topic, descriptor.partition, position,
                                max_records=self.max_records_per_call):
            if not tracker.try_claim(record.offset):
                return
            self._records_read.inc()
            event_time = Timestamp.of(record.timestamp_ms / 1000)
            watermark.set_watermark(max(event_time, watermark.current_watermark() or Timestamp(0)))
            yield beam.window.TimestampedValue(record, event_time)
            yield beam.pvalue.TaggedOutput(POSITIONS, beam.window.TimestampedValue(
                Position(record.topic, record.partition, record.offset, previous), event_time))
            previous = record.offset
            count += 1
        if count == 0:
            idle_mark = Timestamp.of(time.time() - self.idle_lag_s)
            if idle_mark > (watermark.current_watermark() or Timestamp(0)):
                watermark.set_watermark(idle_mark)
        tracker.defer_remainder(Duration.of(self.poll_interval_s if count == 0 else 0))

    def teardown(self):
        consumer = getattr(self, "_consumer", None)
        if consumer is not None:
            consumer.close()


class ReadFromKafkaStreaming(beam.PTransform):
    """Unbounded read of every partition of ``topic``; main output KafkaRecords, ``positions`` the offset chain."""

    def __init__(self, settings: KafkaSettings, topic: str, start: StreamStart = StreamStart(),
                 poll_interval_s: float = 0.5, idle_lag_s: float = 2.0, max_records_per_call: int = 500):
        super().__init__()
        self.settings = settings
        self.topic = topic
        self.start = start
        self.poll_interval_s = poll_interval_s
        self.idle_lag_s = idle_lag_s
        self.max_records_per_call = max_records_per_call

    def expand(self, pbegin):
        partitions = stream_partitions(self.settings, self.topic)
        if self.start.group and self.start.reset == "latest":
            pin_latest_start(self.settings, self.start.group, partitions)
        reader = _ReadPartitionFn(self.settings, self.start, self.poll_interval_s, self.idle_lag_s,
                                  self.max_records_per_call)
        return (pbegin
                | "Partitions" >> beam.Create(partitions)
                | "ReadPartitions" >> beam.ParDo(reader).with_outputs(POSITIONS, main="records"))


# ---------------------------------------------------------------------------------------------- commits


@dataclass
class _PartitionProgress:
    """Committer state of one partition: the next offset to commit and what is known of the offsets after it.

    ``following[p]`` is the offset the reader read right after ``p``; the commit advances along that chain while
    each next record has all its acks, so gaps in the offsets never stall it and no unfinished record is skipped.
    """

    next_offset: int | None = None
    following: dict[int, int] = field(default_factory=dict)
    acks: dict[int, int] = field(default_factory=dict)
    required: dict[int, int] = field(default_factory=dict)

    def add_position(self, position: Position) -> None:
        if self.next_offset is not None and position.offset < self.next_offset:
            return  # a replay of a record already committed (a retried bundle): keeping it would grow state for ever
        self.following[position.previous] = position.offset

    def add_ack(self, ack: Ack) -> None:
        if self.next_offset is not None and ack.offset < self.next_offset:
            return  # as above: runners retry bundles, so sinks acknowledge some records twice
        self.acks[ack.offset] = self.acks.get(ack.offset, 0) + 1
        self.required[ack.offset] = ack.required

    def advance(self) -> bool:
        """Move ``next_offset`` over the fully acknowledged prefix of the chain; True if it moved."""
        moved = False
        while self.next_offset is not None:
            offset = self.following.get(self.next_offset - 1)
            if offset is None or self.acks.get(offset, 0) < self.required.get(offset, 1 << 30):
                return moved
            del self.following[self.next_offset - 1]
            self.acks.pop(offset)
            self.required.pop(offset)
            self.next_offset = offset + 1
            moved = True
        return moved


class _CommitFn(beam.DoFn):
    PROGRESS = ReadModifyWriteStateSpec("progress", PickleCoder())

    def __init__(self, settings: KafkaSettings, start: StreamStart):
        self.settings = settings
        self.start = start
        self.group = start.group
        self._commits = Metrics.counter(METRICS_NAMESPACE, "offset_commits")

    def setup(self):
        self._consumer = new_consumer(self.settings, group_id=self.group)

    def process(self, keyed, progress_state=beam.DoFn.StateParam(PROGRESS)):
        (topic, partition), event = keyed
        progress = progress_state.read()
        if progress is None:
            # The reader started this partition where this lookup points: the group's offset, pinned at launch
            # for --from latest (pin_latest_start), else the log start.
            progress = _PartitionProgress(next_offset=stream_start_offset(self.settings, self.start, topic, partition))
        if isinstance(event, Position):
            progress.add_position(event)
        else:
            progress.add_ack(event)
        if progress.advance():
            try:
                self._consumer.commit({TopicPartition(topic, partition): OffsetAndMetadata(progress.next_offset, "",
                                                                                           -1)})
            except KafkaError as error:
                # Not fatal: the offset stays uncommitted and the next advance commits a later one.
                log.warning("offset commit failed for %s:%s at %s: %s", topic, partition, progress.next_offset,
                            error)
            else:
                self._commits.inc()
        progress_state.write(progress)

    def teardown(self):
        consumer = getattr(self, "_consumer", None)
        if consumer is not None:
            consumer.close()


class CommitDurableOffsets(beam.PTransform):
    """Positions (from the reader) and Acks (from every sink) in; offsets committed for ``group``.

    The input is the tuple of those PCollections, not their Flatten: the sinks acknowledge in their own windows
    (the windowed Avro files in fixed windows, Kafka in the reader's global window), and Beam's Flatten requires
    one windowing of its inputs -- Prism panics on the mismatch, and only warns at construction. Each input is moved
    into the global window first, then flattened.
    """

    def __init__(self, settings: KafkaSettings, start: StreamStart):
        super().__init__()
        if not start.group:
            raise ValueError("committing offsets needs a consumer group")
        self.settings = settings
        self.start = start

    def expand(self, streams):
        if isinstance(streams, beam.PCollection):
            streams = (streams,)
        global_streams = [stream | f"GlobalWindow{index}" >> beam.WindowInto(beam.window.GlobalWindows())
                          for index, stream in enumerate(streams)]
        return (global_streams | "Events" >> beam.Flatten()
                | "ByPartition" >> beam.Map(lambda event: ((event.topic, event.partition), event))
                | "Commit" >> beam.ParDo(_CommitFn(self.settings, self.start)))
