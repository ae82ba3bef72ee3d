"""Beam's Prism runner for the portable-runner tests: the binary ``make prism`` builds, and a job server process."""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from presspipe.broker import accepts_connections, free_port
from presspipe.pipelines.runners import prism_binary, prism_cache_dir


@pytest.fixture(scope="session")
def prism() -> Path:
    binary = prism_binary()
    if binary is None:
        pytest.skip(f"no Prism binary in {prism_cache_dir()}: `make prism` builds it (needs Go)")
    return binary


@dataclass
class PrismJobServer:
    """One Prism job server process; ``kill`` is SIGKILL (no clean shutdown), ``endpoint`` its Job API address."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@contextlib.contextmanager
def prism_job_server(binary: Path, log: Path, timeout_s: float = 60.0) -> Iterator[PrismJobServer]:
    port = free_port()
    with open(log, "ab") as stream:
        process = subprocess.Popen([str(binary), "--job_port", str(port), "--serve_http=false"], stdout=stream,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = PrismJobServer(process, port, log)
    try:
        deadline = time.monotonic() + timeout_s
        while not accepts_connections(port):
            assert process.poll() is None, f"prism exited with {process.returncode}: {log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"prism did not listen on {port} within {timeout_s}s"
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
