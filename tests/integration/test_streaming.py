"""Streaming and replay against the embedded broker, with the pipeline in its own process where it is killed."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from presspipe.connectors.base import build_raw_article
from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import commit_offsets, committed_offsets, plan_bounded_read
from presspipe.schemas import Article, DeadLetter
from tests.conftest import REPO_ROOT
from tests.support.faults import produce_atomically
from tests.support.kafka import consume_all, produce, raw_messages, read_avro_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def start_streaming(settings, topics, group, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "presspipe.pipelines.ingest", "--mode", "streaming", "--group", group,
         "--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw, "--articles_topic",
         topics.articles, "--dlq_topic", topics.dlq, "--no_entities", *extra],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def distinct_ids(settings, topic, expected):
    return {record.key for record in consume_all(settings, topic, expected=expected, timeout_s=90)}


class LogLines:
    """The lines a pipeline process writes to stderr, read on a thread, so a test can wait for a given one."""

    def __init__(self, process: subprocess.Popen):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process.stderr,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, *fragments: str, timeout_s: float = 120.0) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no line with {fragments} in {timeout_s:.0f}s; last lines: {''.join(self.seen[-20:])}")
            self.seen.append(line)
            if all(fragment in line for fragment in fragments):
                return line


def start_observable_streaming(settings, topics, group):
    """The stream through the CLI at INFO: its read plans, progress lines and "batch done" lines are observable."""
    return subprocess.Popen(
        [sys.executable, "-m", "presspipe.cli", "--log-level", "INFO", "--bootstrap-servers",
         settings.bootstrap_servers, "--raw-topic", topics.raw, "--articles-topic", topics.articles,
         "--dlq-topic", topics.dlq, "run", "--mode", "streaming", "--group", group, "--no_entities",
         "--progress_s", "0.000001"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def slow_page():
    """Seconds of extraction, stopped at the default time limit (10 s): the batch holding it runs at least that long."""
    raw = build_raw_article(connector="test", source_name="t", content_type="text/html", url="https://slow.test/",
                            body=("<html><body>" + "<p>word " * 80_000 + "</body></html>").encode())
    return raw.id.encode(), raw.encode()


def durable_coordinates(settings, topics) -> set[tuple[int, int]]:
    articles = [Article.decode(r.value) for r in consume_all(settings, topics.articles, timeout_s=3)]
    letters = [DeadLetter.decode(r.value) for r in consume_all(settings, topics.dlq, timeout_s=3)]
    return {(a.raw_partition, a.raw_offset) for a in articles} | {(d.raw_partition, d.raw_offset) for d in letters}


def test_killed_streaming_run_resumes_and_loses_nothing(kafka_settings, topics):
    """SIGKILL inside a batch seen to be running: what is committed then is exactly the batches before it, every
    record below the committed offsets is already in the output, and the restart brings the rest."""
    produce(kafka_settings, topics.raw, raw_messages(0, 30))
    process = start_observable_streaming(kafka_settings, topics, "killed")
    try:
        log = LogLines(process)
        log.wait_for("batch done")
        first = committed_offsets(kafka_settings, "killed", topics.raw)
        assert sum(first.values()) == 30, first

        # One record batch: the next micro-batch holds all 31 records, in this order. Its first progress line
        # comes after the first story; the slow page right behind it keeps the batch running for 10 s more.
        wave = raw_messages(30, 15) + [slow_page()] + raw_messages(45, 15)
        produce_atomically(kafka_settings, topics.raw, wave, partition=0)
        log.wait_for("read plan", "records=31")
        log.wait_for("presspipe.progress")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    at_kill = committed_offsets(kafka_settings, "killed", topics.raw)
    assert at_kill == first, "offsets of the batch in flight were committed before its output was durable"
    durable = durable_coordinates(kafka_settings, topics)
    for partition, offset in at_kill.items():
        missing = set((partition, o) for o in range(offset or 0)) - durable
        assert not missing, f"committed but not in the output: {sorted(missing)}"

    process = start_streaming(kafka_settings, topics, "killed")
    try:
        assert len(distinct_ids(kafka_settings, topics.articles, 60)) == 60
        deadline = time.monotonic() + 60
        while sum(v or 0 for v in committed_offsets(kafka_settings, "killed", topics.raw).values()) < 61:
            assert time.monotonic() < deadline, "offsets were not committed after the output was written"
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0
    assert {(p, o) for p, end in committed_offsets(kafka_settings, "killed", topics.raw).items()
            for o in range(end)} <= durable_coordinates(kafka_settings, topics)


def test_streaming_writes_avro_and_kafka_and_stops_on_sigterm(kafka_settings, topics, tmp_path):
    process = start_streaming(kafka_settings, topics, "two-outputs", "--output", f"kafka:{topics.articles}",
                              "--output", f"avro:{tmp_path}")
    try:
        produce(kafka_settings, topics.raw, raw_messages(0, 5))
        assert len(distinct_ids(kafka_settings, topics.articles, 5)) == 5
        produce(kafka_settings, topics.raw, [(b"poison", b"not a raw article")] + raw_messages(5, 3))
        assert len(distinct_ids(kafka_settings, topics.articles, 8)) == 8
        assert len(consume_all(kafka_settings, topics.dlq, expected=1)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "written 8, dead-lettered 1" in stdout
    assert len(read_avro_dir(tmp_path, "articles")) == 8
    assert len(read_avro_dir(tmp_path, "dead_letters")) == 1


def test_micro_batches_load_the_models_once(kafka_settings, topics):
    """Every micro-batch is a new Beam run; the entity models and extraction workers must outlive them (a value
    that changed per batch in their cache key once reloaded everything per batch: seconds of latency each)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "presspipe.cli", "--log-level", "INFO", "--bootstrap-servers",
         kafka_settings.bootstrap_servers, "--raw-topic", topics.raw, "--articles-topic", topics.articles,
         "--dlq-topic", topics.dlq, "run", "--mode", "streaming", "--group", "models-once"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        produce(kafka_settings, topics.raw, raw_messages(0, 3))
        assert len(distinct_ids(kafka_settings, topics.articles, 3)) == 3
        produce(kafka_settings, topics.raw, raw_messages(3, 5))  # a batch of another size: another plan
        assert len(distinct_ids(kafka_settings, topics.articles, 8)) == 8
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert stderr.count("batch done") >= 2, stderr[-2000:]
    loads = [line for line in stderr.splitlines() if "enrichment resources loaded" in line]
    assert len(loads) == 1 and "entity tagger: yes" in loads[0], stderr[-2000:]


def test_replay_stops_at_the_end_captured_at_launch(kafka_settings, topics, tmp_path):
    produce(kafka_settings, topics.raw, raw_messages(0, 40))
    keep_writing = threading.Event()
    keep_writing.set()

    def writer():
        number = 1000
        while keep_writing.is_set():
            produce(kafka_settings, topics.raw, raw_messages(number, 5))
            number += 5
            time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        summary = ingest.run(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", topics.raw,
                              "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities",
                              "--output", f"avro:{tmp_path}"])
    finally:
        keep_writing.clear()
        thread.join(timeout=30)
    records = read_avro_dir(tmp_path, "articles")
    assert summary.read == summary.planned == len(records) >= 40
    by_partition = {}
    for record in records:
        by_partition.setdefault(record["raw_partition"], []).append(record["raw_offset"])
    for offsets in by_partition.values():
        assert sorted(offsets) == list(range(len(offsets))), "a replay reads a contiguous prefix, once"


def dispatch_numbers(settings, topic, expected) -> set[int]:
    """The ``i`` of every "Dispatch i." article (raw_messages) on ``topic``."""
    bodies = [Article.decode(record.value).body for record in consume_all(settings, topic, expected=expected)]
    return {int(body.split()[1].rstrip(".")) for body in bodies}


def stream_in_process_until_committed(settings, topics, group: str, committed: int, *flags: str):
    """``--mode streaming`` (local micro-batches) on a thread until ``group`` has committed ``committed`` offsets in
    all, then stopped; returns the run's summary."""
    stop, summaries = threading.Event(), []
    argv = ["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw, "--articles_topic",
            topics.articles, "--dlq_topic", topics.dlq, "--no_entities", "--mode", "streaming", "--group", group,
            *flags]
    thread = threading.Thread(target=lambda: summaries.append(ingest.run(argv, stop)), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while sum(offset or 0 for offset in committed_offsets(settings, group, topics.raw).values()) < committed:
            assert thread.is_alive(), "the stream ended by itself"
            assert time.monotonic() < deadline, committed_offsets(settings, group, topics.raw)
            time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=120)
    assert len(summaries) == 1, "the stream did not end cleanly"
    return summaries[0]


def test_from_latest_resumes_a_group_that_committed_and_starts_a_new_one_at_the_end(kafka_settings, topics):
    """``--from latest`` locally means what it means on Flink or Prism (pin_latest_start): where the group has
    committed, the stream resumes there -- a restart with unchanged flags must not skip what arrived while it was
    down; a group that never committed starts at the end at launch."""
    produce(kafka_settings, topics.raw, raw_messages(0, 4))
    commit_offsets(kafka_settings, "resumed", plan_bounded_read(kafka_settings, topics.raw).stop_offsets())
    produce(kafka_settings, topics.raw, raw_messages(4, 3))  # "Dispatch 4." .. "Dispatch 6."

    summary = stream_in_process_until_committed(kafka_settings, topics, "resumed", 7, "--from", "latest")
    assert (summary.read, summary.written) == (3, 3)
    assert dispatch_numbers(kafka_settings, topics.articles, 3) == {4, 5, 6}

    thread = threading.Thread(target=lambda: (time.sleep(3), produce(kafka_settings, topics.raw, raw_messages(7, 2))))
    thread.start()
    summary = stream_in_process_until_committed(kafka_settings, topics, "new", 9, "--from", "latest")
    thread.join()
    assert (summary.read, summary.written) == (2, 2), "a new group reads only what arrived after the launch"
    assert dispatch_numbers(kafka_settings, topics.articles, 5) == {4, 5, 6, 7, 8}


def test_unbounded_reader_follows_the_topic_on_a_portable_engine(kafka_settings, topics):
    """The splittable-DoFn reader that Flink and Dataflow run, here on Beam's FnApiRunner (Kafka → Kafka)."""
    script = f"""
import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from presspipe.pipelines.io.kafka import WriteToKafka
from presspipe.pipelines.io.kafka_streaming import ReadFromKafkaStreaming
from presspipe.core.settings import KafkaSettings
settings = KafkaSettings({kafka_settings.bootstrap_servers!r})
with beam.Pipeline(runner=FnApiRunner()) as pipeline:
    read = pipeline | ReadFromKafkaStreaming(settings, {topics.raw!r})
    read.records | beam.Map(lambda record: (record.key, record.value)) | WriteToKafka(settings, {topics.articles!r})
"""
    process = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        produce(kafka_settings, topics.raw, raw_messages(0, 10))
        time.sleep(1)
        produce(kafka_settings, topics.raw, raw_messages(10, 10))
        copied = consume_all(kafka_settings, topics.articles, expected=20, timeout_s=90)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert sorted(record.key for record in copied) == sorted(key for key, _ in raw_messages(0, 20))
