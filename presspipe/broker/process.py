"""What both broker engines share: free ports, the child process's lifetime, readiness and a clean stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from presspipe.broker.errors import BrokerError


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


def spawn(command: Sequence[str], log_path: Path, *, detach: bool, cwd: Path | None = None) -> subprocess.Popen:
    """Start the broker with stdout/stderr appended to ``log_path``.

    ``detach`` puts it in its own session so it outlives the calling command (``presspipe broker start``);
    otherwise it stays in the caller's process group and gets SIGTERM when the caller dies (Linux), even by SIGKILL.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = list(command) if detach else with_parent_death_signal(command)
    with open(log_path, "ab") as log_file:
        return subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cwd, start_new_session=detach)


PR_SET_PDEATHSIG = 1

# Runs in the child's own fresh interpreter, then becomes the broker by exec (same pid; the death signal survives the
# exec). Not a ``preexec_fn``: with one, CPython runs every at-fork handler of the parent in the forked child, and
# gRPC's (Beam's runners hold gRPC channels in a test or demo process) aborts that child with SIGABRT.
_EXEC_WITH_PARENT_DEATH_SIGNAL = (
    "import ctypes, os, signal, sys\n"
    "if ctypes.CDLL(None, use_errno=True).prctl(%d, signal.SIGTERM) != 0:\n"
    "    sys.exit('prctl(PR_SET_PDEATHSIG) failed: ' + os.strerror(ctypes.get_errno()))\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit('the process that started the broker is gone')\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n" % PR_SET_PDEATHSIG
)


def with_parent_death_signal(command: Sequence[str]) -> list[str]:
    """Linux: the command, wrapped so that it gets SIGTERM when the process that started it dies, even by SIGKILL, so
    a killed demo or test run never leaves a broker behind (strictly: when the starting *thread* ends; brokers are
    started from the thread that owns them). Elsewhere the command as it is: the ``with`` block's cleanup is all there
    is. The parent pid is checked after ``prctl``: a parent that died before it would otherwise never signal."""
    if not sys.platform.startswith("linux"):
        return list(command)
    return [sys.executable, "-c", _EXEC_WITH_PARENT_DEATH_SIGNAL, str(os.getpid()), *command]


def wait_until_ready(process: subprocess.Popen, port: int, log_path: Path, timeout: float) -> None:
    """Return once the broker on ``port`` answers a metadata request and validates a topic creation (the
    controller path a test or pipeline uses first); raise, naming the log, if it exits or the time runs out."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode}; see {log_path}")
        if accepts_connections(port):
            admin = None
            try:
                admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=5000)
                admin.list_topics()
                admin.create_topics([NewTopic("presspipe.readiness-probe", 1, 1)], validate_only=True)
                return
            except KafkaError as error:
                last_error = error
            finally:
                if admin is not None:
                    admin.close()
        time.sleep(0.2)
    detail = f" (last answer: {type(last_error).__name__}: {last_error})" if last_error else ""
    raise BrokerError(f"broker did not become ready on port {port} within {timeout:.0f}s{detail}; see {log_path}")


def terminate(pid: int, grace: float) -> bool:
    """SIGTERM, then SIGKILL after ``grace`` seconds; True if the process ended within the grace period."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs; reaps it when it is our exited child, so a zombie does not count as alive."""
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
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
