"""Connector → broker → Beam (in-process) → Avro and Kafka, against the embedded broker."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from presspipe.connectors.base import RawArticleProducer, build_raw_article, run_connector
from presspipe.connectors.files import FilesConnector
from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import plan_bounded_read, StartPosition
from presspipe.schemas import Article, DeadLetter
from tests.support.kafka import consume_all, produce, read_avro_dir

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


def test_plan_for_time_window_and_empty_tail(kafka_settings, topics):
    base = int(datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp() * 1000)
    from kafka import KafkaProducer

    producer = KafkaProducer(acks="all", **kafka_settings.client_kwargs())
    futures = [producer.send(topics.raw, key=str(i).encode(), value=b"x", partition=i % 4,
                             timestamp_ms=base + i * 60_000) for i in range(40)]
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    producer.close()

    window = plan_bounded_read(kafka_settings, topics.raw,
                               StartPosition("since", since=datetime(2024, 5, 1, 0, 10, tzinfo=timezone.utc)),
                               until=datetime(2024, 5, 1, 0, 20, tzinfo=timezone.utc))
    assert window.total == 10  # minutes 10..19
    after_everything = plan_bounded_read(kafka_settings, topics.raw,
                                         StartPosition("since", since=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    assert after_everything.total == 0


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
