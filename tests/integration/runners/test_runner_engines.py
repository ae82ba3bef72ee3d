"""The same planned range of one raw topic through every engine presspipe supports locally, compared with the
in-process run: the multi-process DirectRunner and the portable path (Beam's job service + an external SDK worker
pool, the Job API / Fn API contract of the Flink runner).

Each engine's run must read the same records and produce the same article ids and dead-letter ids, and the
dead-letter topic must hold each dead letter exactly once (a runner that evaluates a branch twice would send twice).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.scaling import portable_job_service
from presspipe.connectors.base import RawArticleProducer, run_connector
from presspipe.connectors.files import FilesConnector
from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import create_topics
from tests.support.kafka import consume_all, read_avro_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
INPUTS = [REPO / "presspipe" / "samples", REPO / "tests" / "fixtures" / "html"]
CHUNK_RECORDS = "4"  # several chunks per partition, so work is actually spread


@dataclass(frozen=True)
class Outcome:
    summary: ingest.RunSummary
    article_ids: tuple[str, ...]
    dead_letter_ids: tuple[str, ...]
    dlq_keys: tuple[str, ...]


def new_topic(settings, stem: str) -> str:
    name = f"{stem}-{uuid.uuid4().hex[:8]}"
    create_topics(settings, [name], partitions=4)
    return name


@pytest.fixture(scope="module")
def raw_topic(kafka_settings) -> str:
    topic = new_topic(kafka_settings, "engines.raw")
    producer = RawArticleProducer(kafka_settings, topic)
    try:
        report = run_connector(FilesConnector(INPUTS), producer)
    finally:
        producer.close()
    assert report.ok and report.sent > 10, report.as_dict()
    return topic


def run_on(settings, raw: str, out_dir: Path, *flags: str) -> Outcome:
    dlq = new_topic(settings, "engines.dlq")
    summary = ingest.run(["--bootstrap-servers", settings.bootstrap_servers, "--raw-topic", raw, "--dlq-topic", dlq,
                          "--output", f"avro:{out_dir}", "--chunk-records", CHUNK_RECORDS, *flags])
    dlq_records = consume_all(settings, dlq, expected=summary.dead_lettered, timeout_s=10)
    return Outcome(
        summary=summary,
        article_ids=tuple(sorted(r["id"] for r in read_avro_dir(out_dir, "articles"))),
        dead_letter_ids=tuple(sorted(r["id"] for r in read_avro_dir(out_dir, "dead_letters"))),
        dlq_keys=tuple(sorted(r.key.decode() for r in dlq_records)),
    )


@pytest.fixture(scope="module")
def in_process(kafka_settings, raw_topic, tmp_path_factory) -> Outcome:
    outcome = run_on(kafka_settings, raw_topic, tmp_path_factory.mktemp("in-process"))
    assert outcome.summary.runner == "FnApiRunner"
    assert outcome.summary.balanced and outcome.summary.read == outcome.summary.planned
    assert outcome.article_ids and outcome.dead_letter_ids, "the inputs include an empty page: one dead letter"
    assert outcome.dlq_keys == outcome.dead_letter_ids
    return outcome


def assert_same_run(engine: Outcome, reference: Outcome) -> None:
    assert engine.summary.balanced
    assert (engine.summary.planned, engine.summary.read, engine.summary.written, engine.summary.dead_lettered) == (
        reference.summary.planned, reference.summary.read, reference.summary.written,
        reference.summary.dead_lettered)
    assert engine.article_ids == reference.article_ids
    assert engine.dead_letter_ids == reference.dead_letter_ids
    assert engine.dlq_keys == reference.dead_letter_ids, "each dead letter sent exactly once"
    assert engine.summary.languages == reference.summary.languages


def test_multiprocess_direct_runner_matches_in_process(kafka_settings, raw_topic, in_process, tmp_path):
    outcome = run_on(kafka_settings, raw_topic, tmp_path / "out", "--runner", "DirectRunner",
                     "--direct_num_workers", "2", "--direct_running_mode", "multi_processing")
    assert_same_run(outcome, in_process)


def test_portable_runner_with_external_worker_pool_matches_in_process(kafka_settings, raw_topic, in_process,
                                                                      tmp_path):
    with portable_job_service(tmp_path) as engine:
        outcome = run_on(kafka_settings, raw_topic, tmp_path / "out", *engine.flags)
        pool_log = engine.logs[0].read_text(errors="replace")
    assert outcome.summary.runner == "PortableRunner"
    assert "Starting worker with command" in pool_log, "SDK harnesses ran as processes of the worker pool"
    assert_same_run(outcome, in_process)
