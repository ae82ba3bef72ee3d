"""Faults in the middle of a run, against the embedded broker and real processes: nothing acknowledged is lost,
nothing is skipped, and every failure is loud.

Scenarios: SIGKILL of a streaming pipeline then restart; a second member of the same group killed mid-run; the
dead-letter topic unwritable; a replay whose start is below the log start; the broker stopped and restarted under a
running connector (client side: this broker keeps data in memory only).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import IncompatibleBrokerVersion, KafkaError, UnsupportedVersionError

from presspipe.connectors.base import Connector, RawArticleProducer, run_connector
from presspipe.pipelines import ingest
from presspipe.pipelines.options import ConfigError
from presspipe.pipelines.io.kafka import KafkaIOError, OffsetBelowLogStartError, committed_offsets, create_topics, \
    plan_bounded_read, StartPosition
from presspipe.broker import start_broker, stop_broker
from presspipe.core.settings import KafkaSettings
from presspipe.schemas import Article, DeadLetter
from tests.reliability.hostile import ENGLISH, raw
from tests.support.kafka import consume_all, produce, read_avro_dir, recent_whole_hour, with_large_raw_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def story(i: int, prefix: str = "fault") -> tuple[bytes, bytes]:
    """A small plain-text article with its own URL (the id the test follows through the pipeline)."""
    record = raw(f"Report {i} from the harbour. {ENGLISH}".encode(), content_type="text/plain",
                 url=f"https://{prefix}.test/{i}")
    return record.id.encode(), record.encode()


def pipeline_flags(settings: KafkaSettings, topics, *extra: str) -> list[str]:
    return ["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw,
            "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities", *extra]


def start_streaming(settings: KafkaSettings, topics, group: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "presspipe.pipelines.ingest", *pipeline_flags(settings, topics),
               "--mode", "streaming", "--group", group, "--output", f"kafka:{topics.articles}"]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def article_urls(settings: KafkaSettings, topic: str) -> list[str]:
    return [Article.decode(record.value).url for record in consume_all(settings, topic, timeout_s=3)]


def wait_for_urls(settings: KafkaSettings, topic: str, wanted: set[str], processes, patience_s: float = 120.0
                  ) -> list[str]:
    """Poll the articles topic until every wanted URL is there (or a process died, or patience ran out)."""
    deadline = time.monotonic() + patience_s
    while True:
        urls = article_urls(settings, topic)
        if wanted <= set(urls) or time.monotonic() > deadline:
            return urls
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"pipeline exited with {process.returncode}: {process.stderr.read()[-3000:]}")
        time.sleep(0.5)


def extraction_workers_of(parent_pid: int, patience_s: float) -> list[int]:
    """Live ``presspipe.pipelines.guard`` processes started by ``parent_pid`` (it passes its pid on their command line),
    after waiting up to ``patience_s`` for them to notice that their parent is gone."""
    deadline = time.monotonic() + patience_s
    while True:
        workers = []
        for entry in Path("/proc").iterdir():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, NotADirectoryError, PermissionError, ProcessLookupError):
                continue
            if b"presspipe.pipelines.guard" in arguments and str(parent_pid).encode() in arguments and state != "Z":
                workers.append(int(entry.name))
        if not workers or time.monotonic() > deadline:
            return workers
        time.sleep(0.2)


def stop_gracefully(process: subprocess.Popen) -> dict:
    """SIGTERM (stop after the current batch); returns the run summary the process printed."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)


def slow_page() -> tuple[bytes, bytes]:
    """Seconds of extraction (under the default time limit): the batch holding it is surely running for a while."""
    record = raw(("<html><body>" + "<p>word " * 80_000 + "</body></html>").encode(), url="https://fault.test/slow")
    return record.id.encode(), record.encode()


def test_sigkill_mid_run_then_restart_loses_no_id(kafka_settings, topics):
    waves = [[story(i) for i in range(0, 40)], [story(i) for i in range(40, 240)] + [slow_page()],
             [story(i) for i in range(240, 280)]]
    every_url = {f"https://fault.test/{i}" for i in range(280)}
    produce(kafka_settings, topics.raw, waves[0])
    first = start_streaming(kafka_settings, topics, "killed")
    try:
        wait_for_urls(kafka_settings, topics.articles, {f"https://fault.test/{i}" for i in range(40)}, [first])
        # The slow page first: whichever batch sees any of the second wave holds it (on Apache Kafka the wave takes
        # long enough to produce that a batch may be planned over part of it).
        produce(kafka_settings, topics.raw, waves[1][-1:])
        produce(kafka_settings, topics.raw, waves[1][:-1])
        time.sleep(1.5)  # the next batch (planned every 0.5 s) is inside the slow page's extraction
        assert extraction_workers_of(first.pid, patience_s=0), "the pipeline extracts in a worker process"
    finally:
        kill(first)
    committed_at_kill = sum(offset or 0 for offset in committed_offsets(kafka_settings, "killed", topics.raw).values())
    assert committed_at_kill == 40, f"the kill was meant to land inside the second batch: {committed_offsets(kafka_settings, 'killed', topics.raw)}"
    assert not extraction_workers_of(first.pid, patience_s=30), "the killed pipeline left extraction workers behind"
    produce(kafka_settings, topics.raw, waves[2])

    second = start_streaming(kafka_settings, topics, "killed")
    try:
        urls = wait_for_urls(kafka_settings, topics.articles, every_url, [second])
        deadline = time.monotonic() + 60
        while sum(committed_offsets(kafka_settings, "killed", topics.raw).values()) < 281 and \
                time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        summary = stop_gracefully(second)
    assert every_url <= set(urls), f"missing after restart: {sorted(every_url - set(urls))[:10]}"
    assert summary["read"] == summary["written"] + summary["dead_lettered"] and summary["balanced"]
    assert summary["read"] == 281 - committed_at_kill, "the restart reads exactly what was not committed"
    assert sum(committed_offsets(kafka_settings, "killed", topics.raw).values()) == 281
    print(f"committed at kill {committed_at_kill}, articles {len(urls)} for 280 ids "
          f"({len(urls) - len(set(urls))} duplicates), restart summary {summary}")


def test_bounded_run_stops_at_once_on_sigterm_and_commits_nothing(kafka_settings, topics):
    """SIGTERM in the middle of a bounded run (inside a slow page's extraction, seconds of work still ahead):
    the run stops now, not when the plan is done, commits nothing, says so and exits 143 (128 + SIGTERM)."""
    slow = [raw(("<html><body>" + f"<p>slow {n} " * 80_000 + "</body></html>").encode(),
                url=f"https://fault.test/slow-{n}") for n in range(3)]
    produce(kafka_settings, topics.raw, [story(i, "terminated") for i in range(5)]
            + [(record.id.encode(), record.encode()) for record in slow])
    command = [sys.executable, "-m", "presspipe.pipelines.ingest", *pipeline_flags(kafka_settings, topics),
               "--group", "terminated", "--output", f"kafka:{topics.articles}", "--progress_s", "0.000001"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        seen = []
        for line in process.stderr:  # the first progress line: the run is enriching, its slow pages ahead
            seen.append(line)
            if "presspipe.progress" in line:
                break
        assert process.poll() is None, "".join(seen)[-3000:]
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
        stopped_after_s = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            kill(process)
    assert process.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "stopped by SIGTERM; no offsets were committed" in err, err[-3000:]
    assert set(committed_offsets(kafka_settings, "terminated", topics.raw).values()) == {None}
    # Three slow pages are 3 x 10 s of extraction (each stopped at the default time limit): stopping "at once"
    # means long before that work could have been done.
    assert stopped_after_s < 10, f"took {stopped_after_s:.1f}s to stop"
    assert not extraction_workers_of(process.pid, patience_s=30), "extraction workers left behind"


def test_a_failing_stream_says_which_offsets_its_earlier_batches_committed(kafka_settings, topics, monkeypatch,
                                                                             capsys):
    """Batch one commits; a later batch fails (no extraction worker can start). The failure message must not
    claim that nothing was committed: it names the offsets that stay committed."""
    import threading

    from tests.support.faults import fail_extraction_worker_restarts, produce_atomically

    produce(kafka_settings, topics.raw, [story(i, "stream-fails") for i in range(5)])
    killed = fail_extraction_worker_restarts(monkeypatch)

    def second_wave():
        deadline = time.monotonic() + 120
        while sum(v or 0 for v in committed_offsets(kafka_settings, "fails-later", topics.raw).values()) < 5:
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        # one record batch: the next micro-batch holds both, the slow page first
        produce_atomically(kafka_settings, topics.raw, [slow_page(), story(5, "stream-fails")], partition=0)

    writer = threading.Thread(target=second_wave, daemon=True)
    writer.start()
    code = ingest.main(pipeline_flags(kafka_settings, topics, "--mode", "streaming", "--group", "fails-later",
                                      "--extract_timeout_ms", "300"))
    writer.join(timeout=30)
    assert code == 1 and killed
    error = capsys.readouterr().err
    committed = committed_offsets(kafka_settings, "fails-later", topics.raw)
    assert sum(committed.values()) == 5
    expected = ", ".join(f"{topics.raw}:{partition}={offset}" for partition, offset in sorted(committed.items()))
    assert f"offsets committed earlier for group 'fails-later' stay committed: {expected}" in error, error
    assert "nothing committed" not in error


def test_member_of_the_group_killed_while_another_runs_loses_nothing(kafka_settings, topics):
    produce(kafka_settings, topics.raw, [story(i, "group") for i in range(60)])
    doomed = start_streaming(kafka_settings, topics, "shared")
    survivor = start_streaming(kafka_settings, topics, "shared")
    try:
        wait_for_urls(kafka_settings, topics.articles, {f"https://group.test/{i}" for i in range(60)},
                      [doomed, survivor])
        produce(kafka_settings, topics.raw, [story(i, "group") for i in range(60, 160)])
        kill(doomed)
        produce(kafka_settings, topics.raw, [story(i, "group") for i in range(160, 200)])
        urls = wait_for_urls(kafka_settings, topics.articles, {f"https://group.test/{i}" for i in range(200)},
                             [survivor])
    finally:
        if doomed.poll() is None:
            kill(doomed)
        summary = stop_gracefully(survivor)
    assert {f"https://group.test/{i}" for i in range(200)} <= set(urls)
    assert summary["balanced"]
    assert sum(committed_offsets(kafka_settings, "shared", topics.raw).values()) == 200
    print(f"two members: {len(urls)} articles for 200 ids ({len(urls) - len(set(urls))} duplicates)")


def test_invalid_dead_letter_topic_is_refused_before_anything_is_read(kafka_settings, topics):
    produce(kafka_settings, topics.raw, [story(i, "dlq") for i in range(3)])
    with pytest.raises(ConfigError, match="invalid Kafka topic name 'no such topic!'"):
        ingest.run(pipeline_flags(kafka_settings, topics, "--group", "dlq-name", "--dlq_topic", "no such topic!"))
    assert set(committed_offsets(kafka_settings, "dlq-name", topics.raw).values()) == {None}


def test_oversized_dead_letter_is_capped_and_a_refused_send_fails_the_run_without_commit(kafka_settings, topics,
                                                                                          tmp_path):
    """A raw record of 17 MB that is not a raw article (a decode dead letter). Uncapped (``--max_dead_letter_payload_bytes 0``) its
    dead letter exceeds the producer's 16 MB request limit and kafka-python refuses the send: the bundle fails, so the
    run fails naming the topic, nothing is committed, nothing is skipped, and a rerun stops at the same record. With
    the default cap the letter carries the first 1,000,000 bytes and the full size, and the run completes."""
    topics = with_large_raw_topic(kafka_settings, topics)
    poison = (b"poison-huge", b"\x00" * (17 * 1024 * 1024))
    produce(kafka_settings, topics.raw, [story(i, "dlq") for i in range(7)])
    big = KafkaProducer(acks="all", max_request_size=32 * 1024 * 1024, **kafka_settings.client_kwargs())
    big.send(topics.raw, key=poison[0], value=poison[1]).get(timeout=60)
    big.close()

    for attempt in range(2):
        with pytest.raises(KafkaIOError, match=rf"cannot send to '{topics.dlq}': MessageSizeTooLargeError"):
            ingest.run(pipeline_flags(kafka_settings, topics, "--group", "dlq-down",
                                      "--max_dead_letter_payload_bytes", "0"))
        assert set(committed_offsets(kafka_settings, "dlq-down", topics.raw).values()) == {None}, attempt
    assert consume_all(kafka_settings, topics.dlq, timeout_s=2) == []

    summary = ingest.run(pipeline_flags(kafka_settings, topics, "--group", "dlq-down", "--output", f"avro:{tmp_path}"))
    assert (summary.read, summary.written, summary.dead_lettered) == (8, 7, 1) and summary.balanced
    [letter] = [DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, expected=1)]
    assert (letter.id, letter.stage, len(letter.payload)) == ("poison-huge", "decode", 1_000_000)
    assert letter.payload_truncated_from == len(poison[1]) and letter.payload == poison[1][:1_000_000]
    assert letter.raw_topic == topics.raw and letter.raw_offset is not None
    [in_file] = read_avro_dir(tmp_path, "dead_letters")
    assert len(in_file["payload"]) == len(poison[1]) and in_file["payload_truncated_from"] is None, \
        "Avro files keep the whole payload"
    assert sum(committed_offsets(kafka_settings, "dlq-down", topics.raw).values()) == 8


def delete_records(settings: KafkaSettings, broker_engine: str, before: dict[TopicPartition, int]) -> None:
    """DeleteRecords: every partition of ``before`` then starts at its offset. Skips on Tansu, which is known not to
    implement it (it drops the connection, so no answer could tell; see the contract suite), and on the broker's
    own "unsupported" answer; any other failure (a connection failure on Kafka) fails the test."""
    if broker_engine == "tansu":
        pytest.skip("Tansu does not implement DeleteRecords (tests/integration/contract pins its answer)")
    admin = KafkaAdminClient(**settings.client_kwargs())
    try:
        answer = admin.delete_records(before)
    except KafkaError as error:
        # One partition's error code arrives as its own class, several as one BrokerResponseError naming each.
        if isinstance(error, (UnsupportedVersionError, IncompatibleBrokerVersion)) or \
                "UnsupportedVersionError" in str(error):
            pytest.skip(f"this broker answers that it does not support DeleteRecords: {type(error).__name__}: {error}")
        raise
    finally:
        admin.close()
    assert {tp: result["low_watermark"] for tp, result in answer.items()} == before


def test_replay_below_the_log_start_fails_clearly_with_delete_records(kafka_settings, topics, broker_engine):
    """DeleteRecords removes the head of every partition, then a replay from offset 0 must fail, naming the gap.
    Runs on Apache Kafka (the session broker)."""
    produce(kafka_settings, topics.raw, [story(i, "retention") for i in range(20)])
    delete_records(kafka_settings, broker_engine, {TopicPartition(topics.raw, p): 2 for p in range(4)})
    with pytest.raises(OffsetBelowLogStartError, match=rf"{topics.raw}:0 start offset 0 is below the log start 2"):
        ingest.run(pipeline_flags(kafka_settings, topics, "--offsets", f"{topics.raw}:0:0"))


@pytest.mark.parametrize("deleted_up_to, since_minute, expected_start", [
    (10, 60 * 24, 10),  # a time after every record: the end, found from the new log start (the end itself)
    (2, 0, 2),  # the first record: deleted, so the first one kept, at the new log start
])
def test_records_removed_while_the_read_is_planned_are_planned_around(kafka_settings, topics, broker_engine,
                                                                      monkeypatch, deleted_up_to, since_minute,
                                                                      expected_start):
    """Retention deleting records between the plan's look-up of the log start and its probes of record times (seen:
    test records stamped long ago, deleted by Kafka's retention check mid-test): the probe below the new log start
    is out of range, and the plan is made again instead of failing. Partition ``p`` holds 10 records, one a minute."""
    from presspipe.pipelines.io import kafka as kafka_io

    minute_zero = int(recent_whole_hour().timestamp()) * 1000
    producer = KafkaProducer(acks="all", **kafka_settings.client_kwargs())
    futures = [producer.send(topics.raw, key=b"%d" % i, value=b"v", partition=i % 4,
                             timestamp_ms=minute_zero + (i // 4) * 60_000) for i in range(40)]
    producer.flush()
    assert all(future.get(timeout=30) for future in futures)
    producer.close()
    deletions, real_high_watermarks = [], kafka_io.high_watermarks

    def high_watermarks_then_delete(*args, **kwargs):
        ends = real_high_watermarks(*args, **kwargs)
        if not deletions:  # after the first look-up of the log start and the end, once
            deletions.append(deleted_up_to)
            delete_records(kafka_settings, broker_engine,
                           {TopicPartition(topics.raw, p): deleted_up_to for p in range(4)})
        return ends

    monkeypatch.setattr(kafka_io, "high_watermarks", high_watermarks_then_delete)
    since = datetime.fromtimestamp(minute_zero / 1000 + since_minute * 60, timezone.utc)
    plan = plan_bounded_read(kafka_settings, topics.raw, StartPosition("since", since=since))

    assert deletions == [deleted_up_to]
    assert [(r.partition, r.start, r.stop) for r in plan.ranges] == [(p, expected_start, 10) for p in range(4)]


def test_replay_below_the_reported_log_start_fails_clearly(kafka_settings, topics, monkeypatch, capsys):
    """The embedded broker cannot delete records, so the consumer reports a log start of 5 (as after retention)."""
    produce(kafka_settings, topics.raw, [story(i, "retention") for i in range(20)])
    real_beginning = KafkaConsumer.beginning_offsets
    monkeypatch.setattr(KafkaConsumer, "beginning_offsets",
                        lambda self, partitions: {tp: max(5, offset) for tp, offset in
                                                  real_beginning(self, partitions).items()})

    with pytest.raises(OffsetBelowLogStartError) as caught:
        plan_bounded_read(kafka_settings, topics.raw, StartPosition("offsets", offsets={(topics.raw, 1): 2}))
    assert f"{topics.raw}:1 start offset 2 is below the log start 5" in str(caught.value)

    from presspipe.pipelines.io.kafka import commit_offsets
    commit_offsets(kafka_settings, "behind", {(topics.raw, p): 1 for p in range(4)})
    assert ingest.main(pipeline_flags(kafka_settings, topics, "--group", "behind")) == 1
    error_output = capsys.readouterr().err
    assert "presspipe run failed" in error_output and "below the log start 5" in error_output
    assert "choose a start at or after 5" in error_output
    assert set(committed_offsets(kafka_settings, "behind", topics.raw).values()) == {1}, "nothing moved"


def test_push_endpoint_that_could_not_produce_exits_non_zero(tmp_path):
    """``presspipe connect http`` whose broker went away: the request is answered 503 and, once stopped, the command
    exits 1 (it failed to deliver), not 0."""
    import httpx

    handle = start_broker(log_path=tmp_path / "broker.log")
    try:
        settings = KafkaSettings(bootstrap_servers=handle.bootstrap_servers)
        create_topics(settings, ["push.raw"], partitions=1)
        process = subprocess.Popen(
            [sys.executable, "-m", "presspipe.cli", "--bootstrap-servers", handle.bootstrap_servers, "--raw-topic",
             "push.raw", "connect", "http", "--port", "0", "--ack-timeout", "2", "--state",
             str(tmp_path / "http.sqlite")],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        try:
            line = process.stdout.readline()
            assert line.startswith("listening on http://127.0.0.1:"), line + process.stderr.read()
            address = line.split()[2]
            stop_broker(handle)
            response = httpx.post(f"{address}/articles", json={"url": "https://push.test/lost", "text": "Words"},
                                  timeout=60)
            assert response.status_code == 503
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                kill(process)
    finally:
        stop_broker(handle)
    assert process.returncode == 1, out + err
    assert "failed sends 1" in out, err[-3000:]


class PacedConnector(Connector):
    """Yields ``count`` records, one every ``pause_s``, and runs ``fault(index)`` before each (the fault injector)."""

    name = "paced"

    def __init__(self, count: int, pause_s: float, fault):
        self.count, self.pause_s, self.fault = count, pause_s, fault

    def fetch(self):
        for index in range(self.count):
            self.fault(index)
            yield raw(f"Paced story {index}. {ENGLISH}".encode(), content_type="text/plain",
                      url=f"https://paced.test/{index}")
            time.sleep(self.pause_s)


@pytest.mark.parametrize("producer_options", [{}, {"enable_idempotence": False}], ids=["default", "no-idempotence"])
def test_broker_restart_under_a_running_connector(tmp_path, producer_options):
    count, stop_at, restart_at = 120, 40, 70
    handle = start_broker(log_path=tmp_path / "broker.log")
    settings = KafkaSettings(bootstrap_servers=handle.bootstrap_servers)
    create_topics(settings, ["paced.raw"], partitions=2)
    state = {"handle": handle}

    def fault(index: int) -> None:
        if index == stop_at:
            stop_broker(state["handle"])
        elif index == restart_at:
            state["handle"] = start_broker(port=handle.port, log_path=tmp_path / "broker.log")
            create_topics(settings, ["paced.raw"], partitions=2)

    acknowledged = []
    producer = RawArticleProducer(settings, "paced.raw", delivery_timeout_s=30, producer_options=producer_options)
    try:
        report = run_connector(PacedConnector(count, 0.02, fault), producer,
                               on_acknowledged=lambda record: acknowledged.append(record.url))
        landed = {raw_article_url(record.value) for record in consume_all(settings, "paced.raw", timeout_s=3)}
    finally:
        producer.close()
        stop_broker(state["handle"])

    every = {f"https://paced.test/{i}" for i in range(count)}
    unacknowledged = every - set(acknowledged)
    assert report.sent == len(acknowledged) == len(set(acknowledged)), "sent counts acknowledgements only"
    assert report.failed_sends == len(unacknowledged) == count - report.sent, "every other record is reported"
    # Records fetched after the stop never reached the old broker: each one is in the new broker or reported failed.
    after_stop = {f"https://paced.test/{i}" for i in range(stop_at, count)}
    assert after_stop - landed <= unacknowledged, "a record counted as sent is missing from the broker"
    if producer_options.get("enable_idempotence") is False:
        during_outage = {f"https://paced.test/{i}" for i in range(stop_at, restart_at)}
        assert during_outage <= landed, "records buffered during the outage are re-sent after the restart"
    else:
        assert report.failed_sends > 0 and report.failures_by_type, "the outage is reported, not hidden"
    print(f"{producer_options or 'default'}: sent {report.sent}, failed {report.failed_sends} "
          f"{dict(report.failures_by_type)}, in the restarted broker {len(landed)}")


def raw_article_url(value: bytes) -> str:
    from presspipe.schemas import RawArticle

    return RawArticle.decode(value).url
