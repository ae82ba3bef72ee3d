"""Progress of a long run, from inside the workers: Beam's local engines publish no metrics until a run ends, so a
backfill of hours would otherwise be silent until its summary.

Each worker process keeps one :class:`WorkerProgress` (shared by its DoFn instances through the enrichment's
``Shared`` resources) and logs a line every ``interval_s`` on the ``presspipe.progress`` logger, which the CLI shows
at its default log level. On Flink or Dataflow the lines land in each worker's log.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

from presspipe.core.logs import PROGRESS_LOGGER

log = logging.getLogger(PROGRESS_LOGGER)


class WorkerProgress:
    """Articles and dead letters of this process; thread-safe, because a runner may run DoFn instances in threads."""

    def __init__(self, interval_s: float, planned: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``planned``: the run's planned records, given only when this process is the run's only worker (the
        in-process runner), so that "of planned" and the ETA are about the whole run."""
        if interval_s < 0:
            raise ValueError(f"progress interval must not be negative, got {interval_s}")
        self.interval_s = interval_s
        self.planned = planned
        self._clock = clock
        self._lock = threading.Lock()
        self._started = self._last_report = clock()
        self._last_records = 0
        self.articles = 0
        self.dead_letters = 0

    def count(self, *, article: bool) -> None:
        """One record done; logs a line when ``interval_s`` has passed since the last one (never when 0)."""
        with self._lock:
            if article:
                self.articles += 1
            else:
                self.dead_letters += 1
            now = self._clock()
            if not self.interval_s or now - self._last_report < self.interval_s:
                return
            records = self.articles + self.dead_letters
            rate = (records - self._last_records) / (now - self._last_report)
            self._last_report, self._last_records = now, records
            articles, dead_letters, elapsed = self.articles, self.dead_letters, now - self._started
        extra = {"records": records, "articles": articles, "dead_letters": dead_letters}
        if self.planned:
            eta_s = (self.planned - records) * elapsed / records
            log.info("%d of %d planned records (%.0f%%) in %.0f s (%d articles, %d dead letters), %.1f records/s "
                     "lately, about %.0f s to go", records, self.planned, 100 * records / self.planned, elapsed,
                     articles, dead_letters, rate, max(eta_s, 0.0), extra={**extra, "planned": self.planned})
            return
        log.info("worker %d: %d records in %.0f s (%d articles, %d dead letters), %.1f records/s lately",
                 os.getpid(), records, elapsed, articles, dead_letters, rate, extra=extra)
