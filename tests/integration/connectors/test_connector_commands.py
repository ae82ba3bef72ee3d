"""``presspipe connect feed|sitemap|warc`` through the real CLI parser, in process, against the embedded broker."""

from __future__ import annotations

import json

import pytest

from presspipe.cli import main
from tests.integration.connectors.e2e_support import raw_records
from tests.unit.connectors.local_site import LocalSite, Route, article_html, fixture_text
from tests.unit.connectors.warc_files import Capture, warc_bytes, write

pytestmark = pytest.mark.integration


def connect(kafka_settings, topics, *arguments: str) -> int:
    return main(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw-topic", topics.raw,
                 "connect", *arguments])


def last_report(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_feed_sitemap_and_warc_commands(kafka_settings, topics, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PRESSPIPE_HOME", str(tmp_path / "home"))
    with LocalSite() as site:
        site.add("/atom.xml", Route(fixture_text("atom.xml", site.base), content_type="application/atom+xml",
                                    etag='"a1"'))
        site.add("/news/bruecke.html", Route(article_html("Neue Brücke eröffnet")))
        site.add("/sitemap.xml", Route(fixture_text("sitemap_archive.xml", site.base), content_type="text/xml"))
        site.add("/news/library.html", Route(article_html("Library reopens")))
        site.add("/news/old-fair.html", Route(article_html("Old fair")))
        polite = ["--per-host-delay", "0", "--retries", "0"]

        assert connect(kafka_settings, topics, "feed", site.url("/atom.xml"), "--once", *polite) == 0
        assert last_report(capsys)["sent"] == 1
        assert (tmp_path / "home" / "state" / "feed.sqlite").is_file()
        assert connect(kafka_settings, topics, "feed", site.url("/atom.xml"), *polite) == 0
        assert last_report(capsys)["sent"] == 0

        assert connect(kafka_settings, topics, "sitemap", site.url("/sitemap.xml"), "--since", "2025-01-01",
                       "--state", str(tmp_path / "sitemap.sqlite"), *polite) == 0
        report = last_report(capsys)
        assert (report["sent"], report["skipped"]) == (1, 1)

        assert connect(kafka_settings, topics, "feed", site.url("/missing.xml"), *polite) == 1
        assert last_report(capsys)["fetch_failures"] == 1

    archive = write(tmp_path / "x.warc.gz", warc_bytes([Capture("https://w.test/1", article_html("One"))]))
    assert connect(kafka_settings, topics, "warc", str(archive), "--state", str(tmp_path / "warc.sqlite")) == 0
    assert last_report(capsys)["sent"] == 1
    assert len(raw_records(kafka_settings, topics.raw, expected=3)) == 3


def test_warc_damaged_record_is_dead_lettered_and_retried(kafka_settings, topics, tmp_path, capsys):
    """``connect warc`` over an archive with a damaged gzip member: exit 1, the stretch on the DLQ topic (stage
    connect, file and offset), the state "completed with errors"; ``--retry-failed`` after a repair produces it."""
    from presspipe.connectors.state import WARC_COMPLETE, WARC_COMPLETED_WITH_ERRORS, ConnectorState
    from presspipe.connectors.warc import file_key
    from presspipe.schemas import DeadLetter
    from tests.support.kafka import consume_all
    from tests.unit.connectors.warc_files import corrupt_record, record_offsets

    data = warc_bytes([Capture(f"https://w.test/{n}", article_html(f"Story {n}")) for n in range(1, 5)])
    archive = write(tmp_path / "d.warc.gz", corrupt_record(data, 2))  # record 2 = Story 2
    state = ["--state", str(tmp_path / "warc.sqlite")]
    dlq = ["--dlq-topic", topics.dlq]
    run = lambda *extra: main(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw-topic", topics.raw,
                               *dlq, "connect", "warc", str(archive), *state, *extra])

    assert run() == 1
    report = last_report(capsys)
    assert (report["sent"], report["fetch_failures"], report["dead_letters_sent"]) == (3, 1, 1)
    (letter,) = [DeadLetter.decode(record.value) for record in consume_all(kafka_settings, topics.dlq, expected=1)]
    assert (letter.stage, letter.error_type, letter.source_location, letter.source_offset) == (
        "connect", "CorruptRecordError", str(archive.resolve()), record_offsets(data)[2])
    with ConnectorState(tmp_path / "warc.sqlite") as opened:
        assert opened.warc_status(file_key(archive)) == WARC_COMPLETED_WITH_ERRORS
        assert opened.warc_failures(file_key(archive))[0].dead_lettered

    assert run() == 0 and last_report(capsys)["sent"] == 0  # a plain rerun skips the file, saying why

    archive.write_bytes(data)  # repaired in place
    assert run("--retry-failed") == 0
    assert last_report(capsys)["sent"] == 1
    urls = sorted(raw.url for raw in raw_records(kafka_settings, topics.raw, expected=4))
    assert urls == [f"https://w.test/{n}" for n in range(1, 5)]
    with ConnectorState(tmp_path / "warc.sqlite") as opened:
        assert opened.warc_status(file_key(archive)) == WARC_COMPLETE
