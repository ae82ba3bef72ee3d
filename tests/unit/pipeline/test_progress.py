import logging

import pytest

from presspipe.pipelines.progress import PROGRESS_LOGGER, WorkerProgress
from presspipe.core import logs


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_per_interval_with_totals_and_recent_rate(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    clock = FakeClock()
    progress = WorkerProgress(10.0, clock=clock)
    for second in range(25):  # one record per second: 2 of 3 dead letters
        clock.now += 1
        progress.count(article=second % 3 == 0)
    lines = [record for record in caplog.records if record.name == PROGRESS_LOGGER]
    assert [record.records for record in lines] == [10, 20]
    assert (lines[-1].articles, lines[-1].dead_letters) == (7, 13)
    assert "20 records in 20 s (7 articles, 13 dead letters), 1.0 records/s lately" in lines[-1].getMessage()
    assert (progress.articles, progress.dead_letters) == (9, 16), "counts go on between lines"


def test_the_sole_worker_reports_the_share_of_the_plan_and_the_time_to_go(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    clock = FakeClock()
    progress = WorkerProgress(10.0, planned=40, clock=clock)
    for _ in range(10):
        clock.now += 1
        progress.count(article=True)
    [line] = [record for record in caplog.records if record.name == PROGRESS_LOGGER]
    assert line.planned == 40
    assert "10 of 40 planned records (25%) in 10 s" in line.getMessage()
    assert "about 30 s to go" in line.getMessage()


def test_interval_zero_counts_but_never_logs(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    clock = FakeClock()
    progress = WorkerProgress(0.0, clock=clock)
    for _ in range(5):
        clock.now += 100
        progress.count(article=True)
    assert progress.articles == 5 and not caplog.records
    with pytest.raises(ValueError):
        WorkerProgress(-1.0)


def test_the_cli_shows_progress_at_its_default_level_and_hides_it_when_asked():
    root, progress = logging.getLogger(), logging.getLogger(PROGRESS_LOGGER)
    saved = root.handlers[:], root.level, progress.level
    try:
        logs.configure("WARNING")
        assert progress.isEnabledFor(logging.INFO) and not root.isEnabledFor(logging.INFO)
        logs.configure("ERROR")
        assert not progress.isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        progress.setLevel(saved[2])
