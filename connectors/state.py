"""What a connector already did, in a local SQLite file, so a restart neither refetches nor re-produces it.

Invariant: a page is recorded as *produced* only from the producer's acknowledgement callback, i.e. after the
broker acknowledged its record. A crash between producing and recording repeats a record (the pipeline's ids are
stable, so consumers can de-duplicate); it never loses one.

Tables:
- ``pages``: one row per fetched URL — the validators (ETag, Last-Modified) of its last response, the SHA-256 of
  its body, the date the source announced (feed ``updated``, sitemap ``lastmod``) and whether it was produced.
- ``sources``: one row per feed or sitemap — its validators and announced ``lastmod``, committed only once every
  page it listed is settled (acknowledged or failed for good), so a crash makes the next poll see it again.
- ``warc_files`` / ``warc_records``: per archive, the offsets of records acknowledged and the offset a restart
  may seek to (every record before it is settled).
- ``warc_failures``: per archive, each stretch of bytes that could not be read as records (``[start, end)``, the
  error, whether its dead letter was acknowledged). An archive read to its end with failures is *completed with
  errors*: a plain rerun skips it like a complete one and says so; ``connect warc --retry-failed`` reads the failed
  stretches again, and a stretch that now reads is cleared once its records are acknowledged.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

STATE_HOME_ENV = "PRESSPIPE_HOME"

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    announced TEXT,
    produced_at TEXT
);
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    lastmod TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS warc_files (
    file_key TEXT PRIMARY KEY,
    resume_offset INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS warc_records (
    file_key TEXT NOT NULL,
    record_offset INTEGER NOT NULL,
    PRIMARY KEY (file_key, record_offset)
);
CREATE TABLE IF NOT EXISTS warc_failures (
    file_key TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    error TEXT NOT NULL,
    dead_lettered INTEGER NOT NULL DEFAULT 0,
    failed_at TEXT NOT NULL,
    PRIMARY KEY (file_key, start_offset)
);
"""

#: What ``ConnectorState.warc_status`` answers.
WARC_NEW, WARC_IN_PROGRESS, WARC_COMPLETE, WARC_COMPLETED_WITH_ERRORS = (
    "new", "in progress", "complete", "completed with errors")


class StateError(RuntimeError):
    """The state file cannot be opened or written (permissions, corruption, another schema)."""


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators for a conditional GET (RFC 9110 §13)."""

    etag: str | None = None
    last_modified: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.etag or self.last_modified)


@dataclass(frozen=True)
class PageRecord:
    url: str
    validators: Validators
    content_hash: str | None
    announced: datetime | None
    produced: bool


@dataclass(frozen=True)
class WarcFailure:
    """A stretch ``[start, end)`` of an archive that could not be read as records."""

    start: int
    end: int
    error: str
    dead_lettered: bool


def default_state_path(connector: str, environ: dict[str, str] | None = None) -> Path:
    """``$PRESSPIPE_HOME/state/<connector>.sqlite``, else ``~/.presspipe/state/<connector>.sqlite``."""
    env = os.environ if environ is None else environ
    home = Path(env[STATE_HOME_ENV]) if env.get(STATE_HOME_ENV) else Path.home() / ".presspipe"
    return home / "state" / f"{connector}.sqlite"


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def _parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class ConnectorState:
    """A connector's SQLite state; one connection guarded by a lock, so the push server's threads may share it.

    Every write commits at once: the file is the record of what is durable in Kafka, and a half-written batch
    after a crash would be exactly the loss this class exists to prevent.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as error:
            raise StateError(f"cannot open connector state {path}: {error}") from error
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "ConnectorState":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _execute(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        try:
            with self._lock:
                return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise StateError(f"connector state {self.path}: {error}") from error

    # pages ---------------------------------------------------------------------------------------------------

    def page(self, url: str) -> PageRecord | None:
        rows = self._execute("SELECT url, etag, last_modified, content_hash, announced, produced_at FROM pages "
                             "WHERE url = ?", (url,))
        if not rows:
            return None
        url, etag, last_modified, digest, announced, produced_at = rows[0]
        return PageRecord(url, Validators(etag, last_modified), digest, _parse_iso(announced), produced_at is not None)

    def mark_produced(self, url: str, validators: Validators, digest: str, announced: datetime | None) -> None:
        """Record a page whose record the broker acknowledged (call only from the acknowledgement callback)."""
        self._execute(
            "INSERT INTO pages (url, etag, last_modified, content_hash, announced, produced_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, "
            "last_modified=excluded.last_modified, content_hash=excluded.content_hash, "
            "announced=excluded.announced, produced_at=excluded.produced_at",
            (url, validators.etag, validators.last_modified, digest, _iso(announced),
             _iso(datetime.now(timezone.utc))))

    def mark_unchanged(self, url: str, announced: datetime | None) -> None:
        """A page already produced that the source announced again without a content change: remember the date
        so the next run does not refetch it."""
        self._execute("UPDATE pages SET announced = ? WHERE url = ?", (_iso(announced), url))

    # feeds and sitemaps ----------------------------------------------------------------------------------------

    def source(self, url: str) -> tuple[Validators, datetime | None]:
        rows = self._execute("SELECT etag, last_modified, lastmod FROM sources WHERE url = ?", (url,))
        if not rows:
            return Validators(), None
        etag, last_modified, lastmod = rows[0]
        return Validators(etag, last_modified), _parse_iso(lastmod)

    def commit_source(self, url: str, validators: Validators, lastmod: datetime | None = None) -> None:
        self._execute(
            "INSERT INTO sources (url, etag, last_modified, lastmod, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
            "lastmod=excluded.lastmod, updated_at=excluded.updated_at",
            (url, validators.etag, validators.last_modified, _iso(lastmod), _iso(datetime.now(timezone.utc))))

    # WARC ------------------------------------------------------------------------------------------------------

    def warc_progress(self, file_key: str) -> tuple[int, bool, frozenset[int]]:
        """(offset to resume from, whether the file is complete, offsets of records done after that offset)."""
        rows = self._execute("SELECT resume_offset, complete FROM warc_files WHERE file_key = ?", (file_key,))
        resume_offset, complete = rows[0] if rows else (0, 0)
        done = self._execute("SELECT record_offset FROM warc_records WHERE file_key = ? AND record_offset >= ?",
                             (file_key, resume_offset))
        return resume_offset, bool(complete), frozenset(offset for (offset,) in done)

    def mark_warc_record(self, file_key: str, record_offset: int) -> None:
        self._execute("INSERT OR IGNORE INTO warc_records (file_key, record_offset) VALUES (?, ?)",
                      (file_key, record_offset))

    def set_warc_resume(self, file_key: str, resume_offset: int, complete: bool = False) -> None:
        self._execute(
            "INSERT INTO warc_files (file_key, resume_offset, complete) VALUES (?, ?, ?) "
            "ON CONFLICT(file_key) DO UPDATE SET resume_offset=max(resume_offset, excluded.resume_offset), "
            "complete=max(complete, excluded.complete)", (file_key, resume_offset, int(complete)))
        self._execute("DELETE FROM warc_records WHERE file_key = ? AND record_offset < ?", (file_key, resume_offset))

    def record_warc_failure(self, file_key: str, start: int, end: int, error: str) -> None:
        """Remember an unreadable stretch (at once: it is a fact about the file, not about Kafka)."""
        self._execute(
            "INSERT INTO warc_failures (file_key, start_offset, end_offset, error, failed_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(file_key, start_offset) DO UPDATE SET end_offset=excluded.end_offset, error=excluded.error, "
            "failed_at=excluded.failed_at", (file_key, start, end, error[:1000], _iso(datetime.now(timezone.utc))))

    def mark_warc_failure_dead_lettered(self, file_key: str, start: int) -> None:
        self._execute("UPDATE warc_failures SET dead_lettered = 1 WHERE file_key = ? AND start_offset = ?",
                      (file_key, start))

    def clear_warc_failure(self, file_key: str, start: int) -> None:
        """A retried stretch read cleanly and its records were acknowledged."""
        self._execute("DELETE FROM warc_failures WHERE file_key = ? AND start_offset = ?", (file_key, start))

    def warc_failures(self, file_key: str) -> list[WarcFailure]:
        rows = self._execute("SELECT start_offset, end_offset, error, dead_lettered FROM warc_failures "
                             "WHERE file_key = ? ORDER BY start_offset", (file_key,))
        return [WarcFailure(start, end, error, bool(lettered)) for start, end, error, lettered in rows]

    def warc_status(self, file_key: str) -> str:
        """new, in progress, complete, or completed with errors (read to the end, some stretches unreadable)."""
        rows = self._execute("SELECT complete FROM warc_files WHERE file_key = ?", (file_key,))
        if not rows:
            return WARC_NEW
        if not rows[0][0]:
            return WARC_IN_PROGRESS
        return WARC_COMPLETED_WITH_ERRORS if self.warc_failures(file_key) else WARC_COMPLETE


class PendingGroups:
    """Settles a group (a feed, a sitemap) once every record it yielded was acknowledged.

    ``add(group, key)`` when a record of the group is yielded, ``close(group, commit)`` when the group yielded all
    it will; ``acknowledge(key)`` from the producer callback. ``commit`` runs once the group is closed and has no
    pending record left — never earlier, so a source's validators are stored only after its pages are durable.
    A group in which a page failed transiently is ``spoil``ed: it is never committed, and the next poll retries.
    """

    def __init__(self) -> None:
        self._pending: dict[str, Counter] = {}
        self._groups_of_key: dict[str, list[str]] = {}
        self._commits: dict[str, Callable[[], None]] = {}
        self._spoiled: set[str] = set()

    def add(self, group: str, key: str) -> None:
        self._pending.setdefault(group, Counter())[key] += 1
        self._groups_of_key.setdefault(key, []).append(group)

    def spoil(self, group: str) -> None:
        self._spoiled.add(group)

    def close(self, group: str, commit: Callable[[], None]) -> None:
        if group in self._spoiled:
            return
        self._commits[group] = commit
        self._settle(group)

    def acknowledge(self, key: str) -> None:
        groups = self._groups_of_key.get(key)
        if not groups:
            return
        group = groups.pop(0)
        if not groups:
            del self._groups_of_key[key]
        pending = self._pending[group]
        pending[key] -= 1
        if pending[key] <= 0:
            del pending[key]
        self._settle(group)

    def _settle(self, group: str) -> None:
        if group in self._commits and not self._pending.get(group):
            self._commits.pop(group)()

    def open_groups(self) -> Iterator[str]:
        return iter(group for group, pending in self._pending.items() if pending)
