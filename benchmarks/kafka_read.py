"""The bounded Kafka read alone (Kafka → Beam, no enrichment) against a plain kafka-python consumer loop.

Both read the same topic in the same run, on the same consumer configuration (``new_bounded_read_consumer``, so
that a fetch setting cannot favour one side): the plain loop assigns every partition and polls until each reaches the
planned stop offset; the Beam side runs ``ReadFromKafkaBounded`` over the same plan on the in-process runner with the
chunk plan production uses there (``chunk_records_for`` the runner's workers: one worker by default, 16 chunks) and
counts records. Pipeline construction and runner start-up are part of the Beam figure: that is what a user pays.
"""

from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from kafka import TopicPartition

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
        raise RuntimeError(f"plain loop read {count} records, plan has {plan.total}")
    return seconds


def beam_read_seconds(settings: KafkaSettings, plan: ReadPlan, chunk_records: int | None = None) -> float:
    """Wall clock of the Beam read; ``chunk_records`` None plans the chunks as ``presspipe run`` does by default."""
    from apache_beam.testing.util import assert_that, equal_to

    options = PipelineOptions([])
    started = time.perf_counter()
    with beam.Pipeline(runner=resolve_runner(options, streaming=False), options=options) as pipeline:
        counted = (pipeline | ReadFromKafkaBounded(settings, plan, chunk_records, workers=planned_workers(options))
                   | beam.combiners.Count.Globally())
        assert_that(counted, equal_to([plan.total]))
    return time.perf_counter() - started


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
