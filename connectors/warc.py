"""WARC archives (WARC/1.0 and 1.1, plain or gzip per record, e.g. Common Crawl's CC-NEWS) → raw records.

Only ``response`` records whose payload is HTML become records: the MIME type a crawler detected
(``WARC-Identified-Payload-Type``) decides first, then the archived HTTP ``Content-Type``. The target URI, the HTTP
status and headers are kept. A record cut short by the crawler (``WARC-Truncated``: ``length``, ``time``,
``disconnect``, ``unspecified``) becomes a *truncated* raw record (``truncated``, ``truncation_reason``; the header
``warc-truncated`` keeps the value as written), and so does a payload over ``max_record_bytes``, cut there
(reason ``max_bytes``): the pipeline flags such articles, or dead-letters them when the cut left no article.

A stretch of bytes that cannot be read as records (a broken gzip member, garbage headers) is one ``FetchFailure``
carrying a dead letter (stage ``connect``: the file, the byte offset where the stretch starts, and its bytes up to
the next readable record); reading goes on at that record. The state remembers the stretch, so the file ends
*completed with errors*, and ``retry_failed`` reads the stretches of such files again (a file whose bytes were
repaired in place, a read error of the storage that went away).

Resuming: each acknowledged record's offset is stored, and the file's resume offset advances past every settled
record, so a restart seeks there and skips what was done.
"""

from __future__ import annotations

import hashlib
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
from presspipe.connectors.state import WARC_COMPLETE, WARC_COMPLETED_WITH_ERRORS, ConnectorState, WarcFailure
from presspipe.core.compression import gzip_member_intact
from presspipe.core.version import __version__
from presspipe.schemas import DeadLetter, RawArticle
from presspipe.schemas.records import utc_now

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
GZIP_MAGIC = b"\x1f\x8b\x08"
PLAIN_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError)
WARC_TRUNCATION_REASONS = ("length", "time", "disconnect", "unspecified")


class CorruptRecordError(ValueError):
    """A WARC record that cannot be parsed; ``offset`` is where the record starts when it is known."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class WarcLimits:
    max_record_bytes: int = 10 * 1024 * 1024
    max_failure_payload_bytes: int = 1_000_000  # bytes of an unreadable stretch a dead letter carries


def truncation_reason_of(warc_truncated: str | None) -> str | None:
    """``WARC-Truncated`` → the record's truncation reason; a value outside the standard's is ``unspecified``."""
    if warc_truncated is None or not warc_truncated.strip():
        return None
    value = warc_truncated.strip().lower()
    return value if value in WARC_TRUNCATION_REASONS else "unspecified"


def failure_id(path: Path, offset: int) -> str:
    """The dead letter's id for the stretch at ``offset``: the same on every run, so the DLQ deduplicates it."""
    return hashlib.sha256(f"warc:{path.resolve()}@{offset}".encode("utf-8")).hexdigest()[:32]


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
    """Reads archives in order; ``retry_failed`` also re-reads the unreadable stretches recorded for them."""

    name = "warc"

    def __init__(self, paths: list[Path], state: ConnectorState, limits: WarcLimits = WarcLimits(),
                 retry_failed: bool = False):
        self.paths = paths
        self.state = state
        self.limits = limits
        self.retry_failed = retry_failed
        self._unacknowledged: dict[str, set[int]] = {}
        self._read_to: dict[str, int] = {}
        self._finished: set[str] = set()
        # raw id → (file key, record offset, start of the retried stretch it came from or None), in send order
        self._record_of: dict[str, list[tuple[str, int, int | None]]] = {}
        self._failure_of: dict[str, tuple[str, int]] = {}  # dead-letter id → (file key, stretch start)
        self._retry_pending: dict[tuple[str, int], set[int]] = {}  # retried stretch → offsets not acknowledged
        self._retry_clears: set[tuple[str, int]] = set()  # retried stretches to clear once all are acknowledged

    def on_acknowledged(self, raw: RawArticle) -> None:
        located = self._record_of.get(raw.id)
        if not located:
            return
        key, offset, stretch = located.pop(0)
        if not located:
            del self._record_of[raw.id]
        if stretch is not None:
            self._retry_pending[(key, stretch)].discard(offset)
            self._settle_retry(key, stretch)
            return
        self.state.mark_warc_record(key, offset)
        self._unacknowledged[key].discard(offset)
        self._advance(key)

    def on_dead_lettered(self, failure: FetchFailure) -> None:
        located = self._failure_of.pop(failure.dead_letter.id, None) if failure.dead_letter else None
        if located:
            self.state.mark_warc_failure_dead_lettered(*located)

    def fetch(self) -> Iterator[FetchResult]:
        for path in self.paths:
            if not path.is_file():
                yield FetchFailure(str(path), "no such file", "FileNotFoundError")
                continue
            key = file_key(path)
            resume, complete, done = self.state.warc_progress(key)
            earlier_failures = self.state.warc_failures(key)
            if self.retry_failed and earlier_failures:
                yield from self._retry(path, key, earlier_failures)
            if complete:
                if not earlier_failures:
                    yield FetchSkipped(str(path), f"archive already done ({WARC_COMPLETE})")
                elif not self.retry_failed:
                    yield FetchSkipped(str(path), f"archive already done ({WARC_COMPLETED_WITH_ERRORS}, "
                                                  "retry them with --retry-failed)")
                continue
            self._unacknowledged[key] = set()
            self._read_to[key] = resume
            with open(path, "rb") as stream, open(path, "rb") as verify:
                gzipped = stream.read(3) == GZIP_MAGIC
                yield from self._records(path, key, stream, resume, done, gzipped, verify)
            self._finished.add(key)
            self._advance(key)

    def _retry(self, path: Path, key: str, failures: list[WarcFailure]) -> Iterator[FetchResult]:
        """Read each recorded stretch again, up to its end (the next record that was readable)."""
        with open(path, "rb") as stream, open(path, "rb") as verify:
            gzipped = stream.read(3) == GZIP_MAGIC
            for failure in failures:
                self._retry_pending[(key, failure.start)] = set()
                failed_again: list[int] = []
                for result in self._records(path, key, stream, failure.start, frozenset(), gzipped, verify,
                                            stop=failure.end, retrying=failure.start):
                    if isinstance(result, FetchFailure) and result.dead_letter is not None:
                        failed_again.append(result.dead_letter.source_offset)
                    yield result
                log.info("retried %s bytes %d-%d: %s", path, failure.start, failure.end,
                         "still unreadable" if failed_again else "read", extra={"file": str(path)})
                if failure.start not in failed_again:
                    self._retry_clears.add((key, failure.start))
                self._settle_retry(key, failure.start)

    def _settle_retry(self, key: str, stretch: int) -> None:
        if (key, stretch) in self._retry_clears and not self._retry_pending.get((key, stretch)):
            self.state.clear_warc_failure(key, stretch)
            self._retry_clears.discard((key, stretch))

    def _records(self, path: Path, key: str, stream: BinaryIO, start: int, done: frozenset[int],
                 gzipped: bool, verify: BinaryIO, stop: int | None = None,
                 retrying: int | None = None) -> Iterator[FetchResult]:
        """The records from ``start`` up to ``stop`` (default: the end of the file).

        An unreadable stretch is reported once it ends -- at the next readable record, ``stop`` or the end of the
        file -- so its dead letter holds exactly its bytes however many restarts scanning it took.
        """
        size = os.fstat(stream.fileno()).st_size
        limit = size if stop is None else min(stop, size)
        position: int | None = start
        stretch: tuple[int, BaseException] | None = None  # the open unreadable stretch: its start and first error
        while position is not None and position < limit:
            stream.seek(position)
            iterator = ArchiveIterator(stream, check_digests=False)
            last_good: int | None = None
            last_good_end: int | None = None
            try:
                for record in iterator:
                    result = self._one_record(path, record)  # reads the payload before asking for the offset
                    offset = iterator.get_record_offset()
                    if offset >= limit:
                        break
                    if gzipped and not gzip_member_intact(verify, offset):
                        raise CorruptRecordError(f"gzip member at offset {offset} is damaged (CRC or deflate data)",
                                                 offset)
                    if stretch is not None:
                        yield self._failure(path, key, stream, stretch, offset)
                        stretch = None
                    last_good, last_good_end = offset, offset + iterator.get_record_length()
                    if offset in done:
                        yield FetchSkipped(f"{path}@{offset}", "record already produced")
                    elif isinstance(result, RawArticle):
                        if retrying is None:
                            self._unacknowledged[key].add(offset)
                        else:
                            self._retry_pending[(key, retrying)].add(offset)
                        self._record_of.setdefault(result.id, []).append((key, offset, retrying))
                        yield result
                    else:
                        yield result
                    if retrying is None:
                        self._read_to[key] = offset
                position = None
            except READ_ERRORS as error:
                if stretch is None:
                    stretch = (self._stretch_start(stream, error, last_good_end, position), error)
                # Scan on from the last good record (its successor is the damaged one) or, when nothing could be
                # read from here, from this position.
                scan_from = last_good if last_good is not None else position
                position = next_record_start(stream, scan_from, gzipped)
                if position is not None and retrying is None:
                    self._read_to[key] = position
        if stretch is not None:
            yield self._failure(path, key, stream, stretch, limit)

    @staticmethod
    def _stretch_start(stream: BinaryIO, error: BaseException, last_good_end: int | None, position: int) -> int:
        """Where the damaged record starts: known from the error, else where the last good record ended (past the
        blank lines that separate plain WARC records), else where this attempt started reading."""
        if isinstance(error, CorruptRecordError) and error.offset is not None:
            return error.offset
        if last_good_end is None:
            return position
        following = os.pread(stream.fileno(), 64, last_good_end)
        return last_good_end + len(following) - len(following.lstrip(b"\r\n"))

    def _failure(self, path: Path, key: str, stream: BinaryIO, stretch: tuple[int, BaseException],
                 end: int) -> FetchFailure:
        """The failure of the stretch ``[start, end)``: recorded in the state, with a dead letter of its bytes."""
        start, error = stretch
        length = max(0, end - start)
        # pread: the archive iterator is still reading from ``stream``; its position must not move.
        payload = os.pread(stream.fileno(), min(length, self.limits.max_failure_payload_bytes), start)
        reason = (f"corrupt record: {type(error).__name__}: {str(error)[:200]!r}; bytes {start}-{end} "
                  f"({length} bytes) skipped, reading went on at offset {end}")
        self.state.record_warc_failure(key, start, end, reason)
        letter = DeadLetter(
            id=failure_id(path, start), stage="connect", error_type=CorruptRecordError.__name__,
            error_message=f"{path.resolve()} at byte offset {start}: {reason}", payload=payload,
            raw_topic=None, raw_partition=None, raw_offset=None, failed_at=utc_now(),
            pipeline_version=__version__, payload_truncated_from=length if length > len(payload) else None,
            source_location=str(path.resolve()), source_offset=start)
        self._failure_of[letter.id] = (key, start)
        return FetchFailure(f"{path} (offset {start})", reason, CorruptRecordError.__name__, letter)

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
        warc_truncated = record.rec_headers.get_header("WARC-Truncated")
        reason = truncation_reason_of(warc_truncated)
        if len(body) > self.limits.max_record_bytes:
            record.content_stream().read()
            body, reason = body[:self.limits.max_record_bytes], "max_bytes"
            log.info("payload over max_record_bytes=%d cut: %s", self.limits.max_record_bytes, location)
        headers = {name.lower(): value for name, value in record.http_headers.headers} if record.http_headers else {}
        headers["warc-record-id"] = record.rec_headers.get_header("WARC-Record-ID") or ""
        headers["warc-file"] = path.name
        if warc_truncated:
            headers["warc-truncated"] = warc_truncated
        status = record.http_headers.get_statuscode() if record.http_headers else None
        return build_raw_article(
            connector=self.name, source_name=str(path), body=body, content_type=mime, url=uri,
            charset=charset_of(http_type), http_status=int(status) if status and status.isdigit() else None,
            headers=headers, fetched_at=parse_warc_date(record.rec_headers.get_header("WARC-Date")),
            truncation_reason=reason)

    def _advance(self, key: str) -> None:
        """Move the resume offset to the earliest record not yet acknowledged (or past everything read)."""
        pending = self._unacknowledged.get(key, set())
        resume = min(pending) if pending else self._read_to.get(key, 0)
        complete = key in self._finished and not pending
        self.state.set_warc_resume(key, resume, complete=complete)
