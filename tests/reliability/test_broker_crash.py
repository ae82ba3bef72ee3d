"""What only a real broker can show: Apache Kafka SIGKILLed under a running pipeline and started again on the same
data directory (records and group offsets survive, as on a cluster), and records removed below a committed offset.

For each crash the run must either complete (its clients ride out the outage) or fail loudly without committing;
then a rerun with the same group loses no record and duplicates only records that were not committed. Each test
prints which of the two outcomes it saw and how long the restart took.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, TopicPartition

from presspipe.core.settings import Topics
from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import OffsetBelowLogStartError, commit_offsets, committed_offsets, \
    create_topics, new_consumer, plan_bounded_read, read_ranges
from presspipe.schemas import Article
from tests.reliability.test_faults import pipeline_flags, slow_page, story, wait_for_urls
from tests.support.brokers import own_kafka  # noqa: F401  (fixture)
from tests.support.kafka import consume_all, produce, read_avro_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def fresh_topics(settings, stem: str) -> Topics:
    topics = Topics(raw=f"{stem}.raw", articles=f"{stem}.articles", dlq=f"{stem}.dlq")
    create_topics(settings, [topics.raw, topics.articles, topics.dlq], partitions=4)
    return topics


class Pipeline:
    """The pipeline in its own process (``presspipe run``, or ``python -m presspipe.pipelines.ingest`` with
    ``module``); stderr is collected line by line, so a test can act when the run is demonstrably in the middle of
    its work (its first progress line: ``presspipe run`` shows them, see the report on ``ingest.main``'s logging)."""

    def __init__(self, settings, topics: Topics, *flags: str, module: str = "presspipe.cli"):
        entry = ["-m", module, "run"] if module == "presspipe.cli" else ["-m", module]
        command = [sys.executable, *entry, *pipeline_flags(settings, topics), *flags]
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        self.stderr_lines: list[str] = []
        self.progressing = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_lines.append(line)
            if "records in" in line or "planned records" in line:
                self.progressing.set()

    def wait_until_progressing(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.progressing.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"pipeline never reported progress (exit {self.process.poll()}): {self.stderr()[-3000:]}")

    def finish(self, timeout_s: float = 600) -> tuple[int, str]:
        stdout = self.process.communicate(timeout=timeout_s)[0] if self.process.stdout else ""
        self._reader.join(timeout=10)
        return self.process.returncode, stdout

    def stderr(self) -> str:
        return "".join(self.stderr_lines)


def urls_in(directory: Path) -> list[str]:
    return [article["url"] for article in read_avro_dir(directory, "articles")]


def test_broker_sigkilled_mid_bounded_run_then_restarted(own_kafka, tmp_path):
    settings = own_kafka.settings
    topics = fresh_topics(settings, "bounded-crash")
    produce(settings, topics.raw, [story(i, "bounded") for i in range(400)])
    every_url = {f"https://bounded.test/{i}" for i in range(400)}
    stops = {r.partition: r.stop for r in plan_bounded_read(settings, topics.raw).ranges}
    assert sum(stops.values()) == 400

    first = Pipeline(settings, topics, "--group", "crash", "--output", f"avro:{tmp_path / 'first'}", "--chunk_records", "20",
                     "--progress_s", "0.2")
    first.wait_until_progressing()
    own_kafka.kill()
    time.sleep(2)
    own_kafka.start()
    code, stdout = first.finish()

    committed = committed_offsets(settings, "crash", topics.raw)
    first_urls = urls_in(tmp_path / "first")
    if code == 0:
        outcome = "completed across the outage"
        assert committed == stops, "a completed run commits its plan's stop offsets"
        assert sorted(first_urls) == sorted(every_url), "a completed run wrote every planned record exactly once"
    else:
        outcome = f"failed loudly (exit {code})"
        assert "presspipe run failed" in first.stderr(), first.stderr()[-3000:]
        assert set(committed.values()) == {None}, "a failed run commits nothing"

    rerun = ingest.run(pipeline_flags(settings, topics, "--group", "crash", "--output", f"avro:{tmp_path / 'rerun'}"))
    rerun_urls = urls_in(tmp_path / "rerun")
    assert committed_offsets(settings, "crash", topics.raw) == stops
    assert every_url <= set(first_urls) | set(rerun_urls), "a record was lost"
    if code == 0:
        assert (rerun.read, rerun_urls) == (0, []), "nothing committed is read again"
    else:
        assert sorted(rerun_urls) == sorted(every_url) and rerun.balanced, "the rerun reads the whole uncommitted plan"
    print(f"bounded run: {outcome}; broker restarts {[round(s, 1) for s in own_kafka.restart_seconds]} s; "
          f"first run wrote {len(first_urls)}, rerun read {rerun.read}")


def test_broker_sigkilled_mid_streaming_run_then_restarted(own_kafka):
    """Streaming (``python -m presspipe.pipelines.ingest --mode streaming``): the kill lands inside a micro-batch,
    while it extracts a slow page; its outputs and its commit meet a dead broker and then a restarted one."""
    settings = own_kafka.settings
    topics = fresh_topics(settings, "streaming-crash")
    streaming = ("--mode", "streaming", "--group", "stream-crash", "--output", f"kafka:{topics.articles}")
    produce(settings, topics.raw, [story(i, "stream") for i in range(40)])
    first = Pipeline(settings, topics, *streaming, module="presspipe.pipelines.ingest")
    wait_for_urls(settings, topics.articles, {f"https://stream.test/{i}" for i in range(40)}, [first.process])
    produce(settings, topics.raw, [story(i, "stream") for i in range(40, 200)] + [slow_page()])
    time.sleep(1.5)  # the next batch (planned every 0.5 s) is inside the slow page's extraction
    committed_before_kill = committed_offsets(settings, "stream-crash", topics.raw)
    own_kafka.kill()
    time.sleep(2)
    own_kafka.start()
    produce(settings, topics.raw, [story(i, "stream") for i in range(200, 300)])
    every_url = {f"https://stream.test/{i}" for i in range(300)}

    runs, outcome = [first], "kept running across the outage"
    deadline = time.monotonic() + 300
    while True:
        articles = [Article.decode(record.value) for record in consume_all(settings, topics.articles, timeout_s=3)]
        if every_url <= {article.url for article in articles} or time.monotonic() > deadline:
            break
        if runs[-1].process.poll() is not None:
            code = runs[-1].process.returncode
            assert code != 0 and "presspipe run failed" in runs[-1].stderr(), runs[-1].stderr()[-3000:]
            outcome = f"failed loudly (exit {code}: {runs[-1].stderr().strip().splitlines()[-1][:200]}) and was started again"
            runs.append(Pipeline(settings, topics, *streaming, module="presspipe.pipelines.ingest"))
        time.sleep(1)
    urls = [article.url for article in articles]
    assert every_url <= set(urls), f"lost: {sorted(every_url - set(urls))[:10]}"
    deadline = time.monotonic() + 60
    while sum(filter(None, committed_offsets(settings, "stream-crash", topics.raw).values())) < 301:
        assert time.monotonic() < deadline, committed_offsets(settings, "stream-crash", topics.raw)
        time.sleep(0.5)
    runs[-1].process.send_signal(signal.SIGTERM)
    code, stdout = runs[-1].finish(timeout_s=180)
    assert code == 0, runs[-1].stderr()[-3000:]

    seen, duplicated = set(), []
    for article in articles:
        if article.id in seen:
            duplicated.append(article)
        seen.add(article.id)
    for article in duplicated:  # only records past what was committed when the broker died may come out twice
        assert article.raw_offset >= (committed_before_kill[article.raw_partition] or 0), article.url
    print(f"streaming run: {outcome}; broker restarts {[round(s, 1) for s in own_kafka.restart_seconds]} s; "
          f"{len(urls)} articles for 300 ids ({len(duplicated)} duplicates); committed before the kill "
          f"{sum(filter(None, committed_before_kill.values()))} records")


def test_records_deleted_below_a_committed_offset_are_reported_as_a_gap(own_kafka, tmp_path, capsys):
    """DeleteRecords (what retention does) past a group's committed offsets, and under a planned read."""
    settings = own_kafka.settings
    topics = fresh_topics(settings, "gap")
    produce(settings, topics.raw, [story(i, "gap") for i in range(40)])
    commit_offsets(settings, "behind", {(topics.raw, p): 2 for p in range(4)})
    plan = plan_bounded_read(settings, topics.raw)
    admin = KafkaAdminClient(**settings.client_kwargs())
    try:
        admin.delete_records({TopicPartition(topics.raw, p): 5 for p in range(4)})
    finally:
        admin.close()

    assert ingest.main(pipeline_flags(settings, topics, "--group", "behind", "--output", f"avro:{tmp_path}")) == 1
    error_output = capsys.readouterr().err
    assert f"{topics.raw}:0 start offset 2 is below the log start 5" in error_output, error_output
    assert "choose a start at or after 5" in error_output
    assert committed_offsets(settings, "behind", topics.raw) == {p: 2 for p in range(4)}, "nothing moved"
    assert urls_in(tmp_path) == []

    consumer = new_consumer(settings)
    try:
        with pytest.raises(OffsetBelowLogStartError, match="out of range"):
            list(read_ranges(consumer, plan.ranges, idle_timeout_s=10))  # planned from 0 before the deletion
    finally:
        consumer.close()
