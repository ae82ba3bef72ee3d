"""WARC archives (WARC/1.0 and 1.1, plain or gzip per record, e.g. Common Crawl's CC-NEWS) → raw records.

Only ``response`` records whose payload is HTML become records: the MIME type a crawler detected
(``WARC-Identified-Payload-Type``) decides first, then the archived HTTP ``Content-Type``. The target URI, the HTTP
status and headers are kept; a record cut short by the crawler is flagged with the header ``warc-truncated``
(the reason WARC gives: ``length``, ``time``, ``disconnect``...).

A record that cannot be read (broken gzip member, garbage headers) is one ``FetchFailure`` at its offset; reading
goes on at the next record boundary found after it. Resuming: each acknowledged record's offset is stored, and
the file's resume offset advances past every settled record, so a restart seeks there and skips what was done.
"""

from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from presspipe.connectors.base import Connector, FetchFailure, FetchResult, FetchSkipped, build_raw_article
from presspipe.connectors.state import ConnectorState
from presspipe.core.compression import gzip_member_intact
from presspipe.schemas import RawArticle

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
GZIP_MAGIC = b"\x1f\x8b\x08"
PLAIN_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError)


class CorruptRecordError(ValueError):
    """A WARC record that cannot be parsed; carries the offset where reading failed."""


@dataclass(frozen=True)
class WarcLimits:
    max_record_bytes: int = 10 * 1024 * 1024


def payload_mime(identified: str | None, http_content_type: str | None) -> str | None:
    """The payload's MIME type: the crawler's detection first, then the archived header; lower-case, no params."""
    for value in (identified, http_content_type):
        if value and value.strip():
            return value.split(";")[0].strip().lower()
    return None


def charset_of(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None


def parse_warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def file_key(path: Path) -> str:
    """Identifies an archive across runs: its absolute path and size (a rewritten file starts over)."""
    return f"{path.resolve()}:{path.stat().st_size}"


def next_record_start(stream: BinaryIO, after: int, gzipped: bool) -> int | None:
    """The first offset > ``after`` where a record could start (a gzip member, or a ``WARC/1.`` line)."""
    magic = GZIP_MAGIC if gzipped else PLAIN_MAGIC
    position = after + 1
    while True:
        stream.seek(position)
        chunk = stream.read(SCAN_CHUNK + len(magic))
        if len(chunk) < len(magic):
            return None
        found = chunk.find(magic)
        while found != -1 and not gzipped and found > 0 and chunk[found - 1:found] != b"\n":
            found = chunk.find(magic, found + 1)
        if found != -1:
            return position + found
        position += SCAN_CHUNK


class WarcConnector(Connector):
    name = "warc"

    def __init__(self, paths: list[Path], state: ConnectorState, limits: WarcLimits = WarcLimits()):
        self.paths = paths
        self.state = state
        self.limits = limits
        self._unacknowledged: dict[str, set[int]] = {}
        self._read_to: dict[str, int] = {}
        self._finished: set[str] = set()
        self._record_of: dict[str, list[tuple[str, int]]] = {}

    def on_acknowledged(self, raw: RawArticle) -> None:
        located = self._record_of.get(raw.id)
        if not located:
            return
        key, offset = located.pop(0)
        if not located:
            del self._record_of[raw.id]
        self.state.mark_warc_record(key, offset)
        self._unacknowledged[key].discard(offset)
        self._advance(key)

    def fetch(self) -> Iterator[FetchResult]:
        for path in self.paths:
            if not path.is_file():
                yield FetchFailure(str(path), "no such file", "FileNotFoundError")
                continue
            key = file_key(path)
            resume, complete, done = self.state.warc_progress(key)
            if complete:
                yield FetchSkipped(str(path), "archive already done")
                continue
            self._unacknowledged[key] = set()
            self._read_to[key] = resume
            with open(path, "rb") as stream, open(path, "rb") as verify:
                gzipped = stream.read(3) == GZIP_MAGIC
                yield from self._records(path, key, stream, resume, done, gzipped, verify)
            self._finished.add(key)
            self._advance(key)

    def _records(self, path: Path, key: str, stream: BinaryIO, start: int, done: frozenset[int],
                 gzipped: bool, verify: BinaryIO) -> Iterator[FetchResult]:
        size = os.fstat(stream.fileno()).st_size
        position: int | None = start
        in_corrupt_stretch = False
        while position is not None and position < size:
            stream.seek(position)
            iterator = ArchiveIterator(stream, check_digests=False)
            last_good: int | None = None
            try:
                for record in iterator:
                    result = self._one_record(path, record)  # reads the payload before asking for the offset
                    offset = iterator.get_record_offset()
                    if gzipped and not gzip_member_intact(verify, offset):
                        raise CorruptRecordError(f"gzip member at offset {offset} is damaged (CRC or deflate data)")
                    last_good, in_corrupt_stretch = offset, False
                    if offset in done:
                        yield FetchSkipped(f"{path}@{offset}", "record already produced")
                    elif isinstance(result, RawArticle):
                        self._unacknowledged[key].add(offset)
                        self._record_of.setdefault(result.id, []).append((key, offset))
                        yield result
                    else:
                        yield result
                    self._read_to[key] = offset
                position = None
            except READ_ERRORS as error:
                # Scan on from the last good record (its successor is the corrupt one) or, when nothing could be
                # read from here, from this position; one corrupt stretch is one failure however many restarts.
                scan_from = last_good if last_good is not None else position
                if not in_corrupt_stretch:
                    after = f"after offset {last_good}" if last_good is not None else f"at offset {position}"
                    yield FetchFailure(f"{path} ({after})", f"corrupt record: {type(error).__name__}: "
                                       f"{str(error)[:200]!r}", CorruptRecordError.__name__)
                in_corrupt_stretch = True
                position = next_record_start(stream, scan_from, gzipped)
                if position is not None:
                    self._read_to[key] = position

    def _one_record(self, path: Path, record) -> FetchResult:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        location = f"{path}:{uri}" if uri else str(path)
        if record.rec_type != "response":
            record.content_stream().read()
            return FetchSkipped(location, f"{record.rec_type} record")
        http_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        mime = payload_mime(record.rec_headers.get_header("WARC-Identified-Payload-Type"), http_type)
        if mime not in HTML_TYPES:
            record.content_stream().read()
            return FetchSkipped(location, f"payload is {mime or 'of unknown type'}")
        body = record.content_stream().read(self.limits.max_record_bytes + 1)
        if len(body) > self.limits.max_record_bytes:
            record.content_stream().read()
            return FetchFailure(location, f"payload over max_record_bytes={self.limits.max_record_bytes}",
                                "ResponseTooLargeError")
        headers = {name.lower(): value for name, value in record.http_headers.headers} if record.http_headers else {}
        headers["warc-record-id"] = record.rec_headers.get_header("WARC-Record-ID") or ""
        headers["warc-file"] = path.name
        truncated = record.rec_headers.get_header("WARC-Truncated")
        if truncated:
            headers["warc-truncated"] = truncated
        status = record.http_headers.get_statuscode() if record.http_headers else None
        return build_raw_article(
            connector=self.name, source_name=str(path), body=body, content_type=mime, url=uri,
            charset=charset_of(http_type), http_status=int(status) if status and status.isdigit() else None,
            headers=headers, fetched_at=parse_warc_date(record.rec_headers.get_header("WARC-Date")))

    def _advance(self, key: str) -> None:
        """Move the resume offset to the earliest record not yet acknowledged (or past everything read)."""
        pending = self._unacknowledged.get(key, set())
        resume = min(pending) if pending else self._read_to.get(key, 0)
        complete = key in self._finished and not pending
        self.state.set_warc_resume(key, resume, complete=complete)
