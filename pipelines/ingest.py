"""The ingestion pipeline: raw topic → decode → enrich → Avro files and/or Kafka, failures → dead-letter topic.

``build_pipeline`` wires the transforms; ``run`` plans the read, runs, commits offsets after the outputs are durable
and returns a ``RunSummary``; ``main`` is ``python -m pipelines.ingest`` and ``presspipe run``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Sequence

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions

from pipelines.io.avro import WriteDatumsToAvro
from pipelines.io.kafka import METRICS_NAMESPACE, KafkaIOError, ReadFromKafkaBounded, ReadPlan, WriteToKafka, \
    commit_offsets, plan_bounded_read
from pipelines.options import ConfigError, IngestConfig
from pipelines.runners import resolve_runner, runner_label
from pipelines.transforms import DEAD_LETTER_COUNTER_PREFIX, DEAD_LETTERS, LANGUAGE_COUNTER_PREFIX, EnrichRecords, \
    dead_letter_pair
from schemas.codec import ARTICLE, DEAD_LETTER

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

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "balanced": self.balanced}, sort_keys=True)

    def human(self) -> str:
        lines = [f"read {self.read}" + (f" of {self.planned} planned" if self.planned is not None else "")
                 + f", written {self.written}, dead-lettered {self.dead_lettered} in {self.seconds:.1f}s "
                 f"on {self.runner}"]
        if self.dead_letters_by_stage:
            lines.append("dead letters by stage: " + ", ".join(
                f"{stage}={count}" for stage, count in sorted(self.dead_letters_by_stage.items())))
        if self.languages:
            lines.append("languages: " + ", ".join(
                f"{language}={count}" for language, count in sorted(self.languages.items(), key=lambda kv: -kv[1])))
        lines.extend(f"output: {output}" for output in self.outputs)
        return "\n".join(lines)


def build_pipeline(pipeline: beam.Pipeline, config: IngestConfig, plan: ReadPlan | None) -> None:
    if config.streaming:
        from pipelines.io.kafka_streaming import ReadFromKafkaStreaming

        records = pipeline | "ReadRaw" >> ReadFromKafkaStreaming(config.kafka, config.topics.raw)
    else:
        records = pipeline | "ReadRaw" >> ReadFromKafkaBounded(config.kafka, plan, config.chunk_records)
    enriched = records | "Enrich" >> EnrichRecords(config.enrich, tag_entities=config.tag_entities)
    articles, dead_letters = enriched.articles, enriched[DEAD_LETTERS]

    (dead_letters | "DeadLetterPairs" >> beam.Map(dead_letter_pair)
     | "WriteDeadLetters" >> WriteToKafka(config.kafka, config.topics.dlq, "dead_letters_sent"))
    for index, output in enumerate(config.outputs):
        if output.kind == "avro":
            (articles | f"ArticleDatums{index}" >> beam.Map(lambda encoded: encoded.article.to_avro())
             | f"WriteArticlesAvro{index}" >> WriteDatumsToAvro(output.target, "articles", ARTICLE))
            (dead_letters | f"DeadLetterDatums{index}" >> beam.Map(lambda letter: letter.to_avro())
             | f"WriteDeadLettersAvro{index}" >> WriteDatumsToAvro(output.target, "dead_letters", DEAD_LETTER))
        else:
            (articles | f"ArticlePairs{index}" >> beam.Map(lambda encoded: encoded.kafka_pair())
             | f"WriteArticlesKafka{index}" >> WriteToKafka(config.kafka, output.target, "articles_sent"))


def pipeline_options(argv: Sequence[str]) -> PipelineOptions:
    options = PipelineOptions(list(argv))
    # Workers in other processes (multi-processing, Dask, portable) must import this project, not pickled globals.
    options.view_as(SetupOptions).save_main_session = False
    return options


def run(argv: Sequence[str]) -> RunSummary:
    """Plan, run and commit. Raises ConfigError for bad flags, RunFailedError/KafkaIOError when the run fails."""
    options = pipeline_options(argv)
    config = IngestConfig.from_options(options)
    plan = None if config.streaming else plan_bounded_read(config.kafka, config.topics.raw, config.start, config.until)
    runner = resolve_runner(options, config.streaming)
    started = time.monotonic()
    pipeline = beam.Pipeline(runner=runner, options=options)
    build_pipeline(pipeline, config, plan)
    result = pipeline.run()
    state = result.wait_until_finish()
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


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        summary = run(sys.argv[1:] if argv is None else argv)
    except ConfigError as error:
        print(f"presspipe run: {error}", file=sys.stderr)
        return 2
    except (KafkaIOError, RunFailedError) as error:
        print(f"presspipe run failed: {error}", file=sys.stderr)
        return 1
    print(summary.human())
    print(summary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
