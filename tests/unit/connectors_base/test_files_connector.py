import gzip
import json

import pytest

from presspipe.connectors.base import FetchFailure
from presspipe.connectors.files import FileLimits, FilesConnector, InputTooLargeError, read_capped
from presspipe.schemas import RawArticle


def fetch_all(paths, limits=FileLimits()):
    return list(FilesConnector(paths, limits).fetch())


def test_reads_supported_files_recursively_in_stable_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("Zwei")
    (tmp_path / "one.html").write_text("<p>One</p>")
    (tmp_path / "three.html.gz").write_bytes(gzip.compress(b"<p>Three</p>"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    results = fetch_all([tmp_path])
    assert sorted((r.content_type, r.body) for r in results) == [
        ("text/html", b"<p>One</p>"), ("text/html", b"<p>Three</p>"), ("text/plain", b"Zwei")]
    assert [r.id for r in results] == [r.id for r in fetch_all([tmp_path])]


def test_json_lines_become_one_record_each_and_bad_lines_fail_alone(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([
        json.dumps({"url": "https://example.org/1", "html": "<p>a</p>", "title": "A",
                    "published_at": "2024-05-01T10:00:00Z", "authors": ["X"], "language": "en"}),
        "{not json",
        json.dumps({"url": "https://example.org/2"}),
        json.dumps({"text": "plain"}),
    ]))
    results = fetch_all([path])
    records = [r for r in results if isinstance(r, RawArticle)]
    failures = [r for r in results if isinstance(r, FetchFailure)]
    assert [r.url for r in records] == ["https://example.org/1", None]
    assert records[0].hints.title == "A" and records[0].hints.authors == ("X",)
    assert [f.location for f in failures] == [f"{path}:2", f"{path}:3"]


def test_missing_and_unsupported_paths_are_failures_not_crashes(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    results = fetch_all([tmp_path / "missing.html", tmp_path / "x.pdf"])
    assert [r.error_type for r in results] == ["FileNotFoundError", "UnsupportedFileType"]


def test_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (5 * 1024 * 1024)))
    with pytest.raises(InputTooLargeError):
        read_capped(bomb, FileLimits(max_decompressed_bytes=1024 * 1024))
    assert isinstance(fetch_all([bomb], FileLimits(max_decompressed_bytes=1024))[0], FetchFailure)


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    assert fetch_all([big], FileLimits(max_file_bytes=1024))[0].error_type == "InputTooLargeError"
