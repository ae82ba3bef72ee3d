"""Does a bounded backfill use the workers it is given? 1,000 real-page records, 1 vs 2 DirectRunner processes.

``python -m benchmarks.backfill_scaling [RECORDS]`` starts the development broker (Apache Kafka where it runs, else Tansu), puts RECORDS raw records on a
4-partition topic (the real pages of ``../shared/data/news-pages`` in turn, each copy under its own URL), then runs
``presspipe.pipelines.ingest`` on the whole topic with the default read plan and ``--direct_num_workers 1`` and
``2`` (``--direct_running_mode multi_processing``, entity tagging on), and once more with 2 workers and
``--chunk_records 2000``, the fixed default before the plan followed the workers (one chunk for the whole topic).
Each run is its own ``python -m presspipe.pipelines.ingest`` process; its workers' progress lines
(``presspipe.progress``, every ``--progress_s 10`` s) give the records each worker process enriched, which shows
whether the plan used both. Prints one JSON figure per line (docs/s beside its 1-worker baseline from the same
run, the records per worker, the load average before the run, and the chunks each plan made). Wall-clock on a
shared machine: printed, never asserted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from benchmarks.news_pages import load_news_pages


def load_records(bootstrap_servers: str, topic: str, count: int) -> int:
    from presspipe.connectors.base import ConnectorReport, RawArticleProducer, build_raw_article
    from presspipe.core.settings import KafkaSettings

    pages = load_news_pages()
    producer = RawArticleProducer(KafkaSettings(bootstrap_servers=bootstrap_servers), topic)
    report = ConnectorReport()
    try:
        for number in range(count):
            page = pages[number % len(pages)]
            separator = "&" if "?" in page.url else "?"
            producer.send(build_raw_article(connector="files", source_name="news-pages", body=page.html,
                                            content_type="text/html", url=f"{page.url}{separator}copy={number}",
                                            http_status=200), report)
        producer.drain(report)
    finally:
        producer.close()
    return report.sent


_PROGRESS = re.compile(r"presspipe\.progress:worker (\d+): (\d+) records")


def records_per_worker(log_text: str) -> list[int]:
    """The last count each worker process logged, largest first."""
    last: dict[str, int] = {}
    for worker, count in _PROGRESS.findall(log_text):
        last[worker] = max(last.get(worker, 0), int(count))
    return sorted(last.values(), reverse=True)


def timed_run(bootstrap_servers: str, raw_topic: str, dlq_topic: str, workers: int,
              chunk_records: int | None = None) -> dict:
    out_dir = tempfile.mkdtemp(prefix="presspipe-backfill-scaling-")
    flags = ["--bootstrap-servers", bootstrap_servers, "--raw-topic", raw_topic, "--dlq-topic", dlq_topic,
             "--output", f"avro:{out_dir}", "--progress_s", "10", "--runner", "DirectRunner",
             "--direct_num_workers", str(workers), "--direct_running_mode", "multi_processing"]
    if chunk_records is not None:
        flags += ["--chunk_records", str(chunk_records)]
    load = os.getloadavg()[0]
    log_path = Path(out_dir) / "run.log"
    started = time.monotonic()
    try:
        with open(log_path, "wb") as log:
            done = subprocess.run([sys.executable, "-m", "presspipe.pipelines.ingest", *flags], stdout=subprocess.PIPE,
                                  stderr=log, check=False)
        seconds = time.monotonic() - started
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"ingest exited with {done.returncode}: {log_text[-2000:]}")
    summary = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {"read": summary["read"], "written": summary["written"], "dead_lettered": summary["dead_lettered"],
            "seconds": round(seconds, 2), "docs_per_s": round(summary["read"] / seconds, 2),
            "records_per_worker": records_per_worker(log_text), "load_average_before": round(load, 2),
            "flags": flags[10:]}


def main(argv: Sequence[str] | None = None) -> int:
    from presspipe.broker import default_engine, running_broker
    from presspipe.core.settings import KafkaSettings
    from presspipe.pipelines.io.kafka import chunk_records_for, create_topics, plan_bounded_read

    arguments = list(argv if argv is not None else sys.argv[1:])
    count = int(arguments[0]) if arguments else 1000
    only = set(arguments[1:])  # run names to run (default: all three)
    with running_broker(engine=default_engine()[0]) as broker:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        create_topics(settings, ["backfill.raw", "backfill.dlq"], partitions=4)
        sent = load_records(broker.bootstrap_servers, "backfill.raw", count)
        plan = plan_bounded_read(settings, "backfill.raw")
        print(json.dumps({"name": "backfill_records", "value": sent, "unit": "records", "baseline": None}))
        for workers in (1, 2):
            print(json.dumps({"name": f"planned_chunks_{workers}_workers",
                              "value": len(plan.chunks(chunk_records_for(plan, workers))), "unit": "chunks",
                              "baseline": None}))
        print(json.dumps({"name": "chunks_with_chunk_records_2000", "value": len(plan.chunks(2000)),
                          "unit": "chunks", "baseline": None}))
        runs = {}
        for name, workers, chunk_records in (("1_worker", 1, None), ("2_workers", 2, None),
                                             ("2_workers_chunk_records_2000", 2, 2000)):
            if only and name not in only:
                continue
            runs[name] = timed_run(broker.bootstrap_servers, "backfill.raw", "backfill.dlq", workers, chunk_records)
            baseline = None if name == "1_worker" else "backfill_1_worker_docs_per_s"
            print(json.dumps({"name": f"backfill_{name}_docs_per_s", "value": runs[name]["docs_per_s"],
                              "unit": "docs/s", "baseline": baseline, **runs[name]}), flush=True)
        base = runs.get("1_worker", {}).get("docs_per_s")
        for name in [name for name in ("2_workers", "2_workers_chunk_records_2000") if base and name in runs]:
            print(json.dumps({"name": f"speedup_{name}_vs_1_worker",
                              "value": round(runs[name]["docs_per_s"] / base, 2), "unit": "x",
                              "baseline": "backfill_1_worker_docs_per_s"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
