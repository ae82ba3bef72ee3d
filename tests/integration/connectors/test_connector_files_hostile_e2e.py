"""``presspipe connect files`` over a hostile folder, through the real CLI, into the embedded broker: the run ends
normally, every good record is on the topic and counted, every bad input is counted with its reason."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from presspipe.cli import main
from tests.integration.connectors.e2e_support import raw_records

pytestmark = pytest.mark.integration


def test_a_hostile_folder_is_ingested_around_its_bad_inputs(kafka_settings, topics, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PRESSPIPE_FILES_TEST_SECRET", "s3cr3t-in-the-environment")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_text("<p>The ferry timetable changes on Monday.</p>")
    (folder / "b.html.gz").write_bytes(gzip.compress(b"<p>Two members, </p>") + gzip.compress(b"<p>one page.</p>"))
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.html"), "wb") as handle:
        handle.write(b"<p>Latin-1 name</p>")
    (folder / "lines.jsonl").write_text("\n".join([
        json.dumps({"url": "https://files.test/1", "text": "First line."}),
        json.dumps({"url": "https://files.test/2", "text": "Bad date.", "published_at": 5}),
        "[" * 50_000,
        json.dumps({"url": "https://files.test/3", "text": "Last line."})]))
    (folder / "env.html").symlink_to("/proc/self/environ")
    os.mkfifo(folder / "pipe.txt")
    argument = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"\xff.txt"))

    code = main(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw-topic", topics.raw,
                 "connect", "files", str(folder), argument])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 1  # something failed, and the run still finished
    assert report["sent"] == 4 and report["failed_sends"] == 0
    assert report["failures_by_type"] == {"UndecodableFileName": 2, "BadJsonLineError": 2, "SymlinkNotFollowed": 1,
                                          "SpecialFile": 1}
    records = raw_records(kafka_settings, topics.raw, expected=4)
    assert sorted(record.body for record in records) == sorted([
        b"<p>The ferry timetable changes on Monday.</p>", b"<p>Two members, </p><p>one page.</p>",
        b"First line.", b"Last line."])
    assert not any(b"s3cr3t" in record.body for record in records)
