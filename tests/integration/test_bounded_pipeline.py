"""Connector → broker → Beam (in-process) → Avro and Kafka, against the embedded broker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from presspipe.connectors.base import RawArticleProducer, build_raw_article, run_connector
from presspipe.connectors.files import FilesConnector
from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import committed_offsets, plan_bounded_read, StartPosition
from presspipe.schemas import Article, DeadLetter
from tests.support.faults import fail_extraction_worker_restarts
from tests.support.kafka import consume_all, produce, read_avro_dir, recent_whole_hour
from tests.support.pages import ARTICLE, LINKED_SENTENCE, linked_sentence_page

pytestmark = pytest.mark.integration


def send_files(settings, topic, paths):
    producer = RawArticleProducer(settings, topic)
    try:
        report = run_connector(FilesConnector(list(paths)), producer)
    finally:
        producer.close()
    assert report.ok, report.as_dict()
    return report


def run_pipeline(settings, topics, *flags):
    return ingest.run(["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", topics.raw,
                       "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, *flags])


@pytest.mark.slow
def test_seeds_become_hindi_articles_with_stable_ids(kafka_settings, topics, seeds_dir, tmp_path):
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert len(seeds) == 2
    send_files(kafka_settings, topics.raw, seeds)

    first = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'a'}")
    second = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'b'}")

    assert (first.read, first.written, first.dead_lettered) == (2, 2, 0)
    records = read_avro_dir(tmp_path / "a", "articles")
    assert len(records) == 2
    for record in records:
        assert record["language"] == "hi"
        assert record["body"].strip() and record["paragraphs"]
        assert record["raw_topic"] == topics.raw and record["raw_offset"] is not None
        assert record["entities"], "the Avro output carries the tagged entities"
        for entity in record["entities"]:
            assert record["body"][entity["start"]:entity["end"]] == entity["text"]
            assert entity["label"] in {"PERSON", "ORG", "LOC"}
    places = {e["normalized"] for r in records for e in r["entities"] if e["label"] == "LOC"}
    assert {"वियतनाम", "रूस"} <= places
    again = read_avro_dir(tmp_path / "b", "articles")
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in again)
    assert sorted(r["content_hash"] for r in records) == sorted(r["content_hash"] for r in again)
    assert second.balanced


@pytest.mark.slow
def test_no_recall_safety_net_reaches_the_workers(kafka_settings, topics, tmp_path):
    """The flag travels with the pipeline's settings to the extraction worker: the paragraph only the second pass
    finds is in the default run's article and not in the article of the run without the net."""
    page = build_raw_article(connector="test", source_name="t", content_type="text/html",
                             url="https://courier.example/ferry", body=linked_sentence_page().encode())
    produce(kafka_settings, topics.raw, [(page.id.encode(), page.encode())])
    thorough = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'a'}", "--no_entities")
    precise = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'b'}", "--no_entities",
                           "--no_recall_safety_net")
    assert (thorough.written, precise.written) == (1, 1)
    [with_net] = read_avro_dir(tmp_path / "a", "articles")
    [without] = read_avro_dir(tmp_path / "b", "articles")
    assert with_net["paragraphs"] == [*ARTICLE[:2], LINKED_SENTENCE, *ARTICLE[2:]]
    assert without["paragraphs"] == ARTICLE

@pytest.mark.slow
def test_garbage_message_becomes_exactly_one_dead_letter(kafka_settings, topics, tmp_path):
    good = build_raw_article(connector="test", source_name="t", content_type="text/plain",
                             body="A quiet morning in the harbour town.\n\nThe ferry left on time.".encode())
    produce(kafka_settings, topics.raw, [(b"garbage", b"\x00\x01 definitely not avro"),
                                         (good.id.encode(), good.encode())])
    summary = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path}", "--output",
                           f"kafka:{topics.articles}", "--no_entities")

    assert (summary.read, summary.written, summary.dead_lettered) == (2, 1, 1)
    assert summary.dead_letters_by_stage == {"decode": 1}
    letters = [DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, expected=1)]
    assert len(letters) == 1
    assert letters[0].id == "garbage" and letters[0].stage == "decode"
    assert letters[0].payload == b"\x00\x01 definitely not avro"
    assert letters[0].raw_topic == topics.raw and letters[0].raw_offset is not None
    published = [Article.decode(record.value) for record in consume_all(kafka_settings, topics.articles, expected=1)]
    assert [a.body for a in published] == [r["body"] for r in read_avro_dir(tmp_path, "articles")]
    assert len(read_avro_dir(tmp_path, "dead_letters")) == 1


def test_plan_counts_batched_records_exactly(kafka_settings, topics):
    """Batched produce: a broker whose end_offsets lag the high watermark must not make the plan stop early."""
    produce(kafka_settings, topics.raw, [(str(i).encode(), b"v%d" % i) for i in range(1000)], linger_ms=50)
    plan = plan_bounded_read(kafka_settings, topics.raw)
    assert plan.total == 1000
    assert sum(r.stop for r in plan.ranges) == 1000


MINUTE_ZERO = recent_whole_hour()  # inside retention: see its docstring


def minute(i: int, microseconds: int = 0) -> datetime:
    return MINUTE_ZERO + timedelta(minutes=i, microseconds=microseconds)


def produce_one_record_a_minute(settings, topic, count: int = 40) -> None:
    """Record ``i`` (a raw article) at minute ``i`` after MINUTE_ZERO on partition ``i % 4``: partition ``p`` holds
    ``i = p, p + 4, p + 8 ...`` at offsets ``0, 1, 2 ...``, so record ``i`` is at offset ``i // 4``."""
    from kafka import KafkaProducer

    base = int(MINUTE_ZERO.timestamp() * 1000)
    producer = KafkaProducer(acks="all", **settings.client_kwargs())
    futures = []
    for i in range(count):
        raw = build_raw_article(connector="test", source_name="t", content_type="text/plain",
                                url=f"https://minute.test/{i}",
                                body=f"Minute {i} report.\n\nThe harbour ferry left on time again today.".encode())
        futures.append(producer.send(topic, key=raw.id.encode(), value=raw.encode(), partition=i % 4,
                                     timestamp_ms=base + i * 60_000))
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    producer.close()


# Minutes 10..19, written out by hand from the layout above: --since 00:10 takes the record stamped exactly 00:10
# (i = 10: partition 2, offset 2), --until 00:20 stops before the record stamped exactly 00:20 (i = 20: partition 0,
# offset 5). Per partition: the first offset at or after minute 10, the first at or after minute 20.
WINDOW_RANGES = [(0, 3, 5), (1, 3, 5), (2, 2, 5), (3, 2, 5)]
WINDOW_RECORDS = {(0, 3), (0, 4), (1, 3), (1, 4), (2, 2), (2, 3), (2, 4), (3, 2), (3, 3), (3, 4)}
# --until 00:20 alone: minutes 0..19, offsets 0..4 of every partition.
UNTIL_RECORDS = {(partition, offset) for partition in range(4) for offset in range(5)}


def test_plan_for_time_window_is_exact_at_both_edges_and_empty_after_the_end(kafka_settings, topics):
    produce_one_record_a_minute(kafka_settings, topics.raw)

    window = plan_bounded_read(kafka_settings, topics.raw,
                               StartPosition("since", since=minute(10)), until=minute(20))
    assert [(r.partition, r.start, r.stop) for r in window.ranges] == WINDOW_RANGES
    # a millisecond later, the record stamped exactly 00:10 is out and the one stamped 00:20 is in
    shifted = plan_bounded_read(kafka_settings, topics.raw,
                                StartPosition("since", since=minute(10, 1000)),
                                until=minute(20, 1000))
    assert [(r.partition, r.start, r.stop) for r in shifted.ranges] == [(0, 3, 6), (1, 3, 5), (2, 3, 5), (3, 2, 5)]
    after_everything = plan_bounded_read(kafka_settings, topics.raw,
                                         StartPosition("since", since=minute(60 * 24)))
    assert after_everything.total == 0


def output_coordinates(directory) -> set[tuple[int, int]]:
    return {(record["raw_partition"], record["raw_offset"]) for record in read_avro_dir(directory, "articles")}


def test_presspipe_replay_and_until_read_exactly_their_window(kafka_settings, topics, tmp_path, capsys):
    from presspipe.cli import main

    produce_one_record_a_minute(kafka_settings, topics.raw)
    common = ["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw-topic", topics.raw,
              "--articles-topic", topics.articles, "--dlq-topic", topics.dlq]
    assert main([*common, "replay", "--since", minute(10).isoformat(), "--until", minute(20).isoformat(),
                 "--output", f"avro:{tmp_path / 'window'}", "--no_entities"]) == 0
    assert output_coordinates(tmp_path / "window") == WINDOW_RECORDS
    assert main([*common, "run", "--until", minute(20).isoformat(), "--output", f"avro:{tmp_path / 'until'}",
                 "--no_entities"]) == 0
    assert output_coordinates(tmp_path / "until") == UNTIL_RECORDS
    # replay into a group is refused before anything is read
    capsys.readouterr()
    assert main([*common, "replay", "--since", minute(10).isoformat(), "--group", "live",
                 "--output", f"avro:{tmp_path / 'refused'}"]) == 2
    assert "--since with --group" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()
    assert set(committed_offsets(kafka_settings, "live", topics.raw).values()) == {None}


def story(i: int) -> tuple[bytes, bytes]:
    raw = build_raw_article(connector="test", source_name="t", content_type="text/plain",
                            url=f"https://sinks.test/{i}",
                            body=f"Report {i}.\n\nThe council met on Tuesday to discuss the budget.".encode())
    return raw.id.encode(), raw.encode()


@pytest.mark.slow
def test_the_run_balances_at_every_sink_and_commits_only_then(kafka_settings, topics, tmp_path):
    """Counted where it is durable: the dead-letter topic, the Avro files, the articles topic. With the dead-letter
    branch of the enrichment dropping its letters, the run must fail without committing."""
    produce(kafka_settings, topics.raw, [(b"garbage", b"not a raw article"), story(1), story(2)])
    summary = run_pipeline(kafka_settings, topics, "--group", "sinks", "--output", f"avro:{tmp_path}",
                           "--output", f"kafka:{topics.articles}", "--no_entities")

    assert summary.articles_by_sink == {f"avro:{tmp_path}": 2, f"kafka:{topics.articles}": 2}
    assert summary.dead_letters_by_sink == {f"kafka:{topics.dlq}": 1, f"avro:{tmp_path}": 1}
    assert (summary.read, summary.written, summary.dead_lettered, summary.balanced) == (3, 2, 1, True)
    assert sum(committed_offsets(kafka_settings, "sinks", topics.raw).values()) == 3
    assert [DeadLetter.decode(r.value).stage for r in consume_all(kafka_settings, topics.dlq, expected=1)] == ["decode"]
    assert len(read_avro_dir(tmp_path, "dead_letters")) == 1 and len(read_avro_dir(tmp_path, "articles")) == 2


@pytest.mark.slow
def test_dead_letter_guard_stops_a_run_that_dead_letters_nearly_everything_for_one_reason(kafka_settings, topics,
                                                                                           capsys):
    """22 of 25 records fail the same way (88 %): above a share of 0.85 the run fails and commits nothing; the
    default share (0.9) lets it through as bad input, and commits."""
    garbage = [(f"garbage-{i}".encode(), b"not a raw article %d" % i) for i in range(22)]
    produce(kafka_settings, topics.raw, garbage + [story(i) for i in range(3)])
    flags = ["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", topics.raw,
             "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities", "--group", "guarded"]

    assert ingest.main([*flags, "--max_dead_letter_share", "0.85"]) == 1
    error = capsys.readouterr().err
    assert "22 of 25 records are dead letters at stage 'decode' with RawDecodeError" in error, error
    assert "committed nothing" in error and "no offsets were committed" in error
    assert set(committed_offsets(kafka_settings, "guarded", topics.raw).values()) == {None}

    summary = run_pipeline(kafka_settings, topics, "--group", "guarded", "--no_entities")
    assert (summary.read, summary.written, summary.dead_lettered) == (25, 3, 22)
    assert sum(committed_offsets(kafka_settings, "guarded", topics.raw).values()) == 25


@pytest.mark.slow
def test_a_failed_start_of_the_extraction_worker_fails_the_run(kafka_settings, topics, monkeypatch):
    """A slow page costs its worker (killed at the time limit); the restart for the next article fails for real
    (the worker gets no time to report ready). No extraction is possible: the run fails, nothing is committed and
    the good article is not dead-lettered."""
    from kafka import KafkaProducer

    slow = build_raw_article(connector="test", source_name="t", content_type="text/html", url="https://guard.test/slow",
                             body=("<html><body>" + "<p>word " * 80_000 + "</body></html>").encode())
    producer = KafkaProducer(acks="all", **kafka_settings.client_kwargs())
    for key, value in [(slow.id.encode(), slow.encode()), story(1)]:
        producer.send(topics.raw, key=key, value=value, partition=0).get(timeout=30)
    producer.close()

    killed = fail_extraction_worker_restarts(monkeypatch)
    with pytest.raises(Exception, match="extraction worker not ready"):
        run_pipeline(kafka_settings, topics, "--group", "no-worker", "--no_entities", "--extract_timeout_ms", "300")
    assert killed, "the slow page was meant to cost its worker"
    assert set(committed_offsets(kafka_settings, "no-worker", topics.raw).values()) == {None}
    # the slow page's own letter may have gone out before the failure (at least once: it is not committed)
    letters = [DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, timeout_s=2)]
    assert {(letter.id, letter.stage) for letter in letters} <= {(slow.id, "limits")}, letters


@pytest.mark.slow
def test_committed_offsets_resume_where_the_last_run_ended(kafka_settings, topics, tmp_path):
    first_batch = [build_raw_article(connector="test", source_name="t", content_type="text/plain",
                                     body=f"Report number {i}. The council met on Tuesday to discuss the budget "
                                          f"for the coming year and the new bridge.".encode()) for i in range(6)]
    produce(kafka_settings, topics.raw, [(r.id.encode(), r.encode()) for r in first_batch[:4]])
    first = run_pipeline(kafka_settings, topics, "--group", "g1", "--output", f"avro:{tmp_path / 'one'}",
                         "--no_entities")
    produce(kafka_settings, topics.raw, [(r.id.encode(), r.encode()) for r in first_batch[4:]])
    second = run_pipeline(kafka_settings, topics, "--group", "g1", "--output", f"avro:{tmp_path / 'two'}",
                          "--no_entities")
    assert (first.read, second.read) == (4, 2)
    assert sum(first.committed.values()) == 4 and sum(second.committed.values()) == 6


@pytest.mark.slow
@pytest.mark.parametrize("java", [True, False], ids=["with-java", "without-java"])
def test_cli_demo_runs_and_stops_everything(tmp_path, monkeypatch, capsys, java):
    """With Java the demo runs on Apache Kafka; without it, on Tansu, saying why (and starting no JVM)."""
    from presspipe.broker import apache_kafka
    from presspipe.cli import main

    monkeypatch.chdir(tmp_path)
    if not java:
        monkeypatch.setattr(apache_kafka, "find_java", lambda: None)
        monkeypatch.setattr(apache_kafka, "prepare", lambda *args, **kwargs: pytest.fail("the demo started Kafka"))
    elif apache_kafka.unavailable_reason():
        pytest.skip(f"Apache Kafka cannot run here: {apache_kafka.unavailable_reason()}")
    assert main(["demo", "--output-dir", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    if java:
        assert "(Apache Kafka 4." in printed and "using Tansu" not in printed
    else:
        assert "using Tansu, the in-memory broker without a JVM: no Java found" in printed
        assert "(Tansu, in memory;" in printed
    output = next((tmp_path / "out").iterdir())
    articles = read_avro_dir(output, "articles")
    assert {a["language"] for a in articles} >= {"hi", "en", "fr"}
    assert len(read_avro_dir(output, "dead_letters")) == 1


def test_cli_demo_fails_with_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    from presspipe.cli import main
    from presspipe.pipelines.io import avro

    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a directory")
    assert main(["demo", "--output-dir", str(in_the_way / "out")]) == 1
    error = capsys.readouterr().err
    assert "cannot create the output folder" in error and "Traceback" not in error, error

    # a failure inside the pipeline (a worker's error, wrapped by the runner): the Avro sink cannot open its files
    real_count = avro.count_avro_records
    monkeypatch.setattr(avro, "count_avro_records", lambda path: real_count(path + ".vanished"))
    assert main(["demo", "--output-dir", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "presspipe demo failed:" in error and ".vanished" in error and "Traceback" not in error, error


def test_workers_log_progress_while_a_bounded_run_goes(kafka_settings, topics, tmp_path, caplog):
    from presspipe.pipelines.progress import PROGRESS_LOGGER

    stories = [build_raw_article(connector="test", source_name="t", content_type="text/plain", url=f"https://p.test/{i}",
                                 body=f"Harbour report {i}.\n\nThe ferry left on time again today.".encode())
               for i in range(6)]
    produce(kafka_settings, topics.raw, [(b"garbage", b"not avro")] + [(s.id.encode(), s.encode()) for s in stories])
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    summary = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path}", "--no_entities",
                           "--progress_s", "0.000001")

    lines = [record for record in caplog.records if record.name == PROGRESS_LOGGER]
    assert lines, "no progress line"
    assert max(line.records for line in lines) == summary.read == 7
    assert max(line.dead_letters for line in lines) == summary.dead_lettered == 1
    assert all("records/s lately" in line.getMessage() for line in lines)
    # the in-process runner is the run's only worker: its lines speak for the whole plan
    assert {line.planned for line in lines} == {7} and "7 of 7 planned records (100%)" in lines[-1].getMessage()


@pytest.mark.slow
def test_entity_flags_reach_the_workers_watch_list_and_model_switch(kafka_settings, topics, tmp_path):
    watch_list = tmp_path / "watch.jsonl"
    watch_list.write_text('{"id": "WL-7", "label": "ORG", "names": {"en": ["Lindholm Harbour Trust"]}}\n', "utf-8")
    english = build_raw_article(connector="test", source_name="t", content_type="text/plain", url="https://e.test/1",
                                body=("Ferry fares rise again\n\nThe Lindholm Harbour Trust said on Monday that "
                                      "fares for the morning ferry will rise in March.").encode())
    french = build_raw_article(connector="test", source_name="t", content_type="text/plain", url="https://f.test/1",
                               body=("Le budget de la ville\n\nEmmanuel Macron a rencontré le maire de Lyon mardi à "
                                     "Paris pour parler du budget de la ville et des transports.").encode())
    produce(kafka_settings, topics.raw, [(a.id.encode(), a.encode()) for a in (english, french)])

    summary = run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'out'}",
                           "--entity_list", str(watch_list), "--entity_model", "fr=none")
    assert (summary.read, summary.written) == (2, 2)
    by_language = {record["language"]: record for record in read_avro_dir(tmp_path / "out", "articles")}
    watched = [e for e in by_language["en"]["entities"] if e["kb_id"] == "WL-7"]
    assert [(e["text"], e["label"]) for e in watched] == [("Lindholm Harbour Trust", "ORG")]
    french_entities = by_language["fr"]["entities"]
    assert "Paris" in {e["text"] for e in french_entities}, french_entities
    assert all(e["source"] != "model" for e in french_entities), "fr=none must leave French to the gazetteer"

    # the same records with the default models: the French model finds the person the gazetteer cannot
    run_pipeline(kafka_settings, topics, "--output", f"avro:{tmp_path / 'default'}")
    [default_french] = [r for r in read_avro_dir(tmp_path / "default", "articles") if r["language"] == "fr"]
    assert ("Emmanuel Macron", "PERSON", "model") in {(e["text"], e["label"], e["source"])
                                                      for e in default_french["entities"]}
