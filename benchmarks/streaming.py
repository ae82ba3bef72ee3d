"""Streaming latency: records produced at a steady rate into a running ``--mode streaming`` pipeline, and the time
from each produce to its article in the Kafka sink.

The pipeline runs as its own process (``python -m presspipe.pipelines.ingest --mode streaming``), as a user would run it; it is
started before the first record, given time to reach its steady state (models loaded, partitions assigned), and
stopped with SIGTERM once every produced record came out (or the deadline passed). Latency of one record: the
sink record's Kafka timestamp (set by the sink's producer when it sends) minus the raw record's timestamp (set by
our producer when it sends); the article's ``raw_partition``/``raw_offset`` pair the two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from benchmarks.corpus import CorpusPage
from benchmarks.errors import BenchError

WARM_UP_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 60.0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure_streaming_latency(bootstrap: str, pages: Sequence[CorpusPage], *, rate: float, seconds: float,
                              entities: bool, work: Path, runner_flags: Sequence[str] = ()) -> tuple[list[float], float]:
    """Latencies (seconds) of every record produced at ``rate`` per second for ``seconds``; raises BenchError.

    ``runner_flags`` choose the engine (default: the in-process streaming mode)."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    from benchmarks.run import REPOSITORY, fresh_topics, raw_article_for
    from presspipe.connectors.base import AVRO_CONTENT_TYPE
    from presspipe.schemas import Article, default_registry

    topics = fresh_topics(bootstrap, "streaming", partitions=2)
    work.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "presspipe.pipelines.ingest", *topics.argv(), "--mode", "streaming", "--from", "latest",
            "--group", f"{topics.raw}.bench",
            "--output", f"kafka:{topics.articles}", *runner_flags] + ([] if entities else ["--no_entities"])
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    partitions = [TopicPartition(topics.articles, p) for p in sorted(consumer.partitions_for_topic(topics.articles))]
    consumer.assign(partitions)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0, max_request_size=16 * 1024 * 1024)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            sent = _warm_up(producer, consumer, process, topics.raw, pages[0], log)
            produced_at: dict[tuple[int, int], float] = {}
            interval = 1.0 / rate
            count = max(1, int(rate * seconds))
            start = time.time()
            futures = []
            for index in range(count):
                delay = start + index * interval - time.time()
                if delay > 0:
                    time.sleep(delay)
                raw = raw_article_for(pages[index % len(pages)], copy=sent + index + 1)
                futures.append(producer.send(topics.raw, key=raw.id.encode(), value=raw.encode(),
                                             headers=[("content-type", AVRO_CONTENT_TYPE)]))
            producer.flush()
            for future in futures:
                metadata = future.get(timeout=30)
                produced_at[(metadata.partition, metadata.offset)] = metadata.timestamp / 1000
            achieved_rate = count / max(time.time() - start, 1e-9)
            latencies: list[float] = []
            deadline = time.monotonic() + DRAIN_TIMEOUT_S
            while len(latencies) < len(produced_at) and time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                for records in consumer.poll(timeout_ms=500).values():
                    for record in records:
                        article = Article.decode(record.value, default_registry())
                        sent_at = produced_at.get((article.raw_partition, article.raw_offset))
                        if sent_at is not None:
                            latencies.append(record.timestamp / 1000 - sent_at)
        finally:
            _stop(process)
            producer.close()
            consumer.close()
            log.seek(0)
            tail = log.read().decode(errors="replace")[-1500:]
    if len(latencies) < len(produced_at):
        raise BenchError(f"streaming run delivered {len(latencies)} of {len(produced_at)} articles "
                         f"(exit code {process.returncode}): {tail}")
    return latencies, round(achieved_rate, 2)


def _warm_up(producer, consumer, process: subprocess.Popen, raw_topic: str, page: CorpusPage, log) -> int:
    """Send one record at a time until one comes out: the pipeline then runs in its steady state."""
    from benchmarks.run import raw_article_for
    from presspipe.connectors.base import AVRO_CONTENT_TYPE

    deadline = time.monotonic() + WARM_UP_TIMEOUT_S
    sent = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise BenchError(f"streaming pipeline exited with code {process.returncode}: "
                             f"{log.read().decode(errors='replace')[-1500:]}")
        raw = raw_article_for(page, copy=10_000_000 + sent)
        producer.send(raw_topic, key=raw.id.encode(), value=raw.encode(), headers=[("content-type", AVRO_CONTENT_TYPE)])
        producer.flush()
        sent += 1
        if any(consumer.poll(timeout_ms=2000).values()):
            # drain whatever else of the warm-up arrives, so it is not mistaken for measured records
            while any(consumer.poll(timeout_ms=1000).values()):
                pass
            return sent
    raise BenchError(f"no article came out of the streaming pipeline within {WARM_UP_TIMEOUT_S:.0f}s")
