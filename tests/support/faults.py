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
