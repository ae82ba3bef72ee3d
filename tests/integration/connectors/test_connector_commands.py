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
