"""The whole pipeline on a real portable runner: Beam's Prism (Job API, Fn API, fusion, splittable DoFns with
``defer_remainder``, watermarks, state), against the session's broker.

Beam's Flink runner is the production target, but its jars are not served by the Maven mirror here (see
deploy/README.md); Prism runs the same portable pipeline proto through the same SDK harness (LOOPBACK), so what a
real runner changes -- pickled DoFns set up in workers, bundles split and retried, the unbounded reader resumed from
its residuals, sinks acknowledging from their own windows -- is exercised here.

Bounded: read = written + dead-lettered, every record once in the Avro files, the group's offsets committed after the
outputs are durable (and not at all when an output fails). Streaming: the unbounded graph (reader, enrichment,
windowed Avro files, Kafka sink, acknowledgements, stateful offset commit) follows the topic; the job server is
SIGKILLed and a new one resumes the same group: every record is in the output (at least once), and the committed
offsets never pass a record that is not in the output.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import committed_offsets
from tests.conftest import REPO_ROOT
from tests.integration.runners.conftest import prism_job_server
from tests.support.kafka import consume_all, produce, raw_messages, read_avro_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

POISON = [(b"poison-1", b"not a raw article"), (b"poison-2", b"\x00\x01\x02"), (b"poison-3", b"{}")]


def coordinates(records) -> list[tuple[int, int]]:
    return sorted((record["raw_partition"], record["raw_offset"]) for record in records)


def raw_coordinates(settings, topic, expected) -> list[tuple[int, int]]:
    return sorted((record.partition, record.offset) for record in consume_all(settings, topic, expected=expected))


def common_flags(settings, topics) -> list[str]:
    return ["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw, "--articles_topic",
            topics.articles, "--dlq_topic", topics.dlq, "--no_entities"]


def test_bounded_run_on_prism_balances_and_commits_after_the_outputs(kafka_settings, topics, tmp_path, prism):
    produce(kafka_settings, topics.raw, raw_messages(0, 12) + POISON)
    out = tmp_path / "out"
    summary = ingest.run([*common_flags(kafka_settings, topics), "--runner", "PrismRunner", "--prism_location",
                          str(prism), "--group", "prism-bounded", "--output", f"avro:{out}", "--chunk_records", "3"])

    assert summary.runner == "PrismRunner"
    assert (summary.planned, summary.read, summary.written, summary.dead_lettered) == (15, 15, 12, 3)
    articles, dead_letters = read_avro_dir(out, "articles"), read_avro_dir(out, "dead_letters")
    assert len(articles) == 12 and len(dead_letters) == 3
    everything = raw_coordinates(kafka_settings, topics.raw, 15)
    assert sorted(coordinates(articles) + coordinates(dead_letters)) == everything, "each record once"
    assert sorted(record.key for record in consume_all(kafka_settings, topics.dlq, expected=3)) == \
        sorted(key for key, _ in POISON)
    per_partition = defaultdict(int)
    for partition, _ in everything:
        per_partition[partition] += 1
    committed = committed_offsets(kafka_settings, "prism-bounded", topics.raw)
    assert {p: offset for p, offset in committed.items() if offset} == dict(per_partition)


def test_bounded_run_on_prism_that_fails_commits_nothing(kafka_settings, topics, tmp_path, prism):
    produce(kafka_settings, topics.raw, raw_messages(0, 4))
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("an output directory cannot be created below a file")
    with pytest.raises(RuntimeError, match="failed in state FAILED"):
        ingest.run([*common_flags(kafka_settings, topics), "--runner", "PrismRunner", "--prism_location",
                    str(prism), "--group", "prism-failed", "--output", f"avro:{not_a_directory}/out"])
    assert set(committed_offsets(kafka_settings, "prism-failed", topics.raw).values()) == {None}


def start_streaming(settings, topics, endpoint: str, group: str, out: Path, log: Path, *extra: str
                    ) -> subprocess.Popen:
    """The launcher, whose LOOPBACK SDK harness runs the DoFns: one process, as a user would start it."""
    with open(log, "ab") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "presspipe.pipelines.ingest", *common_flags(settings, topics), "--mode",
             "streaming", "--group", group, "--output", f"avro:{out}", "--output", f"kafka:{topics.articles}",
             "--window_seconds", "2", "--runner", "PortableRunner", "--job_endpoint", endpoint,
             "--environment_type", "LOOPBACK", *extra],
            cwd=REPO_ROOT, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def wait_for_articles(settings, topic, count, timeout_s: float) -> set[bytes]:
    deadline, keys = time.monotonic() + timeout_s, set()
    while time.monotonic() < deadline:
        keys = {record.key for record in consume_all(settings, topic, expected=count, timeout_s=10)}
        if len(keys) >= count:
            break
    return keys


def assert_commits_cover_only_outputs(settings, topics, group, done: set[tuple[int, int]]) -> dict[int, int]:
    """Every offset below a committed one is a record that reached the output (article or dead letter)."""
    committed = {p: offset for p, offset in committed_offsets(settings, group, topics.raw).items() if offset}
    for partition, offset in committed.items():
        missing = [o for o in range(offset) if (partition, o) not in done]
        assert not missing, f"partition {partition} committed at {offset} past records not in the output: {missing}"
    return committed


def test_streaming_on_prism_survives_a_killed_job_server(kafka_settings, topics, tmp_path, prism):
    group, out = "prism-streaming", tmp_path / "out"
    first, second = raw_messages(0, 20), raw_messages(20, 15)
    produce(kafka_settings, topics.raw, first + POISON[:1])
    with prism_job_server(prism, tmp_path / "prism-1.log") as server:
        launcher = start_streaming(kafka_settings, topics, server.endpoint, group, out, tmp_path / "run-1.log")
        try:
            assert wait_for_articles(kafka_settings, topics.articles, 1, timeout_s=120), \
                (tmp_path / "run-1.log").read_text(errors="replace")[-3000:]
            produce(kafka_settings, topics.raw, second[:8])  # while it runs
            time.sleep(1.0)
            server.kill()
        finally:
            stop(launcher)
    # Nothing runs now: what the group committed must already be in the outputs (both sinks acknowledge first).
    at_kill = set(coordinates(read_avro_dir(out, "articles"))) | set(coordinates(read_avro_dir(out, "dead_letters")))
    before_restart = assert_commits_cover_only_outputs(kafka_settings, topics, group, at_kill)

    with prism_job_server(prism, tmp_path / "prism-2.log") as server:
        launcher = start_streaming(kafka_settings, topics, server.endpoint, group, out, tmp_path / "run-2.log")
        try:
            produce(kafka_settings, topics.raw, second[8:])
            raw = consume_all(kafka_settings, topics.raw, expected=len(first) + len(second) + 1)
            good = {(r.partition, r.offset) for r in raw if r.key != POISON[0][0]}
            poison = {(r.partition, r.offset) for r in raw if r.key == POISON[0][0]}
            assert len(good) == len(first) + len(second) and len(poison) == 1
            keys = wait_for_articles(kafka_settings, topics.articles, len(good), timeout_s=180)
            assert len(keys) == len(good), f"{len(keys)} distinct articles of {len(good)}; " + \
                (tmp_path / "run-2.log").read_text(errors="replace")[-3000:]
            # The Avro files of the last window are written once the watermark passes it.
            deadline = time.monotonic() + 120
            while not good <= set(coordinates(read_avro_dir(out, "articles"))):
                assert time.monotonic() < deadline, \
                    f"the Avro sink is missing {sorted(good - set(coordinates(read_avro_dir(out, 'articles'))))}"
                time.sleep(1)
            assert {record.key for record in consume_all(kafka_settings, topics.dlq, expected=1)} == {POISON[0][0]}
            assert set(coordinates(read_avro_dir(out, "dead_letters"))) == poison
            done = {(r["raw_partition"], r["raw_offset"]) for r in read_avro_dir(out, "articles")}
            done |= {(r["raw_partition"], r["raw_offset"]) for r in read_avro_dir(out, "dead_letters")}
            committed = assert_commits_cover_only_outputs(kafka_settings, topics, group, done)
        finally:
            stop(launcher)
    print(f"committed before the restart {before_restart}, after {committed}; {len(at_kill)} records out at the kill")
    assert sum(committed.values()) > 0, f"nothing committed (before the restart: {before_restart})"


def test_streaming_from_latest_on_prism_starts_at_the_end_pinned_in_the_group(kafka_settings, topics, tmp_path,
                                                                               prism):
    """``--from latest`` means the end at launch, for the reader and the committer alike (pinned in the group)."""
    group, out = "prism-latest", tmp_path / "out"
    produce(kafka_settings, topics.raw, raw_messages(0, 6))
    at_launch = defaultdict(int)
    for partition, _ in raw_coordinates(kafka_settings, topics.raw, 6):
        at_launch[partition] += 1
    with prism_job_server(prism, tmp_path / "prism.log") as server:
        launcher = start_streaming(kafka_settings, topics, server.endpoint, group, out, tmp_path / "run.log",
                                   "--from", "latest")
        try:
            deadline = time.monotonic() + 120
            while committed_offsets(kafka_settings, group, topics.raw) != {p: at_launch.get(p) for p in range(4)}:
                assert time.monotonic() < deadline, \
                    f"start not pinned: {committed_offsets(kafka_settings, group, topics.raw)} != {dict(at_launch)}"
                time.sleep(0.5)
            assert wait_for_articles(kafka_settings, topics.articles, 0, timeout_s=5) == set(), "old records read"
            produce(kafka_settings, topics.raw, raw_messages(6, 5))
            assert len(wait_for_articles(kafka_settings, topics.articles, 5, timeout_s=120)) == 5
            new = set(raw_coordinates(kafka_settings, topics.raw, 11)) - {
                (p, o) for p, count in at_launch.items() for o in range(count)}
            deadline = time.monotonic() + 120
            while set(coordinates(read_avro_dir(out, "articles"))) != new:
                assert time.monotonic() < deadline, "the Avro files hold other records than the new ones"
                time.sleep(1)
            assert_commits_cover_only_outputs(
                kafka_settings, topics, group, new | {(p, o) for p, count in at_launch.items() for o in range(count)})
        finally:
            stop(launcher)
