"""The extraction time limit really interrupts trafilatura: the worker process is killed, the article becomes a
``limits`` dead letter naming ``extract_timeout``, and the next article gets a fresh worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from presspipe.pipelines.enrich.errors import EmptyArticleError, ExtractionError, LimitExceededError
from presspipe.pipelines.enrich.record import DecodedDocument, EnrichSettings, Provenance, enrich_article, extract_document
from presspipe.pipelines.guard import EXTRACT_TIMEOUT, ExtractionWorker, ExtractionWorkerPool, GuardedExtractor, GuardSettings
from tests.reliability.hostile import ENGLISH, article_page, raw

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS = EnrichSettings()
ARTICLE = DecodedDocument(article_page([ENGLISH, "The ferry timetable changes on Monday for the winter."]), True)


def runaway_page(paragraphs: int = 120_000) -> DecodedDocument:
    """Many tiny paragraphs: well under the size and DOM limits, yet trafilatura needs many seconds on it."""
    return DecodedDocument("<html><body>" + "<p>word " * paragraphs + "</body></html>", True)


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a killed child stays a zombie until its parent reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_for_exit(pid: int, patience_s: float = 20.0) -> bool:
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def worker():
    worker = ExtractionWorker(GuardSettings(timeout_s=60.0))
    worker.start()
    yield worker
    worker.close()


def test_worker_output_is_the_in_process_output(worker):
    for document in (ARTICLE, DecodedDocument(article_page([ENGLISH], lang="fr", title="Budget"), True)):
        assert worker.extract(document, url="https://guard.test/a", settings=SETTINGS) == \
            extract_document(document, url="https://guard.test/a", settings=SETTINGS)


def test_errors_cross_the_process_boundary_with_their_stage(worker):
    with pytest.raises(EmptyArticleError) as caught:
        worker.extract(DecodedDocument("   ", True), url=None, settings=SETTINGS)
    assert caught.value.stage == "extract"
    with pytest.raises(LimitExceededError) as caught:
        worker.extract(ARTICLE, url=None, settings=replace(SETTINGS, max_dom_nodes=5))
    assert caught.value.limit_name == "max_dom_nodes"
    assert worker.extract(ARTICLE, url=None, settings=SETTINGS).paragraphs  # the same worker goes on


def test_runaway_extraction_is_killed_and_the_next_article_gets_a_fresh_worker(worker):
    worker.settings = GuardSettings(timeout_s=0.5)
    stuck_pid = worker.pid
    with pytest.raises(LimitExceededError) as caught:
        worker.extract(runaway_page(), url=None, settings=SETTINGS)
    error = caught.value
    assert (error.stage, error.limit_name, error.limit) == ("limits", EXTRACT_TIMEOUT, 500)
    assert "extract_timeout exceeded" in str(error)
    assert not is_running(stuck_pid), "the worker stuck in trafilatura was not killed"
    assert worker.restarts == 1

    worker.settings = GuardSettings(timeout_s=60.0)
    assert worker.extract(ARTICLE, url=None, settings=SETTINGS).paragraphs
    assert worker.pid != stuck_pid


def test_worker_dying_mid_document_costs_only_that_document(worker):
    doomed = worker.pid
    threading.Timer(0.5, os.kill, (doomed, signal.SIGKILL)).start()
    with pytest.raises(ExtractionError, match="worker died"):
        worker.extract(runaway_page(), url=None, settings=SETTINGS)
    assert worker.extract(ARTICLE, url=None, settings=SETTINGS).paragraphs


@pytest.mark.parametrize("wait_for_death", [True, False], ids=["death-visible", "death-racing-the-request"])
def test_idle_worker_killed_from_outside_is_replaced_transparently(worker, wait_for_death):
    for killed in range(1, 6):  # the race between the kill and the next request is lost or won differently each time
        victim = worker.pid
        os.kill(victim, signal.SIGKILL)
        if wait_for_death:
            assert wait_for_exit(victim)
        assert worker.extract(ARTICLE, url=None, settings=SETTINGS).paragraphs
        assert worker.restarts == killed
        assert worker.pid != victim


def test_enrich_article_through_the_guard_equals_in_process():
    pool = ExtractionWorkerPool(GuardSettings(timeout_s=60.0))
    worker = pool.lease()
    try:
        page = raw(ARTICLE.text.encode(), name="guarded")
        guarded = enrich_article(page, provenance=Provenance("raw", 1, 2), extract=GuardedExtractor(worker),
                                 processed_at=page.fetched_at)
        direct = enrich_article(page, provenance=Provenance("raw", 1, 2), processed_at=page.fetched_at)
        assert guarded == direct
    finally:
        pool.give_back(worker)
        pid = worker.pid
        pool.close()
    assert wait_for_exit(pid), "closing the pool must stop its workers"


def test_worker_exits_when_its_parent_is_killed():
    script = ("from presspipe.pipelines.guard import ExtractionWorker, GuardSettings\n"
              "import sys, time\n"
              "worker = ExtractionWorker(GuardSettings(60.0)); worker.start()\n"
              "print(worker.pid, flush=True); time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        child = int(parent.stdout.readline())
        assert is_running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        assert wait_for_exit(child), "an orphaned extraction worker kept running"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@pytest.mark.slow
def test_runs_sharing_resources_reuse_one_worker_and_dead_letter_a_runaway(monkeypatch):
    """Micro-batches are pipeline runs one after the other: the worker process is leased again, not restarted."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.utils.shared import Shared

    from presspipe.pipelines.io.kafka import KafkaRecord
    from presspipe.pipelines.transforms import DEAD_LETTERS, EnrichRecords

    starts = []
    original_start = ExtractionWorker.start
    monkeypatch.setattr(ExtractionWorker, "start", lambda self: (starts.append(1), original_start(self))[1])

    def record(offset: int, text: str) -> KafkaRecord:
        return KafkaRecord("raw", 0, offset, 0, b"k%d" % offset, raw(text.encode(), name=f"r{offset}").encode())

    shared = Shared()
    settings = replace(SETTINGS, extract_timeout_ms=1000)

    def run(batch: list[KafkaRecord], articles: list[int], timed_out: list[int]) -> None:
        with beam.Pipeline(runner=FnApiRunner()) as pipeline:
            enriched = pipeline | beam.Create(batch) | EnrichRecords(settings, tag_entities=False, shared=shared)
            assert_that(enriched.articles | "Offsets" >> beam.Map(lambda encoded: encoded.article.raw_offset),
                        equal_to(articles), label="articles")
            assert_that(enriched[DEAD_LETTERS] | "Letters" >> beam.Map(
                lambda letter: (letter.raw_offset, letter.stage, EXTRACT_TIMEOUT in letter.error_message)),
                equal_to([(offset, "limits", True) for offset in timed_out]), label="dead letters")

    run([record(0, ARTICLE.text)], [0], [])
    run([record(1, ARTICLE.text)], [1], [])
    assert len(starts) == 1, "the second run leased the first run's worker"
    run([record(2, runaway_page().text)], [], [2])
    run([record(3, ARTICLE.text)], [3], [])
    assert len(starts) == 2, "one restart, for the article after the killed one"


def test_page_needing_more_memory_than_the_cap_is_a_limits_dead_letter_and_the_next_gets_a_fresh_worker():
    worker = ExtractionWorker(GuardSettings(timeout_s=60.0, memory_mb=200))  # idle worker: ~130 MB of address space
    worker.start()
    try:
        capped = worker.pid
        started = time.monotonic()
        with pytest.raises(LimitExceededError) as caught:
            worker.extract(runaway_page(100_000), url=None, settings=SETTINGS)  # needs ~300 MB
        assert (caught.value.stage, caught.value.limit_name, caught.value.limit) == ("limits", "extract_memory_mb", 200)
        assert "extract_memory_mb exceeded (limit 200)" in str(caught.value)
        assert time.monotonic() - started < 60, "the cap must cut the page, not the time limit"
        assert wait_for_exit(capped), "a worker that ran out of memory must not serve again"
        assert worker.extract(ARTICLE, url=None, settings=SETTINGS).paragraphs
        assert worker.pid != capped
    finally:
        worker.close()


def test_pipeline_flag_reaches_the_worker_settings():
    from apache_beam.options.pipeline_options import PipelineOptions

    from presspipe.pipelines.options import IngestConfig

    config = IngestConfig.from_options(PipelineOptions(["--extract_memory_mb", "512"]))
    assert config.enrich.extract_memory_mb == 512
    assert IngestConfig.from_options(PipelineOptions([])).enrich.extract_memory_mb == 2048


def test_a_memory_error_wrapped_by_a_library_is_still_the_memory_cap():
    """trafilatura's boundary (and any library that wraps every failure) must not turn the cap into an ordinary
    ``extract`` failure: the worker looks through the exception chain."""
    from presspipe.pipelines.guard import _ran_out_of_memory

    try:
        try:
            raise MemoryError()
        except MemoryError as error:
            raise ExtractionError("trafilatura failed: MemoryError") from error
    except ExtractionError as wrapped:
        assert _ran_out_of_memory(wrapped)
    try:
        try:
            raise MemoryError()
        except MemoryError:
            raise ValueError("raised while handling it")  # implicit chaining (__context__)
    except ValueError as handled:
        assert _ran_out_of_memory(handled)
    assert not _ran_out_of_memory(ExtractionError("trafilatura failed: ValueError: bad page"))
    assert not _ran_out_of_memory(None)
