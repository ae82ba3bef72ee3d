"""Fault injection shared by the pipeline tests."""

from __future__ import annotations

from dataclasses import replace


def fail_extraction_worker_restarts(monkeypatch) -> list[int]:
    """From the first kill of an extraction worker on (a page over its time limit), every new worker fails to start
    for real: it gets no time to report ready, so ``ExtractionWorker.start`` raises ``WorkerStartError``. Workers
    started before that (the runner's set-up) start normally. Returns the pids of the killed workers."""
    from presspipe.pipelines.guard import ExtractionWorker

    killed, real_start, real_kill = [], ExtractionWorker.start, ExtractionWorker.kill

    def start(worker):
        if killed:
            worker.settings = replace(worker.settings, startup_timeout_s=0.0)
        return real_start(worker)

    def kill(worker):
        killed.append(worker.pid)
        return real_kill(worker)

    monkeypatch.setattr(ExtractionWorker, "start", start)
    monkeypatch.setattr(ExtractionWorker, "kill", kill)
    return killed


def produce_atomically(settings, topic: str, messages, partition: int = 0) -> list[int]:
    """Send (key, value) pairs to one partition as ONE record batch, so a reader sees all of them or none: a
    micro-batch planned while they arrive cannot take a part of them (batches get predictable boundaries).
    Together at most Kafka's default message limit (1 MB). Returns their offsets."""
    from kafka import KafkaProducer

    producer = KafkaProducer(acks="all", linger_ms=60_000, batch_size=1_000_000, **settings.client_kwargs())
    try:
        futures = [producer.send(topic, key=key, value=value, partition=partition) for key, value in messages]
        producer.flush()
        offsets = [future.get(timeout=30).offset for future in futures]
    finally:
        producer.close()
    assert offsets == list(range(offsets[0], offsets[0] + len(offsets))), offsets
    return offsets
