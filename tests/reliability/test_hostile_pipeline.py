"""Every hostile input in one topic through the real pipeline (embedded broker, in-process Beam): one dead letter per
poison record at the expected stage, one correct article per good one, the run goes on and its counts add up."""

from __future__ import annotations

from collections import Counter

import pytest
from kafka import KafkaProducer

from presspipe.connectors.base import ConnectorReport, RawArticleProducer
from presspipe.pipelines import ingest
from presspipe.pipelines.options import DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES
from presspipe.schemas import Article, DeadLetter
from tests.reliability.hostile import ENGLISH, Case, article_page, cases, encoded, raw
from tests.support.kafka import consume_all, read_avro_dir, with_large_raw_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def runaway_case() -> Case:
    """Tiny paragraphs by the hundred thousand: under every size limit, seconds of trafilatura time."""
    page = ("<html><body>" + "<p>word " * 120_000 + "</body></html>").encode()
    return Case("runaway-extraction", encoded(page), stage="limits", message_contains="extract_timeout")


def produce_large(settings, topic: str, messages: list[tuple[bytes, bytes | None, list]]) -> None:
    producer = KafkaProducer(acks="all", max_request_size=32 * 1024 * 1024, **settings.client_kwargs())
    futures = [producer.send(topic, key=key, value=value, headers=headers) for key, value, headers in messages]
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    producer.close()


def test_poison_records_in_one_run(kafka_settings, topics, tmp_path):
    all_cases = cases() + [runaway_case()]
    good = [Case(f"good-{i}", encoded(article_page([f"Story {i}. {ENGLISH}"]).encode(), name=f"good-{i}"))
            for i in range(3)]
    all_cases += good
    topics = with_large_raw_topic(kafka_settings, topics)
    produce_large(kafka_settings, topics.raw, [(case.key, case.value, case.headers) for case in all_cases])

    summary = ingest.run(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", topics.raw,
                          "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities",
                          "--extract_timeout_ms", "3000", "--output", f"avro:{tmp_path}",
                          "--output", f"kafka:{topics.articles}"])

    print(summary.human(), summary.dead_letters_by_type)
    poison = [case for case in all_cases if case.stage]
    articles_expected = [case for case in all_cases if not case.stage]
    assert summary.read == len(all_cases)
    assert summary.read == summary.written + summary.dead_lettered
    assert (summary.written, summary.dead_lettered) == (len(articles_expected), len(poison))
    assert summary.dead_letters_by_stage == dict(Counter(case.stage for case in poison))
    assert sum(summary.dead_letters_by_type.values()) == len(poison)

    letters = {letter.id: letter for letter in
               (DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, len(poison)))}
    assert sorted(letters) == sorted(case.name for case in poison)
    # The Beam counters behind the summary agree with the dead letters actually written.
    assert summary.dead_letters_by_type == dict(Counter(letter.error_type for letter in letters.values()))
    for case in poison:
        letter = letters[case.name]
        assert letter.stage == case.stage, (case.name, letter.stage, letter.error_message)
        original = case.value or b""
        if len(original) <= DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES:
            assert letter.payload == original, f"{case.name}: the dead letter must carry the original bytes"
            assert letter.payload_truncated_from is None
        else:  # capped to fit a topic's message limit; the Avro file below keeps the whole value
            assert letter.payload == original[:DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES], case.name
            assert letter.payload_truncated_from == len(original), case.name
        assert letter.raw_topic == topics.raw and letter.raw_offset is not None
        if case.message_contains:
            assert case.message_contains in letter.error_message

    keys = {(record.partition, record.offset): record.key.decode()
            for record in consume_all(kafka_settings, topics.raw, len(all_cases))}
    published = {keys[(article.raw_partition, article.raw_offset)]: article for article in
                 (Article.decode(record.value)
                  for record in consume_all(kafka_settings, topics.articles, len(articles_expected)))}
    assert sorted(published) == sorted(case.name for case in articles_expected)
    for case in articles_expected:
        if case.check:
            case.check(published[case.name])
    assert len(published["url-100kb"].url) > 100 * 1024
    assert len(read_avro_dir(tmp_path, "articles")) == len(articles_expected)
    in_files = {letter["id"]: letter for letter in read_avro_dir(tmp_path, "dead_letters")}
    assert sorted(in_files) == sorted(case.name for case in poison)
    assert all(in_files[case.name]["payload"] == (case.value or b"") for case in poison), "files keep whole payloads"


def test_fifty_megabyte_page_is_reported_by_the_connector_never_counted_as_sent(kafka_settings, topics):
    producer = RawArticleProducer(kafka_settings, topics.raw, delivery_timeout_s=30)
    report = ConnectorReport()
    try:
        producer.send(raw(b"<p>" + b"a" * (50 * 1024 * 1024) + b"</p>", name="fifty-mb"), report)
        producer.send(raw(article_page([ENGLISH]).encode(), name="normal"), report)
        producer.drain(report)
    finally:
        producer.close()
    assert (report.sent, report.failed_sends) == (1, 1)
    assert report.failures_by_type == Counter({"MessageSizeTooLargeError": 1})
    assert [record.key for record in consume_all(kafka_settings, topics.raw, expected=1)] == \
        [raw(article_page([ENGLISH]).encode(), name="normal").id.encode()]


def test_page_over_the_memory_cap_is_a_dead_letter_and_the_run_goes_on(kafka_settings, topics, tmp_path):
    hog = Case("memory-hog", encoded(("<html><body>" + "<p>word " * 100_000 + "</body></html>").encode(),
                                     name="memory-hog"), stage="limits", message_contains="extract_memory_mb")
    good = [Case(f"good-{i}", encoded(article_page([f"Story {i}. {ENGLISH}"]).encode(), name=f"good-{i}"))
            for i in range(2)]
    produce_large(kafka_settings, topics.raw, [(case.key, case.value, case.headers) for case in [good[0], hog, good[1]]])

    summary = ingest.run(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", topics.raw,
                          "--articles_topic", topics.articles, "--dlq_topic", topics.dlq, "--no_entities",
                          "--extract_timeout_ms", "60000", "--extract_memory_mb", "200",
                          "--output", f"avro:{tmp_path}"])

    assert (summary.read, summary.written, summary.dead_lettered) == (3, 2, 1)
    assert summary.dead_letters_by_stage == {"limits": 1}
    [letter] = [DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, 1)]
    assert letter.id == "memory-hog" and "extract_memory_mb exceeded (limit 200)" in letter.error_message
    assert len(read_avro_dir(tmp_path, "articles")) == 2
