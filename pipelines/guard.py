"""A per-article time limit on extraction that really interrupts it: extraction runs in a worker process.

trafilatura and lxml run pathological pages for minutes, in C as well as in Python; a thread cannot be stopped, so
the only interruption that always works is killing a process. :class:`ExtractionWorker` is one long-lived child
process that runs :func:`presspipe.pipelines.enrich.record.extract_document` for its parent, one request at a time, over a
socket pair. When an answer does not come within the limit the parent SIGKILLs the child, raises
``LimitExceededError("extract_timeout")`` (a dead letter at stage ``limits``) and starts a fresh child for the next
article. A child that dies on an article (segfault, out of memory) costs that article, as an ``ExtractionError``;
one that died while idle costs nothing, because the child sends a receipt for each request before extracting and a
request without a receipt goes to a fresh child.

Contract with the caller: :meth:`GuardedExtractor.__call__` has the signature of ``extract_document`` and raises
what it raises, plus the two failures above; only :class:`WorkerStartError` (the worker cannot start at all) is a
failure of the run rather than of an article. Workers are leased from an :class:`ExtractionWorkerPool`, one per
concurrent caller (a Beam DoFn instance), and returned for reuse, so micro-batches in one process do not pay the
start-up again. The child exits when its socket closes or its parent process is gone, so a SIGKILLed pipeline
leaves no worker behind.

Why not ``ParDo.with_exception_handling(timeout=..., use_subprocess=True)``: it runs the whole DoFn in a
``ProcessPoolExecutor`` child (counters incremented there are lost, the entity models load again after every kill),
sleeps a second after each kill, fails in daemonic worker processes, and reports failures as exception tuples rather
than dead letters with a stage. Only extraction can run away, so only extraction leaves the process.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from presspipe.pipelines.enrich.errors import ExtractionError, LimitExceededError

log = logging.getLogger(__name__)

EXTRACT_TIMEOUT = "extract_timeout"
EXTRACT_MEMORY = "extract_memory_mb"
_READY = "ready"
_ACCEPTED = "accepted"
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class WorkerStartError(RuntimeError):
    """The extraction worker process could not be started or did not report ready: the run fails, not an article."""


@dataclass(frozen=True)
class GuardSettings:
    """``timeout_s`` is the wall-clock limit per article for parsing and extraction; ``memory_mb`` caps the child's
    address space (``RLIMIT_AS``; 0: no cap), so a page that needs more fails inside the child as a ``limits`` dead
    letter instead of inviting the kernel's OOM killer, which may pick the pipeline process; ``startup_timeout_s``
    bounds the child's imports."""

    timeout_s: float
    memory_mb: int = 0
    startup_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError(f"extraction timeout must be positive, got {self.timeout_s}")
        if self.memory_mb < 0:
            raise ValueError(f"extraction memory limit must not be negative, got {self.memory_mb}")


class ExtractionWorker:
    """One child process running ``extract_document``; not thread-safe (one request at a time, by design)."""

    def __init__(self, settings: GuardSettings):
        self.settings = settings
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child and wait until it has imported the extraction code."""
        ours, theirs = socket.socketpair()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "presspipe.pipelines.guard", str(theirs.fileno()), str(os.getpid()),
                 str(self.settings.memory_mb)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=environment, cwd=_PROJECT_ROOT)
        except OSError as error:
            ours.close()
            raise WorkerStartError(f"cannot start the extraction worker: {error}") from error
        finally:
            theirs.close()
        self._connection = Connection(ours.detach())
        if not self._connection.poll(self.settings.startup_timeout_s):
            self.kill()
            raise WorkerStartError(f"extraction worker not ready within {self.settings.startup_timeout_s:.0f}s")
        try:
            message = self._connection.recv()
        except (EOFError, OSError) as error:
            code = self.kill()
            raise WorkerStartError(f"extraction worker exited during start-up (exit code {code})") from error
        if message != _READY:
            self.kill()
            raise WorkerStartError(f"extraction worker sent {message!r} instead of ready")

    def extract(self, document, *, url, settings):
        """``extract_document(document, url=url, settings=settings)`` in the child, within the time limit."""
        if self._connection is None:
            self.start()
        request = (document, url, settings)
        deadline = time.monotonic() + self.settings.timeout_s
        if not self._hand_over(request, deadline):
            # The idle child was already dead (killed from outside) and never took the request: the article is
            # innocent, so a fresh child gets it. A fresh child refusing it too is no coincidence: the article pays.
            self.kill()
            self.restarts += 1
            self.start()
            deadline = time.monotonic() + self.settings.timeout_s
            if not self._hand_over(request, deadline):
                code = self.kill()
                self.restarts += 1
                raise ExtractionError(f"extraction worker died before accepting this document (exit code {code})")
        if not self._connection.poll(max(0.0, deadline - time.monotonic())):
            raise self._timed_out(deadline)
        try:
            status, payload = self._connection.recv()
        except (EOFError, OSError) as error:
            code = self.kill()
            self.restarts += 1
            raise ExtractionError(f"extraction worker died on this document (exit code {code})") from error
        if status == "ok":
            return payload
        raise payload

    def _hand_over(self, request, deadline: float) -> bool:
        """Send the request and wait for the child's receipt; False when the child is gone before taking it.

        The receipt is what tells "died while idle" (retry, the article is innocent) from "died on this article"
        (dead letter): without it a request written into the socket of a just-killed child looks like the latter.
        """
        try:
            self._connection.send(request)
            receipted = self._connection.poll(max(0.0, deadline - time.monotonic()))
            receipt = self._connection.recv() if receipted else None
        except (EOFError, OSError):  # BrokenPipeError and ConnectionResetError are OSErrors
            return False
        if not receipted:
            raise self._timed_out(deadline)
        if receipt != _ACCEPTED:
            self.kill()
            self.restarts += 1
            raise ExtractionError(f"extraction worker sent {receipt!r} instead of a receipt")
        return True

    def _timed_out(self, deadline: float) -> LimitExceededError:
        """Kill the child stuck on this article and describe the article's failure."""
        self.kill()
        self.restarts += 1
        limit_ms = int(self.settings.timeout_s * 1000)
        return LimitExceededError(EXTRACT_TIMEOUT, limit=limit_ms,
                                  actual=limit_ms + int((time.monotonic() - deadline) * 1000))

    def kill(self) -> int | None:
        """SIGKILL the child (it may be deep in C code) and reap it; returns its exit code."""
        connection, process = self._connection, self._process
        self._connection = self._process = None
        if connection is not None:
            connection.close()
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        return process.wait()

    def close(self) -> None:
        """Ask the child to exit (closing its socket), then make sure it did."""
        connection, process = self._connection, self._process
        self._connection = self._process = None
        if connection is not None:
            connection.close()
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class ExtractionWorkerPool:
    """Idle workers kept for the next lease; every worker it made is stopped when the pool is closed or collected."""

    def __init__(self, settings: GuardSettings):
        self.settings = settings
        self._idle: list[ExtractionWorker] = []
        self._all: list[ExtractionWorker] = []
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_workers, self._all)

    def lease(self) -> ExtractionWorker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        worker = ExtractionWorker(self.settings)
        worker.start()
        with self._lock:
            self._all.append(worker)
        return worker

    def give_back(self, worker: ExtractionWorker) -> None:
        with self._lock:
            self._idle.append(worker)

    def close(self) -> None:
        self._finalizer()


def _close_workers(workers: list[ExtractionWorker]) -> None:
    for worker in workers:
        worker.close()


class GuardedExtractor:
    """A drop-in for ``extract_document`` that runs it in a leased worker under the time limit."""

    def __init__(self, worker: ExtractionWorker):
        self.worker = worker

    def __call__(self, document, *, url, settings):
        return self.worker.extract(document, url=url, settings=settings)


# --- the child ------------------------------------------------------------------------------------------------------

def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(1.0)


def _picklable(error: BaseException) -> BaseException:
    import pickle

    try:
        pickle.dumps(error)
        return error
    except Exception:  # an unpicklable third-party exception still reaches the parent, as text
        return ExtractionError(f"{type(error).__name__}: {error}")


def serve(fd: int, parent_pid: int, memory_mb: int = 0) -> None:
    """The worker loop: one (document, url, settings) request at a time until the socket closes.

    After a ``MemoryError`` the child answers and exits: the heap may be left fragmented or half-built, and the
    parent's next request goes to a fresh child (the receipt protocol makes that transparent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group; the parent decides
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    from presspipe.pipelines.enrich.record import extract_document

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    connection = Connection(fd)
    connection.send(_READY)
    while True:
        try:
            document, url, settings = connection.recv()
        except EOFError:
            return
        connection.send(_ACCEPTED)
        try:
            reply = ("ok", extract_document(document, url=url, settings=settings))
        except Exception as error:  # every failure goes back to the parent, which dead-letters the article
            if _ran_out_of_memory(error):
                connection.send(("error", LimitExceededError(EXTRACT_MEMORY, limit=memory_mb, actual=None)))
                return
            reply = ("error", _picklable(error))
        connection.send(reply)


def _ran_out_of_memory(error: BaseException | None) -> bool:
    """A ``MemoryError`` anywhere in the chain: a library that wraps every failure in its own type must not turn the
    memory cap into an ordinary extraction failure (and keep a half-built heap serving)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MemoryError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
