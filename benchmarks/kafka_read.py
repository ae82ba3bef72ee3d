"""The bounded Kafka read alone (Kafka → Beam, no enrichment) against a plain kafka-python consumer loop.

Both read the same topic in the same run, on the same consumer configuration (``new_bounded_read_consumer``, so
that a fetch setting cannot favour one side): the plain loop assigns every partition and polls until each reaches the
planned stop offset; the Beam side runs ``ReadFromKafkaBounded`` over the same plan on the in-process runner with the
chunk plan production uses there (``chunk_records_for`` the runner's workers: one worker by default, 16 chunks) and
counts the records in a step fused after it. Each side checks its count after its clock stops. Pipeline construction
and runner start-up are part of the Beam figure: that is what a user pays.
"""

from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from kafka import TopicPartition

from benchmarks.errors import BenchError
from benchmarks.figures import Figure, Target
from presspipe.pipelines.io.kafka import ReadFromKafkaBounded, ReadPlan, chunk_records_for, new_bounded_read_consumer, \
    plan_bounded_read
from presspipe.pipelines.runners import planned_workers, resolve_runner
from presspipe.core.settings import KafkaSettings

PLAIN_CONSUMER = "plain kafka-python consumer loop"


def plain_consumer_seconds(settings: KafkaSettings, plan: ReadPlan) -> float:
    consumer = new_bounded_read_consumer(settings, consumer_timeout_ms=10_000)
    started = time.perf_counter()
    partitions = [TopicPartition(r.topic, r.partition) for r in plan.ranges if r.size]
    consumer.assign(partitions)
    for r in plan.ranges:
        if r.size:
            consumer.seek(TopicPartition(r.topic, r.partition), r.start)
    remaining = {(r.topic, r.partition): r.stop for r in plan.ranges if r.size}
    count = 0
    while remaining:
        for tp, messages in consumer.poll(timeout_ms=500, max_records=2000).items():
            stop = remaining.get((tp.topic, tp.partition))
            if stop is None:
                continue
            count += sum(1 for message in messages if message.offset < stop)
            if messages and messages[-1].offset >= stop - 1:
                del remaining[(tp.topic, tp.partition)]
                consumer.pause(tp)
    seconds = time.perf_counter() - started
    consumer.close()
    if count != plan.total:
        raise BenchError(f"plain loop read {count} records, plan has {plan.total}")
    return seconds


#: The Beam side's own count of the records that reached the step after the read (a Beam counter, namespace below).
ARRIVED = "kafka_read_bench_arrived"


class _CountArrivals(beam.DoFn):
    """Counts every record the read emits, fused with the read: one counter increment per record, as the plain loop
    counts its records, and no grouping stage (Count.Globally and assert_that add two, 0.21 s on an empty pipeline,
    which no presspipe pipeline runs)."""

    def __init__(self):
        self._arrived = Metrics.counter(ARRIVED, ARRIVED)

    def process(self, record):  # no return annotation: Beam would read it as the output type
        self._arrived.inc()


def beam_read_seconds(settings: KafkaSettings, plan: ReadPlan, chunk_records: int | None = None) -> float:
    """Wall clock of the Beam read; ``chunk_records`` None plans the chunks as ``presspipe run`` does by default.
    The count of records that arrived is checked after the clock stops, as the plain loop checks its count."""
    options = PipelineOptions([])
    started = time.perf_counter()
    pipeline = beam.Pipeline(runner=resolve_runner(options, streaming=False), options=options)
    _ = (pipeline | ReadFromKafkaBounded(settings, plan, chunk_records, workers=planned_workers(options))
         | beam.ParDo(_CountArrivals()))
    result = pipeline.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - started
    counters = result.metrics().query(MetricsFilter().with_namespace(ARRIVED))["counters"]
    arrived = sum(counter.committed for counter in counters)
    if arrived != plan.total:
        raise BenchError(f"the Beam read delivered {arrived} records, plan has {plan.total}")
    return seconds


def kafka_read_figures(settings: KafkaSettings, topic: str) -> list[Figure]:
    plan = plan_bounded_read(settings, topic)
    plain = plain_consumer_seconds(settings, plan)
    beam_seconds = beam_read_seconds(settings, plan)
    chunk_records = chunk_records_for(plan, planned_workers(PipelineOptions([])))
    return [Figure("kafka_read_records_per_s", round(plan.total / beam_seconds, 1), "records/s",
                   baseline=round(plan.total / plain, 1), baseline_name=PLAIN_CONSUMER,
                   target=Target(min_ratio=0.75),
                   note=f"{plan.total} records in {len(plan.ranges)} partitions, {len(plan.chunks(chunk_records))} "
                        f"chunks of at most {chunk_records} records per partition (the default plan for the default "
                        f"in-process runner); Beam includes runner start-up")]
