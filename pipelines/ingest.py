"""The ingestion pipeline: raw topic → decode → enrich → Avro files and/or Kafka, failures → dead-letter topic.

``build_pipeline`` wires the transforms; ``run`` plans the read, runs, commits offsets after the outputs are durable
and returns a ``RunSummary``; ``main`` is ``python -m presspipe.pipelines.ingest`` and ``presspipe run``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Sequence

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions
from apache_beam.utils.shared import Shared

from presspipe.pipelines.io.avro import WriteDatumsToAvro, WriteWindowedAvro
from presspipe.pipelines.io.kafka import METRICS_NAMESPACE, KafkaIOError, ReadFromKafkaBounded, ReadPlan, StartPosition, \
    WriteToKafka, commit_offsets, plan_bounded_read
from presspipe.pipelines.io.kafka_streaming import POSITIONS, Ack, CommitDurableOffsets, ReadFromKafkaStreaming, StreamStart
from presspipe.pipelines.options import ConfigError, IngestConfig, PresspipeOptions
from presspipe.pipelines.runners import IN_PROCESS_NAMES, is_single_local_worker, resolve_runner, runner_label
from presspipe.pipelines.boilerplate_transforms import LearnSiteBoilerplate, RemoveSiteBoilerplate
from presspipe.pipelines.transforms import DEAD_LETTER_COUNTER_PREFIX, DEAD_LETTERS, LANGUAGE_COUNTER_PREFIX, EnrichRecords, \
    dead_letter_pair
from presspipe.core import logs
from presspipe.schemas.codec import ARTICLE, DEAD_LETTER

log = logging.getLogger(__name__)


class RunFailedError(RuntimeError):
    """The pipeline did not finish, or its counts do not add up."""


@dataclass
class RunSummary:
    planned: int | None
    read: int
    written: int
    dead_lettered: int
    dead_letters_by_stage: dict[str, int] = field(default_factory=dict)
    dead_letters_by_type: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    runner: str = ""
    seconds: float = 0.0
    committed: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.dead_lettered

    def add(self, other: "RunSummary") -> None:
        """Fold another run (a micro-batch) into this one."""
        self.planned = (self.planned or 0) + (other.planned or 0)
        self.read += other.read
        self.written += other.written
        self.dead_lettered += other.dead_lettered
        for mine, theirs in ((self.dead_letters_by_stage, other.dead_letters_by_stage),
                             (self.dead_letters_by_type, other.dead_letters_by_type),
                             (self.languages, other.languages)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.outputs = other.outputs
        self.committed.update(other.committed)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "balanced": self.balanced}, sort_keys=True)

    def human(self) -> str:
        lines = [f"read {self.read}" + (f" of {self.planned} planned" if self.planned is not None else "")
                 + f", written {self.written}, dead-lettered {self.dead_lettered} in {self.seconds:.1f}s "
                 f"on {self.runner}"]
        if self.dead_letters_by_stage:
            lines.append("dead letters by stage: " + ", ".join(
                f"{stage}={count}" for stage, count in sorted(self.dead_letters_by_stage.items())))
            lines.append("dead letters by error: " + ", ".join(
                f"{error_type}={count}" for error_type, count in sorted(self.dead_letters_by_type.items())))
        if self.languages:
            lines.append("languages: " + ", ".join(
                f"{language}={count}" for language, count in sorted(self.languages.items(), key=lambda kv: -kv[1])))
        lines.extend(f"output: {output}" for output in self.outputs)
        return "\n".join(lines)


def build_pipeline(pipeline: beam.Pipeline, config: IngestConfig, plan: ReadPlan | None,
                   enrich_resources: Shared | None = None, planned_progress: bool = False) -> None:
    """Wire the pipeline; ``enrich_resources`` shares loaded models across runs in one process (micro-batches);
    ``planned_progress``: the enrichment runs in this one process only and the plan is the whole run, so its
    progress lines can give the share of the plan and the time to go."""
    if config.streaming:
        _build_streaming(pipeline, config)
        return
    records = pipeline | "ReadRaw" >> ReadFromKafkaBounded(config.kafka, plan, config.chunk_records)
    enriched = records | "Enrich" >> EnrichRecords(config.enrich, config.entity_config(),
                                                   tag_entities=config.tag_entities, shared=enrich_resources,
                                                   progress_s=config.progress_s,
                                                   planned=plan.total if planned_progress else None)
    articles, dead_letters = enriched.articles, enriched[DEAD_LETTERS]
    if config.boilerplate is not None:
        articles = articles | "SiteBoilerplate" >> RemoveSiteBoilerplate(config.boilerplate)

    (dead_letters | "DeadLetterPairs" >> beam.Map(dead_letter_pair, config.max_dead_letter_payload_bytes)
     | "WriteDeadLetters" >> WriteToKafka(config.kafka, config.topics.dlq, "dead_letters_sent"))
    for index, output in enumerate(config.outputs):
        if output.kind == "avro":
            (articles | f"ArticleDatums{index}" >> beam.Map(lambda encoded: encoded.article.to_avro())
             | f"WriteArticlesAvro{index}" >> WriteDatumsToAvro(output.target, f"articles-{plan.tag()}", ARTICLE))
            (dead_letters | f"DeadLetterDatums{index}" >> beam.Map(lambda letter: letter.to_avro())
             | f"WriteDeadLettersAvro{index}" >> WriteDatumsToAvro(output.target, f"dead_letters-{plan.tag()}", DEAD_LETTER))
        else:
            (articles | f"ArticlePairs{index}" >> beam.Map(lambda encoded: encoded.kafka_pair())
             | f"WriteArticlesKafka{index}" >> WriteToKafka(config.kafka, output.target, "articles_sent"))


def _build_streaming(pipeline: beam.Pipeline, config: IngestConfig) -> None:
    """Streaming: every sink acknowledges what it made durable; offsets are committed over acknowledged records."""
    start = StreamStart(reset="latest" if config.start.kind == "latest" else "earliest", group=config.group)
    read = pipeline | "ReadRaw" >> ReadFromKafkaStreaming(config.kafka, config.topics.raw, start)
    enriched = read.records | "Enrich" >> EnrichRecords(config.enrich, config.entity_config(),
                                                        tag_entities=config.tag_entities, progress_s=config.progress_s)
    articles, dead_letters = enriched.articles, enriched[DEAD_LETTERS]
    if config.boilerplate is not None:
        articles = articles | "SiteBoilerplate" >> LearnSiteBoilerplate(config.boilerplate)

    avro_outputs = [output for output in config.outputs if output.kind == "avro"]
    article_sinks, dead_letter_sinks = len(config.outputs), 1 + len(avro_outputs)

    def article_ack(encoded):
        article = encoded.article
        return Ack(article.raw_topic, article.raw_partition, article.raw_offset, article_sinks)

    def dead_letter_ack(letter):
        return Ack(letter.raw_topic, letter.raw_partition, letter.raw_offset, dead_letter_sinks)

    cap = config.max_dead_letter_payload_bytes
    acks = [dead_letters | "DeadLetterPairs" >> beam.Map(lambda letter: (*dead_letter_pair(letter, cap),
                                                                         dead_letter_ack(letter)))
            | "WriteDeadLetters" >> WriteToKafka(config.kafka, config.topics.dlq, "dead_letters_sent")]
    for index, output in enumerate(config.outputs):
        if output.kind == "avro":
            acks.append(articles | f"ArticleDatums{index}" >> beam.Map(
                lambda encoded: (encoded.article.to_avro(), article_ack(encoded)))
                | f"WriteArticlesAvro{index}" >> WriteWindowedAvro(output.target, "articles", ARTICLE,
                                                                   config.window_seconds))
            acks.append(dead_letters | f"DeadLetterDatums{index}" >> beam.Map(
                lambda letter: (letter.to_avro(), dead_letter_ack(letter)))
                | f"WriteDeadLettersAvro{index}" >> WriteWindowedAvro(output.target, "dead_letters", DEAD_LETTER,
                                                                      config.window_seconds))
        else:
            acks.append(articles | f"ArticlePairs{index}" >> beam.Map(
                lambda encoded: (*encoded.kafka_pair(), article_ack(encoded)))
                | f"WriteArticlesKafka{index}" >> WriteToKafka(config.kafka, output.target, "articles_sent"))
    if config.group:
        ((read[POSITIONS], *acks) | "ProgressEvents" >> beam.Flatten()
         | "CommitOffsets" >> CommitDurableOffsets(config.kafka, start))
    else:
        log.warning("streaming without --group: progress is not committed, a restart starts from --from")


def pipeline_options(argv: Sequence[str]) -> PipelineOptions:
    options = PipelineOptions(list(argv))
    # Workers in other processes (multi-processing, Dask, portable) must import this project, not pickled globals.
    options.view_as(SetupOptions).save_main_session = False
    return options


def run(argv: Sequence[str], stop: threading.Event | None = None) -> RunSummary:
    """Plan, run and commit. Raises ConfigError for bad flags, RunFailedError/KafkaIOError when the run fails.

    A streaming run on the in-process engine runs until ``stop`` is set (or Ctrl-C / SIGTERM); see
    ``run_micro_batches``. On other runners it is one unbounded pipeline.
    """
    options = pipeline_options(argv)
    config = IngestConfig.from_options(options)
    if config.streaming and options.view_as(StandardOptions).runner in IN_PROCESS_NAMES:
        return run_micro_batches(options, config, stop or threading.Event())
    plan = None if config.streaming else plan_bounded_read(config.kafka, config.topics.raw, config.start, config.until)
    return run_once(options, config, plan)


def run_once(options: PipelineOptions, config: IngestConfig, plan: ReadPlan | None,
             enrich_resources: Shared | None = None) -> RunSummary:
    """One pipeline run; for a bounded plan, commits the plan's stop offsets once every output is durable."""
    runner = resolve_runner(options, config.streaming)
    started = time.monotonic()
    pipeline = beam.Pipeline(runner=runner, options=options)
    # A micro-batch (models shared across runs) is one slice of a stream: its progress counts the stream, not the batch.
    planned_progress = plan is not None and enrich_resources is None and is_single_local_worker(options)
    build_pipeline(pipeline, config, plan, enrich_resources, planned_progress=planned_progress)
    result = pipeline.run()
    try:
        state = result.wait_until_finish()
    except KeyboardInterrupt:
        if plan is not None:
            raise
        # An unbounded pipeline ends when it is stopped; what was acknowledged is committed, the rest is read again.
        result.cancel()
        return summarize(result, plan, config, runner_label(runner), time.monotonic() - started)
    if str(state) not in ("DONE", "PipelineState.DONE"):
        raise RunFailedError(f"pipeline ended in state {state}")
    summary = summarize(result, plan, config, runner_label(runner), time.monotonic() - started)
    if not summary.balanced:
        raise RunFailedError(f"counts do not add up: read {summary.read} != written {summary.written} "
                             f"+ dead-lettered {summary.dead_lettered}")
    if config.group and plan is not None:
        offsets = plan.stop_offsets()
        commit_offsets(config.kafka, config.group, offsets)
        summary.committed = {f"{topic}:{partition}": offset for (topic, partition), offset in offsets.items()}
    return summary


def run_micro_batches(options: PipelineOptions, config: IngestConfig, stop: threading.Event,
                      poll_interval_s: float = 0.5) -> RunSummary:
    """Streaming on the in-process engine: bounded runs, one after the other, each from the group's committed
    offsets to the end captured when it starts, committed once its output is durable.

    Beam's in-process runners cannot run an unbounded pipeline with a shuffle after the read (FnApiRunner runs
    stage after stage; the streaming DirectRunner rejects splittable DoFns in Beam 2.77), so locally presspipe
    follows the topic this way. It has the same guarantees as the unbounded pipeline on Flink or Dataflow: at
    least once, resumable from the committed offsets, a crash re-reads only what was not committed. Models are
    loaded once for the whole run, not per batch.
    """
    if not config.group:
        raise ConfigError("streaming needs --group: the committed offsets are its progress")
    batch_config = replace(config, mode="bounded")
    batch_options = PipelineOptions.from_dictionary({**options.get_all_options(drop_default=True),
                                                     "streaming": False})
    resources = Shared()
    total = RunSummary(planned=0, read=0, written=0, dead_lettered=0, runner="micro-batches")
    started = time.monotonic()
    start = config.start
    while not stop.is_set():
        plan = plan_bounded_read(config.kafka, config.topics.raw, start, None)
        if start.kind != "committed":
            # Pin the starting point (e.g. "latest") in the group, so every later batch continues from it.
            commit_offsets(config.kafka, config.group, {(r.topic, r.partition): r.start for r in plan.ranges})
            start = StartPosition("committed", group=config.group)
        if plan.total == 0:
            stop.wait(poll_interval_s)
            continue
        summary = run_once(batch_options, batch_config, plan, resources)
        total.add(summary)
        log.info("batch done: %s", summary.to_json())
    total.seconds = time.monotonic() - started
    return total


def summarize(result, plan: ReadPlan | None, config: IngestConfig, runner: str, seconds: float) -> RunSummary:
    counters = Counter()
    for metric in result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))["counters"]:
        counters[metric.key.metric.name] += metric.committed if metric.committed is not None else metric.attempted
    by_stage, by_type, languages = Counter(), Counter(), {}
    for name, count in counters.items():
        if name.startswith(DEAD_LETTER_COUNTER_PREFIX):
            stage, _, error_type = name[len(DEAD_LETTER_COUNTER_PREFIX):].partition(".")
            by_stage[stage] += count
            by_type[error_type] += count
        elif name.startswith(LANGUAGE_COUNTER_PREFIX):
            languages[name[len(LANGUAGE_COUNTER_PREFIX):]] = count
    outputs = [f"{output.kind}:{output.target}" for output in config.outputs] + [f"kafka:{config.topics.dlq} (dead letters)"]
    return RunSummary(planned=plan.total if plan else None, read=counters["records_read"],
                      written=counters["articles"], dead_lettered=counters["dead_letters"],
                      dead_letters_by_stage=dict(by_stage), dead_letters_by_type=dict(by_type),
                      languages=languages, outputs=outputs, runner=runner, seconds=seconds)


def print_help() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m presspipe.pipelines.ingest (or presspipe run)",
        description="The presspipe pipeline. Any Beam flag is accepted as well: --runner, --direct_num_workers, "
                    "--direct_running_mode, --dask-address, --job_endpoint, --environment_type ...")
    PresspipeOptions._add_argparse_args(parser)
    parser.print_help()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print_help()
        return 0
    if not logging.getLogger().handlers:  # not configured by the presspipe CLI
        logs.configure()
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a deployment stopping the job) ends a streaming run like Ctrl-C: after the current batch.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        summary = run(argv, stop)
    except KeyboardInterrupt:
        print("presspipe run: interrupted; uncommitted records will be read again", file=sys.stderr)
        return 130
    except ConfigError as error:
        print(f"presspipe run: {error}", file=sys.stderr)
        return 2
    except (KafkaIOError, RunFailedError) as error:
        print(f"presspipe run failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a worker failure surfaces here, wrapped by the runner; nothing was committed
        log.debug("run failed", exc_info=True)
        print(f"presspipe run failed (nothing committed): {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(summary.human())
    print(summary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
