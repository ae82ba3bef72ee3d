"""Scaling figures for the runners: the multi-process DirectRunner with 1 vs 2 processes, on the same planned range of
one raw topic.

``measure_scaling(bootstrap_servers, raw_topic)`` is what ``benchmarks.run`` calls; it returns figures as dicts
``{"name", "value", "unit", "baseline"}`` (``baseline`` names the figure a speed-up is relative to, else None).
The local engine here is also what the runner integration tests start: Beam's Python job service with an external
worker pool (the Job API / Fn API path Flink uses).

Wall-clock figures on a shared machine are noisy; the numbers are printed, never asserted on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from presspipe.broker import accepts_connections, free_port

BIN_DIR = Path(sys.executable).parent


class EngineStartError(RuntimeError):
    """A local scheduler, worker pool or job service did not come up."""


@dataclass(frozen=True)
class LocalEngine:
    """A running local engine: the flags that send a pipeline to it, and the log files of its processes."""

    flags: tuple[str, ...]
    logs: tuple[Path, ...]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineStartError(f"{process.args[0]} exited with {process.returncode}; see {log}")
        if accepts_connections(port):
            return
        time.sleep(0.2)
    raise EngineStartError(f"nothing listens on 127.0.0.1:{port} after {timeout_s}s; see {log}")


@contextlib.contextmanager
def _processes(log_dir: Path) -> Iterator[list[tuple[subprocess.Popen, Path]]]:
    """Processes started inside are terminated (then killed) on exit, each by its own handle."""
    started: list[tuple[subprocess.Popen, Path]] = []
    try:
        yield started
    finally:
        for process, _ in reversed(started):
            if process.poll() is None:
                process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _spawn(started: list, log_dir: Path, name: str, command: Sequence[str], env: dict | None = None
           ) -> tuple[subprocess.Popen, Path]:
    log = log_dir / f"{name}.log"
    with open(log, "wb") as stream:
        process = subprocess.Popen(list(command), stdout=stream, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    started.append((process, log))
    return process, log


def _engine_env() -> dict[str, str]:
    """Child processes find this interpreter's ``python`` first (the worker pool runs ``python``)."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextlib.contextmanager
def portable_job_service(log_dir: Path) -> Iterator[LocalEngine]:
    """Beam's Python job service plus an external SDK worker pool, each in its own process.

    The pool starts every SDK harness as a further ``python`` process, so the pipeline runs with nothing from the
    launching process -- the Job API / Fn API contract the Flink runner relies on.
    """
    job_port, pool_port = free_port(), free_port()
    env = _engine_env()
    with _processes(log_dir) as started:
        pool, pool_log = _spawn(started, log_dir, "worker-pool", [
            sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main", "--service_port", str(pool_port)],
                                env)
        service, service_log = _spawn(started, log_dir, "job-service", [
            sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main", "--port", str(job_port)],
                                      env)
        _wait_for_port(pool_port, pool, pool_log)
        _wait_for_port(job_port, service, service_log)
        yield LocalEngine(flags=("--runner", "PortableRunner", "--job_endpoint", f"127.0.0.1:{job_port}",
                                 "--environment_type", "EXTERNAL", "--environment_config", f"127.0.0.1:{pool_port}"),
                          logs=(pool_log, service_log))


def _timed_run(bootstrap_servers: str, raw_topic: str, dlq_topic: str, chunk_records: int, flags: Sequence[str]):
    from presspipe.pipelines import ingest

    out_dir = tempfile.mkdtemp(prefix="presspipe-scaling-")
    try:
        summary = ingest.run(["--bootstrap-servers", bootstrap_servers, "--raw-topic", raw_topic,
                              "--dlq-topic", dlq_topic, "--output", f"avro:{out_dir}",
                              "--chunk-records", str(chunk_records), *flags])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return summary


def measure_scaling(bootstrap_servers: str, raw_topic: str, dlq_topic: str | None = None,
                    chunk_records: int = 25) -> list[dict]:
    """Run the same planned range of ``raw_topic`` on each engine; seconds per run and speed-ups 1 → 2.

    Dead letters go to ``dlq_topic`` (default: ``<raw_topic>.scaling-dlq``, which must exist or be auto-created).
    Each run plans the read afresh, so the topic must not grow while this runs.
    """
    dlq_topic = dlq_topic or f"{raw_topic}.scaling-dlq"
    figures: list[dict] = []

    def record(name: str, summary, extra_baseline: str | None = None) -> None:
        figures.append({"name": f"{name}_seconds", "value": round(summary.seconds, 2), "unit": "s",
                        "baseline": None})
        figures.append({"name": f"{name}_articles_per_second",
                        "value": round(summary.read / summary.seconds, 2) if summary.seconds else None,
                        "unit": "articles/s", "baseline": extra_baseline})

    seconds: dict[str, float] = {}
    for processes in (1, 2):
        summary = _timed_run(bootstrap_servers, raw_topic, dlq_topic, chunk_records, [
            "--runner", "DirectRunner", "--direct_num_workers", str(processes),
            "--direct_running_mode", "multi_processing"])
        name = f"direct_{processes}_processes"
        record(name, summary, "direct_1_processes_articles_per_second" if processes == 2 else None)
        seconds[name] = summary.seconds
    figures.append({"name": "direct_speedup_2_vs_1_processes",
                    "value": round(seconds["direct_1_processes"] / seconds["direct_2_processes"], 2), "unit": "x",
                    "baseline": "direct_1_processes_seconds"})
    figures.append({"name": "scaling_articles", "value": summary.read, "unit": "articles", "baseline": None})
    figures.append({"name": "scaling_cpu_count", "value": os.cpu_count(), "unit": "cores", "baseline": None})
    return figures


def load_copies(bootstrap_servers: str, raw_topic: str, inputs: Sequence[Path], copies: int) -> int:
    """Put ``copies`` rounds of the raw articles read from ``inputs`` on ``raw_topic``; returns records sent.

    The same articles repeated: enough volume to time the engines; ids repeat, which the pipeline does not mind.
    """
    from presspipe.connectors.base import ConnectorReport, RawArticleProducer
    from presspipe.connectors.files import FilesConnector
    from presspipe.core.settings import KafkaSettings
    from presspipe.schemas import RawArticle

    articles = [item for item in FilesConnector(list(inputs)).fetch() if isinstance(item, RawArticle)]
    producer = RawArticleProducer(KafkaSettings(bootstrap_servers=bootstrap_servers), raw_topic)
    report = ConnectorReport()
    try:
        for _ in range(copies):
            for article in articles:
                producer.send(article, report)
        producer.drain(report)
    finally:
        producer.close()
    return report.sent


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.scaling [COPIES]``: development broker (Kafka where it runs), COPIES × (samples + HTML fixtures), then the figures."""
    import json

    from presspipe.pipelines.io.kafka import create_topics
    from presspipe.broker import default_engine, running_broker
    from presspipe.core.settings import KafkaSettings

    copies = int((argv if argv is not None else sys.argv[1:] or ["15"])[0])
    repo = Path(__file__).resolve().parents[1]
    with running_broker(engine=default_engine()[0]) as broker:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        create_topics(settings, ["scaling.raw", "scaling.raw.scaling-dlq"], partitions=4)
        sent = load_copies(broker.bootstrap_servers, "scaling.raw",
                           [repo / "presspipe" / "samples", repo / "tests" / "fixtures" / "html"], copies)
        print(json.dumps({"name": "scaling_records_loaded", "value": sent, "unit": "records", "baseline": None}))
        for figure in measure_scaling(broker.bootstrap_servers, "scaling.raw"):
            print(json.dumps(figure), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
