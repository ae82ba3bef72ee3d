"""Push endpoint under load: accepted requests/s and latency p50/p99 at 20 and 200 concurrent clients, for today's
server (``presspipe connect http``, aiohttp) beside the pre-#20 standard-library server
(:mod:`benchmarks.legacy_push_server`) in the same run, on the same broker.

Each server runs as its own process (as in production; the load generator must not share its interpreter's GIL);
the load generator is one asyncio process with ``concurrency`` keep-alive connections, each sending its share of
POSTs one after another. Every request carries a new URL, so every accepted request is a record acknowledged by
the broker. A connection the server resets or never answers counts as a failed request and is reopened.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchError
from benchmarks.figures import Figure, percentile

REPOSITORY = Path(__file__).resolve().parents[1]
LEGACY = "pre-#20 ThreadingHTTPServer"
BODY_WORDS = "The harbour council approved the budget after a long debate about ferries. " * 40


@dataclass(frozen=True)
class LoadResult:
    accepted: int
    failed: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def _request(host: str, port: int, number: int, run: str) -> bytes:
    body = json.dumps({"url": f"https://bench.test/{run}/{number}", "text": BODY_WORDS}).encode()
    return (f"POST /articles HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _load(host: str, port: int, concurrency: int, requests: int, timeout_s: float) -> LoadResult:
    run = uuid.uuid4().hex[:8]
    numbers = iter(range(requests))
    latencies: list[float] = []
    counts = {"accepted": 0, "failed": 0}

    async def client() -> None:
        reader = writer = None
        for number in numbers:
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
                writer.write(_request(host, port, number, run))
                status = await asyncio.wait_for(_read_response(reader), timeout_s)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                counts["failed"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            if status == 202:
                counts["accepted"] += 1
                latencies.append(time.perf_counter() - started)
            else:
                counts["failed"] += 1
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return LoadResult(counts["accepted"], counts["failed"], time.perf_counter() - started, tuple(sorted(latencies)))


def _start(command: list[str]) -> tuple[subprocess.Popen, str, int]:
    process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    line = process.stdout.readline()
    if not line.startswith("listening on http://"):
        process.kill()
        raise BenchError(f"push server did not start: {line!r}")
    host, port = line.split()[2].removeprefix("http://").split(":")
    return process, host, int(port)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(command: list[str], concurrency: int, requests: int) -> LoadResult:
    process, host, port = _start(command)
    try:
        asyncio.run(_load(host, port, min(concurrency, 8), 8, timeout_s=30))  # warm-up: connections, metadata
        return asyncio.run(_load(host, port, concurrency, requests, timeout_s=30))
    finally:
        _stop(process)


def push_figures(bootstrap: str, topic: str, *, requests: int, levels: tuple[int, ...] = (20, 200)) -> list[Figure]:
    python = sys.executable
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="presspipe-push-bench-") as work:
        for concurrency in levels:
            state = Path(work) / f"{concurrency}"
            current = measure([python, "-m", "presspipe.cli", "--bootstrap-servers", bootstrap, "--raw-topic", topic,
                               "connect", "http", "--port", "0", "--state", f"{state}-new.sqlite"],
                              concurrency, requests)
            legacy = measure([python, "-m", "benchmarks.legacy_push_server", "--bootstrap-servers", bootstrap,
                              "--topic", topic, "--state", f"{state}-old.sqlite"], concurrency, requests)
            note = (f"{requests} POSTs of {len(BODY_WORDS)} characters, {concurrency} keep-alive connections; "
                    f"failed: {current.failed} (baseline {legacy.failed})")
            figures += [
                Figure(f"push_c{concurrency}_accepted_per_s", current.accepted_per_s, "req/s",
                       legacy.accepted_per_s, LEGACY, note=note),
                Figure(f"push_c{concurrency}_latency_p50_ms", _ms(current.latencies, 0.5), "ms",
                       _ms(legacy.latencies, 0.5), LEGACY, note=note),
                Figure(f"push_c{concurrency}_latency_p99_ms", _ms(current.latencies, 0.99), "ms",
                       _ms(legacy.latencies, 0.99), LEGACY, note=note),
                Figure(f"push_c{concurrency}_failed_requests", current.failed, "requests", legacy.failed, LEGACY,
                       note="reset or unanswered connections and non-202 answers"),
            ]
    return figures


def _ms(latencies: tuple[float, ...], fraction: float) -> float | None:
    return percentile(list(latencies), fraction) * 1000 if latencies else None
