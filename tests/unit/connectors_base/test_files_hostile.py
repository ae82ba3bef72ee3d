"""The files connector on hostile folders: links out of the roots, special files, undecodable names, bad JSON lines,
growing files. Every refusal names its real reason and the rest of the run goes on."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from presspipe.connectors.base import ConnectorReport, FetchFailure, run_connector
from presspipe.connectors.files import FileLimits, FilesConnector, InputTooLargeError, RefusedInputError, read_capped
from presspipe.schemas import RawArticle

PAGE = b"<html><body><p>The harbour council met on Tuesday.</p></body></html>"


def fetch_all(paths, **options):
    return list(FilesConnector([Path(p) if not isinstance(p, Path) else p for p in paths], **options).fetch())


def failures_of(results) -> dict[str, str]:
    return {os.path.basename(f.location): f.error_type for f in results if isinstance(f, FetchFailure)}


def records_of(results) -> list[RawArticle]:
    return [r for r in results if isinstance(r, RawArticle)]


def test_a_link_to_proc_environ_is_never_read(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSPIPE_TEST_SECRET", "s3cr3t-in-the-environment")
    (tmp_path / "page.html").write_bytes(PAGE)
    (tmp_path / "environ.html").symlink_to("/proc/self/environ")
    (tmp_path / "passwd.txt").symlink_to("/etc/passwd")
    for options in ({}, {"follow_symlinks": True}):
        results = fetch_all([tmp_path], **options)
        assert [r.body for r in records_of(results)] == [PAGE]
        assert all(b"s3cr3t" not in r.body and b"root:" not in r.body for r in records_of(results))
        expected = "SymlinkOutsideRoots" if options else "SymlinkNotFollowed"
        assert failures_of(results) == {"environ.html": expected, "passwd.txt": expected}


def test_proc_and_devices_named_explicitly_are_refused_by_type(tmp_path):
    results = fetch_all(["/proc/self/environ", "/dev/null", "/dev/zero"])
    assert records_of(results) == []
    assert [f.error_type for f in results] == ["SpecialFile"] * 3
    assert "proc" in results[0].reason and "character device" in results[1].reason


def test_links_inside_the_roots_are_followed_only_on_request(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "real.html").write_bytes(PAGE)
    (pages / "alias.html").symlink_to(pages / "real.html")
    (pages / "sub").symlink_to(pages)  # a loop back up the tree
    assert failures_of(fetch_all([pages])) == {"alias.html": "SymlinkNotFollowed", "sub": "SymlinkNotFollowed"}
    followed = fetch_all([pages], follow_symlinks=True)
    assert [r.headers["path"] for r in records_of(followed)] == [str(pages / "alias.html"), str(pages / "real.html")]
    assert failures_of(followed) == {"sub": "SymlinkLoop"}


def test_special_entries_are_reported_with_their_real_reason_inside_a_folder_and_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Words about the harbour.")
    os.mkfifo(folder / "pipe.html")
    (folder / "loop.html").symlink_to(folder / "loop.html")
    (folder / "dangling.html").symlink_to(folder / "missing.html")
    (folder / "null.html").symlink_to("/dev/null")
    (folder / "dir.html").mkdir()
    (folder / "dir.html" / "inner.txt").write_text("Inside a folder named like a page.")
    inside = fetch_all([folder], follow_symlinks=True)
    assert sorted(r.body for r in records_of(inside)) == [b"Inside a folder named like a page.",
                                                          b"Words about the harbour."]
    assert failures_of(inside) == {"pipe.html": "SpecialFile", "loop.html": "SymlinkLoop",
                                   "dangling.html": "BrokenSymlink", "null.html": "SymlinkOutsideRoots"}
    named = fetch_all([folder / name for name in ("pipe.html", "loop.html", "dangling.html", "null.html")])
    assert [f.error_type for f in named] == ["SpecialFile", "SymlinkLoop", "BrokenSymlink", "SpecialFile"]
    assert "FIFO" in named[0].reason and "character device" in named[3].reason
    assert not any("no such file" in f.reason for f in named)


def test_undecodable_file_names_and_arguments_are_reported_and_the_rest_go_on(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.html"), "wb") as handle:  # Latin-1 name: not UTF-8
        handle.write(PAGE)
    (tmp_path / "fine.html").write_bytes(PAGE.replace(b"Tuesday", b"Friday"))
    argument = os.fsdecode(os.path.join(folder, b"caf\xe9.html"))  # how Python hands such an argv entry over
    results = fetch_all([tmp_path, argument])
    assert [r.headers["path"] for r in records_of(results)] == [str(tmp_path / "fine.html")]
    bad = [f for f in results if isinstance(f, FetchFailure)]
    assert [f.error_type for f in bad] == ["UndecodableFileName", "UndecodableFileName"]
    assert all(f.location.endswith("caf\\xe9.html") for f in bad)
    json.dumps([f.location for f in bad]).encode("utf-8")  # the reported location always encodes


BAD_LINES = [
    {"text": "a number for a date", "published_at": 20240501},
    {"text": "a number for a title", "title": 12},
    {"text": "year 1 at +14:00 has no UTC instant", "published_at": "0001-01-01T00:00:00+14:00"},
    {"text": "authors as a string", "authors": "Ana"},
]


def test_every_bad_json_line_fails_alone(tmp_path):
    lines = [json.dumps({"url": "https://example.org/ok-1", "text": "first"})]
    lines += [json.dumps(document) for document in BAD_LINES]
    lines += ["[" * 100_000 + "]" * 100_000,                      # deep nesting
              '{"text": "lone \\ud800 surrogate"}',                 # valid JSON, not encodable
              '{"text": "x", "n": ' + "7" * 5000 + "}",             # past int's digit limit
              "{not json",
              json.dumps({"url": "https://example.org/ok-2", "text": "last"})]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines))
    results = fetch_all([path])
    assert [r.url for r in records_of(results)] == ["https://example.org/ok-1", "https://example.org/ok-2"]
    assert [f.location.rsplit(":", 1)[1] for f in results if isinstance(f, FetchFailure)] == \
        [str(n) for n in range(2, 10)]
    for record in records_of(results):
        record.encode()


class CountingProducer:
    """Stands in for RawArticleProducer: Avro-encodes each record as the real one does, acknowledges at drain."""

    def __init__(self):
        self.pending: list[RawArticle] = []
        self.acknowledged: list[RawArticle] = []

    def send(self, raw, report: ConnectorReport, on_acknowledged=None) -> None:
        raw.encode()
        self.pending.append(raw)

    def drain(self, report: ConnectorReport) -> None:
        report.sent += len(self.pending)
        self.acknowledged += self.pending
        self.pending = []


def test_a_run_over_a_hostile_folder_finishes_and_counts_everything(tmp_path):
    (tmp_path / "a.html").write_bytes(PAGE)
    with open(os.path.join(os.fsencode(tmp_path), b"b\xff.html"), "wb") as handle:
        handle.write(PAGE)
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "one"}) + "\n" + json.dumps({"title": 1, "text": "x"})
                                      + "\n" + json.dumps({"text": "two"}))
    (tmp_path / "d.html").symlink_to("/proc/self/environ")
    producer = CountingProducer()
    report = run_connector(FilesConnector([tmp_path]), producer)
    assert report.sent == len(producer.acknowledged) == 3
    assert report.fetch_failures == 3
    assert dict(report.failures_by_type) == {"UndecodableFileName": 1, "BadJsonLineError": 1,
                                             "SymlinkNotFollowed": 1}


def test_a_growing_file_is_never_read_past_the_cap(tmp_path, monkeypatch):
    """A file that was under the cap when looked at and grew before it was read: every stat the connector could make
    reports the old size (what a growing file does between a size check and the read), yet no more than the cap
    comes out."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"y" * (1024 * 1024))
    real_stat, real_fstat = os.stat, os.fstat

    def as_when_small(result: os.stat_result) -> os.stat_result:
        fields = list(result)
        fields[6] = 1000  # st_size when it was checked
        return os.stat_result(fields)

    monkeypatch.setattr(os, "stat", lambda *args, **kwargs: as_when_small(real_stat(*args, **kwargs)))
    monkeypatch.setattr(os, "fstat", lambda descriptor: as_when_small(real_fstat(descriptor)))
    with pytest.raises(InputTooLargeError):
        read_capped(path, FileLimits(max_file_bytes=2048))
    assert failures_of(fetch_all([path], limits=FileLimits(max_file_bytes=2048))) == \
        {"growing.txt": "InputTooLargeError"}
    monkeypatch.undo()
    path.write_bytes(b"z" * 2048)
    assert read_capped(path, FileLimits(max_file_bytes=2048)) == b"z" * 2048  # the boundary itself is allowed
    with pytest.raises(InputTooLargeError):
        read_capped(path, FileLimits(max_file_bytes=2047))


def test_a_fifo_never_blocks_the_reader(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(RefusedInputError) as refused:
        read_capped(tmp_path / "pipe.txt", FileLimits())
    assert refused.value.error_type == "SpecialFile"


def test_multi_member_gz_pages_are_read_whole(tmp_path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(b"<p>one</p>") + gzip.compress(b"<p>two</p>"))
    assert [r.body for r in records_of(fetch_all([tmp_path]))] == [b"<p>one</p><p>two</p>"]
