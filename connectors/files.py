"""Local files into the raw topic: ``.html .htm .html.gz .txt .jsonl`` files and folders (recursively).

Each HTML or text file is one raw record; each line of a ``.jsonl`` file is one record
(``{"url", "html" | "text", "title", "published_at", "authors", "language"}``). Files carry no URL, so their id
is the hash of their bytes; a JSON line with a ``url`` is keyed by it.

What is read, and what is refused (each refusal is a ``FetchFailure`` naming its real reason; the run goes on):

- Only regular files, checked on the opened descriptor (``fstat`` after ``open``), so a FIFO, a device or a socket
  is refused by its type, whatever its name or size, and a file swapped for one between listing and opening too.
  Files on kernel pseudo-filesystems (``/proc``, ``/sys``, ``/dev`` ...) are refused by their filesystem type:
  they are regular files of size 0 whose content (``/proc/self/environ``: the connector's secrets) is made up on read.
- Symbolic links are not followed unless ``follow_symlinks``; followed links must still resolve inside one of the
  given roots, so a link in a watched folder can never publish ``/etc`` or ``/proc``. Loops and dangling links
  are reported as such. The last path component is opened with ``O_NOFOLLOW`` when links are not followed.
- A file is read under its cap in one pass (``max_file_bytes + 1`` at most), so a file growing while it is read
  can never be read past the cap; a ``.gz`` inflates every member, at most ``max_decompressed_bytes`` in total.
- A file name that is not valid UTF-8 cannot be stored in a record (its path is an Avro string): reported with
  the undecodable bytes escaped, never a crash.
- A ``.jsonl`` line that is not a JSON object of the documented fields and types (a number for a date, a
  non-string title, nesting deep enough to exhaust the parser, a lone surrogate) fails alone.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from presspipe.core.compression import CorruptGzipError, InflateLimitError, gunzip_capped
from presspipe.connectors.article_fields import (MAX_LANGUAGE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, ArticleFieldError,
                                                 author_names, encodable, optional_text, utc_timestamp)
from presspipe.connectors.base import Connector, FetchFailure, FetchResult, build_raw_article
from presspipe.schemas import Hints, RawArticle

CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".html.gz": "text/html", ".txt": "text/plain"}
SUPPORTED_SUFFIXES = (*CONTENT_TYPES, ".jsonl")
# Kernel pseudo-filesystems: their "regular files" are views of kernel and process state, never articles.
PSEUDO_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs", "cgroup", "cgroup2", "bpf",
    "configfs", "efivarfs", "pstore", "mqueue", "hugetlbfs", "binfmt_misc", "fusectl", "autofs", "rpc_pipefs",
    "nsfs", "selinuxfs",
})


class InputTooLargeError(ValueError):
    """A file (or its decompressed content) over the configured size limit."""


class RefusedInputError(ValueError):
    """An input the connector will not read; ``error_type`` names the reason (SpecialFile, SymlinkOutsideRoots ...)."""

    def __init__(self, error_type: str, reason: str):
        super().__init__(reason)
        self.error_type = error_type


class BadJsonLineError(ValueError):
    """A ``.jsonl`` line that is not an article object of the documented shape."""


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 10 * 1024 * 1024
    max_decompressed_bytes: int = 50 * 1024 * 1024


def suffix_of(path: Path | str) -> str | None:
    name = (path.name if isinstance(path, Path) else os.path.basename(path)).lower()
    return next((suffix for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True) if name.endswith(suffix)),
                None)


def display_path(path: Path | str) -> str:
    """The path as text that always encodes: undecodable bytes of a file name become ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _name_is_utf8(path: str) -> bool:
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return kind
    return "not a regular file"


@lru_cache(maxsize=1)
def _mount_points() -> tuple[tuple[str, str], ...]:
    """(mount point, filesystem type) pairs, longest mount point first; empty where /proc/self/mounts is absent."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="surrogateescape") as mounts:
            entries = [line.split()[1:3] for line in mounts if len(line.split()) >= 3]
    except OSError:
        return ()
    decoded = [(point.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\"), kind)
               for point, kind in entries]
    return tuple(sorted(decoded, key=lambda entry: len(entry[0]), reverse=True))


def filesystem_type(real_path: str) -> str | None:
    """The type of the filesystem holding ``real_path`` (an absolute, resolved path), or None if unknown."""
    for point, kind in _mount_points():
        if real_path == point or real_path.startswith(point.rstrip("/") + "/"):
            return kind
    return None


def _within(real_path: str, roots: tuple[str, ...]) -> bool:
    return any(real_path == root or real_path.startswith(root.rstrip("/") + "/") for root in roots)


def _resolve(path: str) -> str:
    """The real path of ``path`` following every link; a loop or a dangling link is a ``RefusedInputError``."""
    try:
        return str(Path(path).resolve(strict=True))
    except RuntimeError as error:  # Python < 3.13 reports a loop as RuntimeError
        raise RefusedInputError("SymlinkLoop", "symbolic link loop") from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RefusedInputError("SymlinkLoop", "symbolic link loop") from error
        if os.path.islink(path):
            raise RefusedInputError("BrokenSymlink", "symbolic link to a missing file") from error
        raise


def read_capped(path: Path | str, limits: FileLimits, *, follow_symlinks: bool = True) -> bytes:
    """File bytes, gunzipped for ``.gz``: one open, the type checked on the descriptor, at most the cap read.

    Refuses a non-regular file (FIFOs are opened non-blocking, so opening one never hangs), a file past
    ``max_file_bytes`` (however it grows while being read) and a ``.gz`` inflating past ``max_decompressed_bytes``.
    """
    return _read_file(path, limits, follow_symlinks=follow_symlinks,
                      gzipped=os.fspath(path).lower().endswith(".gz"))[0]


def _read_file(path: Path | str, limits: FileLimits, *, follow_symlinks: bool, gzipped: bool,
               identity: tuple[int, int] | None = None) -> tuple[bytes, os.stat_result]:
    """``read_capped`` plus the descriptor's ``fstat``; ``identity`` (device, inode) is the file the walk checked:
    a different file found at the path when opening (swapped in between) is refused."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_symlinks:  # O_NOFOLLOW: the last component is a link
            raise RefusedInputError("SymlinkNotFollowed",
                                    "symbolic link (not followed without --follow-symlinks)") from error
        raise
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        status = os.fstat(descriptor)
        if identity is not None and (status.st_dev, status.st_ino) != identity:
            raise RefusedInputError("FileChanged", "the file was replaced between listing and opening")
        if not stat.S_ISREG(status.st_mode):
            raise RefusedInputError("SpecialFile", f"{_file_kind(status.st_mode)}, not a regular file")
        chunks, size = [], 0
        while size <= limits.max_file_bytes:
            chunk = handle.read(min(1 << 20, limits.max_file_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    if size > limits.max_file_bytes:
        raise InputTooLargeError(f"file is over max_file_bytes={limits.max_file_bytes}")
    data = b"".join(chunks)
    if not gzipped:
        return data, status
    try:
        return gunzip_capped(data, limits.max_decompressed_bytes), status
    except InflateLimitError as error:
        raise InputTooLargeError(f"decompresses past max_decompressed_bytes={limits.max_decompressed_bytes}") from error


@dataclass(frozen=True)
class Candidate:
    """A file to read: its path as listed (named in the record), the checked real path and its (device, inode)."""

    path: str
    real_path: str
    identity: tuple[int, int]


class FileWalker:
    """The inputs under the given roots, in a stable (sorted) order, each a ``Candidate`` or a ``FetchFailure``.

    Inside folders only names with a supported suffix are considered (a folder of pages also holds images);
    named explicitly, anything that cannot be read is reported.
    """

    def __init__(self, roots: list[Path | str], follow_symlinks: bool = False):
        self.roots = [os.fspath(root) for root in roots]
        self.follow_symlinks = follow_symlinks
        self.real_roots: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Candidate | FetchFailure]:
        real_roots = []
        for root in self.roots:
            try:
                real_roots.append(str(Path(root).resolve(strict=True)))
            except (OSError, RuntimeError):
                continue  # reported below, with its reason, when the root itself is visited
        self.real_roots = tuple(real_roots)
        for root in self.roots:
            yield from self._visit(root, explicit=True, seen_dirs=set())

    def _failure(self, path: str, error_type: str, reason: str) -> FetchFailure:
        return FetchFailure(display_path(path), reason, error_type)

    def _visit(self, path: str, *, explicit: bool, seen_dirs: set[tuple[int, int]]) -> Iterator[Candidate | FetchFailure]:
        if not _name_is_utf8(path):
            yield self._failure(path, "UndecodableFileName", "the file name is not valid UTF-8")
            return
        try:
            link = os.lstat(path)
        except FileNotFoundError:
            yield self._failure(path, "FileNotFoundError", "no such file or directory")
            return
        except OSError as error:
            yield self._failure(path, type(error).__name__, error.strerror or str(error))
            return
        is_link = stat.S_ISLNK(link.st_mode)
        if is_link and not explicit and not (suffix_of(path) or self._points_to_directory(path)):
            return  # a link to an image or a PDF: as uninteresting as the file itself
        try:
            real = _resolve(path) if is_link else str(Path(path).resolve())
            target = os.stat(real) if is_link else link
        except RefusedInputError as refused:
            yield self._failure(path, refused.error_type, str(refused))
            return
        except OSError as error:
            yield self._failure(path, type(error).__name__, error.strerror or str(error))
            return
        if is_link and not explicit:
            if not self.follow_symlinks:
                yield self._failure(path, "SymlinkNotFollowed",
                                    "symbolic link (not followed without --follow-symlinks)")
                return
            if not _within(real, self.real_roots):
                yield self._failure(path, "SymlinkOutsideRoots", "symbolic link to a file outside the given paths")
                return
        if stat.S_ISDIR(target.st_mode):
            key = (target.st_dev, target.st_ino)
            if key in seen_dirs:
                yield self._failure(path, "SymlinkLoop", "directory already visited (a link back up the tree)")
                return
            yield from self._directory(path, seen_dirs | {key})
            return
        if not explicit and not suffix_of(path):
            return
        if not stat.S_ISREG(target.st_mode):
            yield self._failure(path, "SpecialFile", f"{_file_kind(target.st_mode)}, not a regular file")
            return
        if (kind := filesystem_type(real)) in PSEUDO_FILESYSTEMS:
            yield self._failure(path, "SpecialFile", f"a file of the kernel's {kind} filesystem, not a document")
            return
        if not suffix_of(path):
            yield self._failure(path, "UnsupportedFileType",
                                f"unsupported file type (expected one of {', '.join(SUPPORTED_SUFFIXES)})")
            return
        yield Candidate(path, real, (target.st_dev, target.st_ino))

    def _points_to_directory(self, path: str) -> bool:
        try:
            return stat.S_ISDIR(os.stat(path).st_mode)
        except (OSError, RuntimeError):
            return False

    def _directory(self, path: str, seen_dirs: set[tuple[int, int]]) -> Iterator[Candidate | FetchFailure]:
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as error:
            yield self._failure(path, type(error).__name__, error.strerror or str(error))
            return
        for name in names:
            yield from self._visit(os.path.join(path, name), explicit=False, seen_dirs=seen_dirs)


def discover(paths: list[Path], follow_symlinks: bool = False) -> Iterator[Path | FetchFailure]:
    """Readable candidate files under ``paths`` (as ``Path``) and the refusals, in a stable order."""
    for item in FileWalker(paths, follow_symlinks):
        yield Path(item.path) if isinstance(item, Candidate) else item


class FilesConnector(Connector):
    name = "files"

    def __init__(self, paths: list[Path], limits: FileLimits = FileLimits(), source_name: str | None = None,
                 follow_symlinks: bool = False):
        self.paths = paths
        self.limits = limits
        self.follow_symlinks = follow_symlinks
        self.source_name = source_name or ",".join(display_path(p) for p in paths)

    def fetch(self) -> Iterator[FetchResult]:
        for item in FileWalker(self.paths, self.follow_symlinks):
            if isinstance(item, FetchFailure):
                yield item
                continue
            location = display_path(item.path)
            try:
                # The checked real path, opened without following a link and compared with the file the walk saw.
                body, status = _read_file(item.real_path, self.limits, follow_symlinks=False,
                                          gzipped=item.path.lower().endswith(".gz"), identity=item.identity)
            except RefusedInputError as refused:
                yield FetchFailure(location, str(refused), refused.error_type)
                continue
            except (OSError, InputTooLargeError, CorruptGzipError) as error:
                reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
                yield FetchFailure(location, reason, type(error).__name__)
                continue
            fetched_at = datetime.fromtimestamp(int(status.st_mtime), timezone.utc)
            if suffix_of(item.path) == ".jsonl":
                yield from self._json_lines(location, body)
            else:
                yield build_raw_article(connector=self.name, source_name=self.source_name, body=body,
                                        content_type=CONTENT_TYPES[suffix_of(item.path)],
                                        headers={"path": location}, fetched_at=fetched_at)

    def _json_lines(self, location: str, body: bytes) -> Iterator[FetchResult]:
        for number, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            line_location = f"{location}:{number}"
            try:
                document = json.loads(line)
            except RecursionError:
                yield FetchFailure(line_location, "JSON nested too deeply", "BadJsonLineError")
                continue
            except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, a number past int's digit limit
                yield FetchFailure(line_location, f"not valid JSON: {error}", type(error).__name__)
                continue
            try:
                yield self._json_record(document, line_location)
            except BadJsonLineError as error:
                yield FetchFailure(line_location, str(error), "BadJsonLineError")

    def _json_record(self, document: object, location: str) -> RawArticle:
        if not isinstance(document, dict):
            raise BadJsonLineError("a JSON line must be an object")
        try:
            if isinstance(document.get("html"), str):
                body, content_type = encodable(document["html"], "html").encode("utf-8"), "text/html"
            elif isinstance(document.get("text"), str):
                body, content_type = encodable(document["text"], "text").encode("utf-8"), "text/plain"
            else:
                raise BadJsonLineError("a JSON line needs an 'html' or 'text' string")
            authors = author_names(document.get("authors"))
            published_at = document.get("published_at")
            return build_raw_article(
                connector=self.name, source_name=self.source_name, body=body, content_type=content_type,
                url=optional_text(document, "url", MAX_URL_CHARS), headers={"path": location},
                hints=Hints(title=optional_text(document, "title", MAX_TITLE_CHARS),
                            published_at=None if published_at == "" else utc_timestamp(published_at),
                            authors=authors, language=optional_text(document, "language", MAX_LANGUAGE_CHARS)),
            )
        except ArticleFieldError as error:
            raise BadJsonLineError(str(error)) from error
