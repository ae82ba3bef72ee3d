"""Local files into the raw topic: ``.html .htm .html.gz .txt .jsonl`` files and folders (recursively).

Each HTML or text file is one raw record; each line of a ``.jsonl`` file is one record
(``{"url", "html" | "text", "title", "published_at", "authors", "language"}``). Files carry no URL, so their id
is the hash of their bytes; a JSON line with a ``url`` is keyed by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from presspipe.core.compression import CorruptGzipError, InflateLimitError, gunzip_capped
from presspipe.connectors.base import Connector, FetchFailure, FetchResult, build_raw_article
from presspipe.schemas import Hints

CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".html.gz": "text/html", ".txt": "text/plain"}
SUPPORTED_SUFFIXES = (*CONTENT_TYPES, ".jsonl")


class InputTooLargeError(ValueError):
    """A file (or its decompressed content) over the configured size limit."""


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 10 * 1024 * 1024
    max_decompressed_bytes: int = 50 * 1024 * 1024


def suffix_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((suffix for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True) if name.endswith(suffix)),
                None)


def discover(paths: list[Path]) -> Iterator[Path | FetchFailure]:
    """Supported files under the given paths in a stable (sorted) order, so two runs produce the same sequence."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if suffix_of(child):
                    yield child
        elif path.is_file():
            if suffix_of(path):
                yield path
            else:
                yield FetchFailure(str(path), f"unsupported file type (expected one of {', '.join(SUPPORTED_SUFFIXES)})",
                                   "UnsupportedFileType")
        else:
            yield FetchFailure(str(path), "no such file or directory", "FileNotFoundError")


def read_capped(path: Path, limits: FileLimits) -> bytes:
    """File bytes, gunzipped for ``.gz``; refuses to inflate past the limit instead of trusting the header."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise InputTooLargeError(f"file is {size} bytes, limit max_file_bytes={limits.max_file_bytes}")
    data = path.read_bytes()
    if not path.name.lower().endswith(".gz"):
        return data
    try:
        return gunzip_capped(data, limits.max_decompressed_bytes)
    except InflateLimitError as error:
        raise InputTooLargeError(f"decompresses past max_decompressed_bytes={limits.max_decompressed_bytes}") from error


class FilesConnector(Connector):
    name = "files"

    def __init__(self, paths: list[Path], limits: FileLimits = FileLimits(), source_name: str | None = None):
        self.paths = paths
        self.limits = limits
        self.source_name = source_name or ",".join(str(p) for p in paths)

    def fetch(self) -> Iterator[FetchResult]:
        for item in discover(self.paths):
            if isinstance(item, FetchFailure):
                yield item
                continue
            try:
                body = read_capped(item, self.limits)
            except (OSError, InputTooLargeError, CorruptGzipError) as error:
                yield FetchFailure(str(item), str(error), type(error).__name__)
                continue
            if suffix_of(item) == ".jsonl":
                yield from self._json_lines(item, body)
            else:
                yield build_raw_article(connector=self.name, source_name=self.source_name, body=body,
                                        content_type=CONTENT_TYPES[suffix_of(item)],
                                        headers={"path": str(item)},
                                        fetched_at=_mtime(item))

    def _json_lines(self, path: Path, body: bytes) -> Iterator[FetchResult]:
        for number, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            location = f"{path}:{number}"
            try:
                yield self._json_record(json.loads(line), path, number)
            except (json.JSONDecodeError, UnicodeDecodeError, ValueError, TypeError) as error:
                yield FetchFailure(location, str(error), type(error).__name__)

    def _json_record(self, document: object, path: Path, number: int) -> FetchResult:
        if not isinstance(document, dict):
            raise ValueError("a JSON line must be an object")
        if isinstance(document.get("html"), str):
            body, content_type = document["html"].encode("utf-8"), "text/html"
        elif isinstance(document.get("text"), str):
            body, content_type = document["text"].encode("utf-8"), "text/plain"
        else:
            raise ValueError("a JSON line needs an 'html' or 'text' string")
        published = document.get("published_at")
        authors = document.get("authors") or []
        if not isinstance(authors, list):
            raise ValueError("'authors' must be a list of strings")
        return build_raw_article(
            connector=self.name, source_name=self.source_name, body=body, content_type=content_type,
            url=document.get("url") or None, headers={"path": f"{path}:{number}"},
            hints=Hints(title=document.get("title"),
                        published_at=datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None,
                        authors=tuple(str(a) for a in authors), language=document.get("language")),
        )


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(int(path.stat().st_mtime), timezone.utc)
