"""The ingestion pipeline: raw topic → decode → enrich → Avro files and/or Kafka, failures → dead-letter topic.

``build_pipeline`` wires the transforms (the sinks, for bounded and streaming runs alike, in ``write_outputs``);
``run`` plans the read, runs, checks that every record read is durable at every sink (read = written +
dead-lettered, counted by the sinks), commits offsets only then and returns a ``RunSummary``; ``main`` is ``python -m presspipe.pipelines.ingest`` and ``presspipe run``.
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
from presspipe.pipelines.io.kafka_streaming import POSITIONS, Ack, CommitDurableOffsets, ReadFromKafkaStreaming, \
    StreamStart, pin_latest_start, stream_partitions
from presspipe.pipelines.options import ConfigError, IngestConfig, PresspipeOptions, check_flags
from presspipe.pipelines.runners import IN_PROCESS_NAMES, is_single_local_worker, resolve_runner, runner_label
from presspipe.pipelines.boilerplate_transforms import LearnSiteBoilerplate, RemoveSiteBoilerplate
from presspipe.pipelines.transforms import DEAD_LETTER_COUNTER_PREFIX, DEAD_LETTERS, ENRICHED_ARTICLES, \
    ENRICHED_DEAD_LETTERS, LANGUAGE_COUNTER_PREFIX, EnrichRecords, dead_letter_pair
from presspipe.core import logs
from presspipe.schemas.codec import ARTICLE, DEAD_LETTER

log = logging.getLogger(__name__)


class RunFailedError(RuntimeError):
    """The pipeline did not finish, or its counts do not add up."""


@dataclass(frozen=True)
class Sink:
    """One durable destination of a run: ``records`` (articles or dead letters) to an Avro directory or a topic.

    ``counter`` counts what this sink made durable (acknowledged sends, finalized files): the run's balance is
    checked against these counters, one per sink, never against what the enrichment step says it produced.
    """

    index: int
    records: str  # ARTICLES or DEAD_LETTERS
    kind: str  # "avro" or "kafka"
    target: str

    @property
    def counter(self) -> str:
        return f"{DURABLE_COUNTER_PREFIX}{self.index}"

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.target}"

    @property
    def transform_label(self) -> str:
        return f"Write{''.join(part.title() for part in self.records.split('_'))}{self.kind.title()}{self.index}"


ARTICLES = "articles"
DURABLE_COUNTER_PREFIX = "durable."


def sinks_of(config: IngestConfig) -> tuple[Sink, ...]:
    """Every sink of a run: dead letters to the dead-letter topic; per ``--output`` the articles, and for an Avro
    directory its dead letters too."""
    specs = [(DEAD_LETTERS, "kafka", config.topics.dlq)]
    for output in config.outputs:
        specs.append((ARTICLES, output.kind, output.target))
        if output.kind == "avro":
            specs.append((DEAD_LETTERS, "avro", output.target))
    return tuple(Sink(index, records, kind, target) for index, (records, kind, target) in enumerate(specs))


def _sink_element(item, records: str, kind: str, max_payload_bytes: int, acks_required: int | None):
    """What a sink takes: (key, value) for Kafka, an Avro datum for files; plus an Ack token when unbounded."""
    if records == ARTICLES:
        article = item.article
        value = item.kafka_pair() if kind == "kafka" else (article.to_avro(),)
        coordinates = (article.raw_topic, article.raw_partition, article.raw_offset)
    else:
        value = dead_letter_pair(item, max_payload_bytes) if kind == "kafka" else (item.to_avro(),)
        coordinates = (item.raw_topic, item.raw_partition, item.raw_offset)
    if acks_required is None:
        return value if kind == "kafka" else value[0]
    return (*value, Ack(*coordinates, acks_required))


def write_outputs(articles: beam.PCollection, dead_letters: beam.PCollection, config: IngestConfig, *,
                  file_stem: str | None) -> list[beam.PCollection]:
    """Wire every sink of :func:`sinks_of` (bounded and unbounded runs, any runner); each counts what it made durable.

    ``file_stem`` (bounded runs): Avro files are named ``articles-<stem>-…``, so a replay of the same plan
    overwrites its own files. ``None`` (unbounded runs): windowed Avro files, and every element carries an ``Ack``
    that each sink emits once it made the element durable; the returned collections of Acks are what
    ``CommitDurableOffsets`` commits over (a record is done when all the sinks of its kind acknowledged it).
    """
    unbounded = file_stem is None
    sinks = sinks_of(config)
    required = Counter(sink.records for sink in sinks)
    streams = {ARTICLES: articles, DEAD_LETTERS: dead_letters}
    schemas = {ARTICLES: ARTICLE, DEAD_LETTERS: DEAD_LETTER}
    acks = []
    for sink in sinks:
        prepared = streams[sink.records] | f"{sink.transform_label}Prepare" >> beam.Map(
            _sink_element, sink.records, sink.kind, config.max_dead_letter_payload_bytes,
            required[sink.records] if unbounded else None)
        if sink.kind == "kafka":
            written = prepared | sink.transform_label >> WriteToKafka(config.kafka, sink.target, sink.counter)
        elif unbounded:
            written = prepared | sink.transform_label >> WriteWindowedAvro(
                sink.target, sink.records, schemas[sink.records], config.window_seconds, counter_name=sink.counter)
        else:
            written = prepared | sink.transform_label >> WriteDatumsToAvro(
                sink.target, f"{sink.records}-{file_stem}", schemas[sink.records], counter_name=sink.counter)
        if unbounded:
            acks.append(written)
    return acks


@dataclass
class RunSummary:
    """What a run read and what its sinks made durable.

    ``written`` and ``dead_lettered`` are what the sinks agree on (each sink's own count is in ``articles_by_sink``
    and ``dead_letters_by_sink``); ``enrichment`` is what the enrichment step emitted, kept to explain a mismatch.
    """

    planned: int | None
    read: int
    written: int
    dead_lettered: int
    dead_letters_by_stage: dict[str, int] = field(default_factory=dict)
    dead_letters_by_type: dict[str, int] = field(default_factory=dict)
    dead_letters_by_cause: dict[str, int] = field(default_factory=dict)  # "stage/ErrorType" -> count
    languages: dict[str, int] = field(default_factory=dict)
    articles_by_sink: dict[str, int] = field(default_factory=dict)
    dead_letters_by_sink: dict[str, int] = field(default_factory=dict)
    enrichment: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    runner: str = ""
    seconds: float = 0.0
    committed: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """Every record read is durable at every sink of its kind: read = written + dead-lettered, and no sink
        holds fewer (or more) than the others of its kind."""
        return (self.read == self.written + self.dead_lettered
                and all(count == self.written for count in self.articles_by_sink.values())
                and all(count == self.dead_lettered for count in self.dead_letters_by_sink.values()))

    def imbalance(self) -> str:
        """Why the run does not balance, in words (empty when it does)."""
        if self.balanced:
            return ""
        sinks = ", ".join([f"articles at {label}: {count}" for label, count in sorted(self.articles_by_sink.items())]
                          + [f"dead letters at {label}: {count}"
                             for label, count in sorted(self.dead_letters_by_sink.items())])
        produced = ", ".join(f"{name} {count}" for name, count in sorted(self.enrichment.items()))
        return (f"read {self.read} != written {self.written} + dead-lettered {self.dead_lettered} durably "
                f"({sinks}; the enrichment step emitted {produced or 'nothing'})")

    def add(self, other: "RunSummary") -> None:
        """Fold another run (a micro-batch) into this one."""
        self.planned = (self.planned or 0) + (other.planned or 0)
        self.read += other.read
        self.written += other.written
        self.dead_lettered += other.dead_lettered
        for mine, theirs in ((self.dead_letters_by_stage, other.dead_letters_by_stage),
                             (self.dead_letters_by_type, other.dead_letters_by_type),
                             (self.dead_letters_by_cause, other.dead_letters_by_cause),
                             (self.languages, other.languages),
                             (self.articles_by_sink, other.articles_by_sink),
                             (self.dead_letters_by_sink, other.dead_letters_by_sink),
                             (self.enrichment, other.enrichment)):
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
    """Wire the pipeline: read, enrich, :func:`write_outputs`; streaming also commits acknowledged offsets.

    ``enrich_resources`` shares loaded models across runs in one process (micro-batches); ``planned_progress``: the
    enrichment runs in this one process only and the plan is the whole run, so its progress lines can give the
    share of the plan and the time to go."""
    if config.streaming:
        start = StreamStart(reset="latest" if config.start.kind == "latest" else "earliest", group=config.group)
        read = pipeline | "ReadRaw" >> ReadFromKafkaStreaming(config.kafka, config.topics.raw, start)
        records = read.records
    else:
        records = pipeline | "ReadRaw" >> ReadFromKafkaBounded(config.kafka, plan, config.chunk_records,
                                                               workers=config.workers)
    # Without entity tagging nothing of the entity stack is imported (spaCy alone is ~1.3 s of a worker's start).
    entity_config = config.entity_config() if config.tag_entities else None
    enriched = records | "Enrich" >> EnrichRecords(config.enrich, entity_config,
                                                   tag_entities=config.tag_entities, shared=enrich_resources,
                                                   progress_s=config.progress_s,
                                                   planned=plan.total if planned_progress and plan else None)
    articles = enriched.articles
    if config.boilerplate is not None:  # site-level boilerplate: exact two passes (bounded), per-site state (streaming)
        articles = articles | "SiteBoilerplate" >> (
            LearnSiteBoilerplate(config.boilerplate) if config.streaming else RemoveSiteBoilerplate(config.boilerplate))
    acks = write_outputs(articles, enriched[DEAD_LETTERS], config,
                         file_stem=None if config.streaming else plan.tag())
    if not config.streaming:
        return
    if config.group:
        # A tuple, not a Flatten: the sinks acknowledge in windows of their own, CommitDurableOffsets re-windows.
        (read[POSITIONS], *acks) | "CommitOffsets" >> CommitDurableOffsets(config.kafka, start)
    else:
        log.warning("streaming without --group: progress is not committed, a restart starts from --from")


def pipeline_options(argv: Sequence[str]) -> PipelineOptions:
    """Beam's options for ``argv``; raises ConfigError for a flag neither presspipe nor Beam knows."""
    check_flags(argv)
    options = PipelineOptions(list(argv))
    # Workers in other processes (multi-processing, portable runners) must import this project, not pickled globals.
    options.view_as(SetupOptions).save_main_session = False
    return options


class DeadLetterGuardError(RunFailedError):
    """Too many records dead-lettered for one reason: the pipeline is broken, not the input (see DeadLetterGuard)."""


class RunTerminated(BaseException):
    """SIGTERM during a run that cannot stop gracefully. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way (Beam's, a library's) takes it for a record's failure."""


@dataclass
class RunControl:
    """What a run shares with whoever stops it (``main``'s SIGTERM handler) and reports on failure.

    ``stop`` asks the run to end; while ``graceful`` is set (a micro-batch stream between and during its batches, a
    bounded run while it commits) the request waits for that point, otherwise SIGTERM interrupts at once.
    ``committed`` is every offset this process committed, so a failure can say what is already done.
    """

    stop: threading.Event = field(default_factory=threading.Event)
    graceful: bool = False
    group: str | None = None
    committed: dict[str, int] = field(default_factory=dict)

    def record_commit(self, group: str, offsets: dict[tuple[str, int], int]) -> dict[str, int]:
        self.group = group
        named = {f"{topic}:{partition}": offset for (topic, partition), offset in offsets.items()}
        self.committed.update(named)
        return named

    def describe_commits(self) -> str:
        if not self.committed:
            return "no offsets were committed"
        return (f"offsets committed earlier for group {self.group!r} stay committed: "
                + ", ".join(f"{key}={offset}" for key, offset in sorted(self.committed.items())))


def run(argv: Sequence[str], stop: threading.Event | None = None, *, control: RunControl | None = None
        ) -> RunSummary:
    """Plan, run and commit. Raises ConfigError for bad flags, RunFailedError/KafkaIOError when the run fails.

    A streaming run on the in-process engine runs until ``stop`` is set (or Ctrl-C / SIGTERM); see
    ``run_micro_batches``. On other runners it is one unbounded pipeline.
    """
    control = control or RunControl(stop=stop or threading.Event())
    options = pipeline_options(argv)
    config = IngestConfig.from_options(options)
    if config.streaming and options.view_as(StandardOptions).runner in IN_PROCESS_NAMES:
        return run_micro_batches(options, config, control)
    plan = None if config.streaming else plan_bounded_read(config.kafka, config.topics.raw, config.start, config.until)
    return run_once(options, config, plan, control=control)


def run_once(options: PipelineOptions, config: IngestConfig, plan: ReadPlan | None,
             enrich_resources: Shared | None = None, control: RunControl | None = None) -> RunSummary:
    """One pipeline run; for a bounded plan, commits the plan's stop offsets once every output is durable and the
    counts of every sink balance (and the dead-letter guard holds)."""
    control = control or RunControl()
    runner = resolve_runner(options, config.streaming)
    started = time.monotonic()
    pipeline = beam.Pipeline(runner=runner, options=options)
    # A micro-batch (models shared across runs) is one slice of a stream: its progress counts the stream, not the batch.
    planned_progress = plan is not None and enrich_resources is None and is_single_local_worker(options)
    build_pipeline(pipeline, config, plan, enrich_resources, planned_progress=planned_progress)
    result = None
    try:
        result = pipeline.run()
        state = result.wait_until_finish()
    except (KeyboardInterrupt, RunTerminated):
        if result is not None and plan is None:
            # An unbounded pipeline ends when it is stopped; what was acknowledged is committed, the rest is read again.
            result.cancel()
            return summarize(result, plan, config, runner_label(runner), time.monotonic() - started)
        if result is not None:
            _cancel_quietly(result)
        raise
    if str(state) not in ("DONE", "PipelineState.DONE"):
        raise RunFailedError(f"pipeline ended in state {state}")
    summary = summarize(result, plan, config, runner_label(runner), time.monotonic() - started)
    if not summary.balanced:
        raise RunFailedError(f"counts do not add up, this run committed nothing: {summary.imbalance()}")
    tripped = config.dead_letter_guard.tripped_by(summary.read, summary.dead_letters_by_cause)
    if tripped:
        cause, count = tripped
        stage, _, error_type = cause.partition("/")
        raise DeadLetterGuardError(
            f"{count} of {summary.read} records are dead letters at stage {stage!r} with {error_type}: more than "
            f"{config.dead_letter_guard.max_share:.0%} for one reason looks like a systematic failure (a bug, a "
            f"missing model, a broken dependency), not bad input, so this run committed nothing. The dead letters "
            f"were written; fix the cause and run again, or raise --max_dead_letter_share (1 turns the guard off)")
    if config.group and plan is not None:
        offsets = plan.stop_offsets()
        graceful, control.graceful = control.graceful, True  # a SIGTERM now waits for the commit to be known
        try:
            commit_offsets(config.kafka, config.group, offsets)
            summary.committed = control.record_commit(config.group, offsets)
        finally:
            control.graceful = graceful
        if control.stop.is_set() and not graceful:
            raise RunTerminated("stopped by SIGTERM after the commit")
    return summary


def _cancel_quietly(result) -> None:
    """Cancel a run being abandoned (a runner with remote workers keeps going otherwise); in-process runs are
    already stopped, and their results cannot be cancelled."""
    try:
        result.cancel()
    except (NotImplementedError, RuntimeError) as error:
        log.debug("cancel of the interrupted run: %s", error)


def run_micro_batches(options: PipelineOptions, config: IngestConfig, control: RunControl | threading.Event,
                      poll_interval_s: float = 0.5) -> RunSummary:
    """Streaming on the in-process engine: bounded runs, one after the other, each from the group's committed
    offsets to the end captured when it starts, committed once its output is durable.

    Beam's in-process runners cannot run an unbounded pipeline with a shuffle after the read (FnApiRunner runs
    stage after stage; the streaming DirectRunner rejects splittable DoFns in Beam 2.77), so locally presspipe
    follows the topic this way. It has the same guarantees as the unbounded pipeline on Flink or Dataflow: at
    least once, resumable from the committed offsets, a crash re-reads only what was not committed; ``--from`` only
    says where partitions the group has not committed yet start (a restart with the same flags resumes). Models are
    loaded once for the whole run, not per batch. A stop request (SIGTERM, Ctrl-C in ``main``) ends the stream after
    the current batch.
    """
    if isinstance(control, threading.Event):
        control = RunControl(stop=control)
    if not config.group:
        raise ConfigError("streaming needs --group: the committed offsets are its progress")
    control.graceful = True
    stop = control.stop
    batch_config = replace(config, mode="bounded")
    batch_options = PipelineOptions.from_dictionary({**options.get_all_options(drop_default=True),
                                                     "streaming": False})
    resources = Shared()
    total = RunSummary(planned=0, read=0, written=0, dead_lettered=0, runner="micro-batches")
    started = time.monotonic()
    if config.start.kind == "latest":
        pin_latest_start(config.kafka, config.group, stream_partitions(config.kafka, config.topics.raw))
    # Every batch starts at the group's offsets; a partition the group never committed starts at the log start
    # (--from earliest, the default) or, pinned above, at the end at launch (--from latest).
    start = StartPosition("committed", group=config.group)
    while not stop.is_set():
        plan = plan_bounded_read(config.kafka, config.topics.raw, start, None)
        if plan.total == 0:
            stop.wait(poll_interval_s)
            continue
        summary = run_once(batch_options, batch_config, plan, resources, control=control)
        total.add(summary)
        log.info("batch done: %s", summary.to_json())
    total.seconds = time.monotonic() - started
    return total


def summarize(result, plan: ReadPlan | None, config: IngestConfig, runner: str, seconds: float) -> RunSummary:
    counters = Counter()
    for metric in result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))["counters"]:
        counters[metric.key.metric.name] += metric.committed if metric.committed is not None else metric.attempted
    by_stage, by_type, by_cause, languages = Counter(), Counter(), Counter(), {}
    for name, count in counters.items():
        if name.startswith(DEAD_LETTER_COUNTER_PREFIX):
            stage, _, error_type = name[len(DEAD_LETTER_COUNTER_PREFIX):].partition(".")
            by_stage[stage] += count
            by_type[error_type] += count
            by_cause[f"{stage}/{error_type}"] += count
        elif name.startswith(LANGUAGE_COUNTER_PREFIX):
            languages[name[len(LANGUAGE_COUNTER_PREFIX):]] = count
    sinks = sinks_of(config)
    articles_by_sink = {sink.label: counters[sink.counter] for sink in sinks if sink.records == ARTICLES}
    dead_letters_by_sink = {sink.label: counters[sink.counter] for sink in sinks if sink.records == DEAD_LETTERS}
    outputs = [f"{output.kind}:{output.target}" for output in config.outputs] + [f"kafka:{config.topics.dlq} (dead letters)"]
    return RunSummary(planned=plan.total if plan else None, read=counters["records_read"],
                      # Durable everywhere means durable at the sink that holds the fewest.
                      written=min(articles_by_sink.values(), default=0),
                      dead_lettered=min(dead_letters_by_sink.values(), default=0),
                      dead_letters_by_stage=dict(by_stage), dead_letters_by_type=dict(by_type),
                      dead_letters_by_cause=dict(by_cause), languages=languages,
                      articles_by_sink=articles_by_sink, dead_letters_by_sink=dead_letters_by_sink,
                      enrichment={ARTICLES: counters[ENRICHED_ARTICLES], DEAD_LETTERS: counters[ENRICHED_DEAD_LETTERS]},
                      outputs=outputs, runner=runner, seconds=seconds)


def print_help() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m presspipe.pipelines.ingest (or presspipe run)",
        description="The presspipe pipeline. Any Beam flag is accepted as well: --runner, --direct_num_workers, "
                    "--direct_running_mode, --job_endpoint, --environment_type ...")
    PresspipeOptions._add_argparse_args(parser)
    parser.print_help()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print_help()
        return 0
    if not logging.getLogger().handlers:  # not configured by the presspipe CLI
        logs.configure()
    control = RunControl()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: _on_sigterm(control))
    try:
        summary = run(argv, control=control)
    except KeyboardInterrupt:
        print(f"presspipe run: interrupted; {control.describe_commits()}; records after them will be read again",
              file=sys.stderr)
        return 130
    except RunTerminated:
        print(f"presspipe run: stopped by SIGTERM; {control.describe_commits()}; records after them will be read "
              f"again", file=sys.stderr)
        return 128 + signal.SIGTERM
    except ConfigError as error:
        print(f"presspipe run: {error}", file=sys.stderr)
        return 2
    except (KafkaIOError, RunFailedError) as error:
        print(f"presspipe run failed: {error}; {control.describe_commits()}", file=sys.stderr)
        return 1
    except Exception as error:  # a worker failure surfaces here, wrapped by the runner
        log.debug("run failed", exc_info=True)
        print(f"presspipe run failed: {type(error).__name__}: {error}; {control.describe_commits()}",
              file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(summary.human())
    print(summary.to_json())
    return 0


def _on_sigterm(control: RunControl) -> None:
    """SIGTERM (a deployment stopping the job): a micro-batch stream ends after its current batch, a bounded run at
    once (nothing of it is committed: its commit comes only after all of its output is durable)."""
    control.stop.set()
    if not control.graceful:
        raise RunTerminated("stopped by SIGTERM")


if __name__ == "__main__":
    # Importing Beam already logged through the root logger (which installs a bare default handler), so main()
    # cannot tell by the handlers whether anyone configured logging: as the entry point, this module does.
    logs.configure()
    sys.exit(main())
