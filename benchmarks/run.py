"""``make bench``: presspipe's cost next to the extraction it wraps, every figure beside its same-run baseline.

Prints one JSON object per figure (see :mod:`benchmarks.figures`), then a human table. Groups (``--only``):

* ``enrichment`` -- what the pipeline's DoFn does per record (Avro decode of the raw message, the enrichment stages,
  Avro encode of the article) in one process, against a plain ``trafilatura.extract`` loop over the same pages. The
  two are interleaved page by page, so load from other processes hits both sides alike.
* ``stages`` -- the same loop, per stage: decode, extract, clean, language, entities, encode (median, p95).
* ``langdetect_rs`` -- the accelerated language detector against langdetect on every cleaned body of the corpus:
  mismatching documents (must be 0) and the time of each.
* ``entity_models`` -- the spaCy models on numpy's BLAS against blis (mismatching documents must be 0, and the
  time of each), and the Hindi tagging of a 5,000-character article against a typical page's extraction (see
  :mod:`benchmarks.entities`).
* ``end_to_end`` -- development broker (Apache Kafka where it runs, else Tansu) → Beam in-process runner → Avro files, wall clock of ``presspipe.pipelines.ingest.run``
  (planning, model loading and the Avro write included) against a plain trafilatura loop run just before.
* ``scaling`` -- ``benchmarks.scaling`` when present, else the bounded run with 1 and 2 DirectRunner worker processes.
* ``streaming`` -- produce at a steady rate into a streaming run, produce→sink latency p50/p99.
* ``backfill_rss`` -- peak RSS of a bounded run over ``--backfill-docs`` articles, as a separate process, against
  the RSS of a process that only loads the same models.
* ``push`` -- the HTTP push endpoint under load (``presspipe connect http``), accepted requests/s and latency
  p50/p99 at 20 and 200 concurrent clients, beside the pre-#20 standard-library server (see :mod:`benchmarks.push`).

Reproducible: the corpus is a pure function of ``--seed`` (cached, see :mod:`benchmarks.corpus`); timings are not.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from benchmarks.corpus import CorpusPage, benchmark_corpus, load_corpus
from benchmarks.errors import BenchError
from benchmarks.figures import Figure, Target, agreement, median, not_available, percentile, table

REPOSITORY = Path(__file__).resolve().parents[1]
LOOP_GROUPS = ("enrichment", "stages", "langdetect_rs", "entity_models")  # measured on one in-process enrichment loop
BROKER_GROUPS = ("kafka_read", "end_to_end", "scaling", "streaming", "portable", "backfill_rss", "push")  # need a broker
GROUPS = LOOP_GROUPS + BROKER_GROUPS
STAGES = ("decode", "extract", "clean", "language", "entities", "encode")
PLAIN_LOOP = "trafilatura.extract loop"


@dataclass(frozen=True)
class BenchConfig:
    docs: int
    seed: int
    pipeline_docs: int
    backfill_docs: int
    entities: bool
    only: frozenset[str]
    streaming_rate: float
    streaming_seconds: float
    quick: bool = False
    news_pages: bool = False

    def wants(self, group: str) -> bool:
        return not self.only or group in self.only


# --- corpus as raw records ------------------------------------------------------------------------------------------

FETCHED_AT = datetime(2024, 6, 1, tzinfo=timezone.utc)


def raw_article_for(page: CorpusPage, *, copy: int = 0):
    """The raw record a files/HTTP connector would build for ``page``; ``copy`` makes repeated pages distinct."""
    from presspipe.connectors.base import build_raw_article

    url = page.url if copy == 0 else f"{page.url}?copy={copy}"
    return build_raw_article(connector="files", source_name="bench", body=page.body, content_type=page.content_type,
                             url=url, charset=page.charset, fetched_at=FETCHED_AT)


BACKFILL_DISTINCT_PAGES = 2000


def news_pages_as_corpus() -> list[CorpusPage]:
    """The real news pages (:mod:`benchmarks.news_pages`) as corpus pages: HTML bytes as fetched, no reference."""
    from benchmarks.news_pages import load_news_pages

    return [CorpusPage(name=page.name, url=page.url, language="", style="news-pages", content_type="text/html",
                       charset=None, body=page.html) for page in load_news_pages()]


def iter_corpus(count: int, seed: int) -> Iterator[CorpusPage]:
    """``count`` pages: the first 2,000 generated pages, cycled (each copy gets its own URL, hence its own id)."""
    pages = load_corpus(min(count, BACKFILL_DISTINCT_PAGES), seed)
    for index in range(count):
        yield pages[index % len(pages)]


# --- the per-record work of the pipeline, stage by stage ------------------------------------------------------------


@dataclass
class StagedResult:
    article: object | None
    seconds: dict[str, float]
    error: str | None = None
    extracted_from: tuple[object, str | None] | None = None  # (decoded document, URL) the extract stage was given
    tagged: tuple[str, str] | None = None  # (text, language) the entities stage was given


def enrich_staged(message: bytes, headers: dict[str, bytes], *, settings, tagger, detector,
                  clock: Callable[[], float] = time.perf_counter) -> StagedResult:
    """The DoFn's work for one message through the public stage functions of ``presspipe.pipelines.enrich.record``, timed.

    Composes the stages exactly as :func:`~presspipe.pipelines.enrich.record.enrich_article` does (the smoke test checks
    the articles are equal), plus the raw-message decode before and the article encode after.
    """
    from presspipe.pipelines.enrich.decode import RawDecodeError, decode_raw_article
    from presspipe.pipelines.enrich.errors import EnrichmentError
    from presspipe.pipelines.enrich.record import (Provenance, assemble_article, clean_document, declared_language_of,
                                         decode_document, detect_language, extract_document, tag_entities)
    from presspipe.core.version import __version__

    seconds: dict[str, float] = {}
    extracted_from = None
    stage = "decode"
    started = clock()
    try:
        raw = decode_raw_article(message, headers)
        document = decode_document(raw, settings)
        seconds["decode"] = clock() - started
        stage, started = "extract", clock()
        extracted_from = (document, raw.url)
        extracted = extract_document(document, url=raw.url, settings=settings)
        seconds["extract"] = clock() - started
        stage, started = "clean", clock()
        cleaned = clean_document(extracted, settings)
        seconds["clean"] = clock() - started
        stage, started = "language", clock()
        declared = declared_language_of(raw, extracted)
        detected = detect_language(cleaned.body, declared=declared, settings=settings, detector=detector)
        seconds["language"] = clock() - started
        stage, started = "entities", clock()
        entities = tag_entities(cleaned.body, detected.language, tagger) if tagger is not None else ()
        seconds["entities"] = clock() - started
        tagged = (cleaned.body, detected.language)
        stage, started = "encode", clock()
        article = assemble_article(raw, extracted, cleaned, declared=declared, detected=detected, entities=entities,
                                   provenance=Provenance("bench.raw", 0, 0), processed_at=FETCHED_AT,
                                   pipeline_version=__version__)
        article.encode()
        seconds["encode"] = clock() - started
    except (RawDecodeError, EnrichmentError) as error:
        seconds[stage] = clock() - started
        return StagedResult(None, seconds, f"{stage}:{type(error).__name__}", extracted_from=extracted_from)
    return StagedResult(article, seconds, extracted_from=extracted_from, tagged=tagged)


@dataclass
class LoopResult:
    documents: int = 0
    baseline_seconds: list[float] = field(default_factory=list)
    baseline_cpu: float = 0.0
    total_seconds: list[float] = field(default_factory=list)
    total_cpu: float = 0.0
    stage_seconds: dict[str, list[float]] = field(default_factory=lambda: {stage: [] for stage in STAGES})
    bodies: list[str] = field(default_factory=list)
    body_languages: list[str] = field(default_factory=list)  # the article language of each of ``bodies``
    failures: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    #: The extract stage again with ``--no_recall_safety_net`` (precision mode only), per page that reached extraction.
    precision_only_extract_seconds: list[float] = field(default_factory=list)
    #: Seconds the first page of each language spent loading that language's entity model and gazetteer index, taken
    #: out of its timings (a worker pays them once; on the 130 real pages, 8.1 s in 14 languages: most of the mean).
    entity_first_use_seconds: dict[str, float] = field(default_factory=dict)


def discount_first_use(result: LoopResult, staged: StagedResult, tagger, warm: set[str]) -> None:
    """When ``staged`` was the first page of its language, time its entities stage again (the models are loaded now)
    and take the difference, the loading, out of the page's entities and total seconds."""
    from presspipe.pipelines.enrich.record import tag_entities

    if tagger is None or staged.tagged is None or staged.tagged[1] in warm:
        return
    text, language = staged.tagged
    warm.add(language)
    started = time.perf_counter()
    tag_entities(text, language, tagger)
    loading = max(0.0, staged.seconds["entities"] - (time.perf_counter() - started))
    result.entity_first_use_seconds[language] = loading
    result.stage_seconds["entities"][-1] -= loading
    result.total_seconds[-1] -= loading
    result.total_cpu -= loading  # loading is CPU-bound (model deserialisation, index building)


def build_models(entities: bool):
    """The per-worker objects the DoFn builds in ``setup``: the entity tagger and the language detector."""
    from presspipe.pipelines.enrich.language import default_detector
    from presspipe.pipelines.enrich.record import EnrichSettings

    settings = EnrichSettings()
    tagger = None
    if entities:
        from presspipe.pipelines.enrich.entities import build_tagger

        tagger = build_tagger()
    return settings, tagger, default_detector(settings.language.seed, settings.language.backend)


def enrichment_loop(pages: Sequence[CorpusPage], *, entities: bool, log: Callable[[str], None]) -> LoopResult:
    import trafilatura

    from presspipe.connectors.base import AVRO_CONTENT_TYPE

    settings, tagger, detector = build_models(entities)
    messages = [raw_article_for(page).encode() for page in pages]
    headers = {"content-type": AVRO_CONTENT_TYPE}
    # Warm-up: dateparser, htmldate and spaCy load per-language tables lazily; a long-running worker pays that once.
    # A language first met after the warm-up has its loading discounted (discount_first_use).
    warm: set[str] = set()
    for page, message in list(zip(pages, messages))[:30]:
        trafilatura.extract(page.body)
        staged = enrich_staged(message, headers, settings=settings, tagger=tagger, detector=detector)
        if staged.tagged is not None:
            warm.add(staged.tagged[1])
    result = LoopResult()
    for index, (page, message) in enumerate(zip(pages, messages)):
        wall, cpu = time.perf_counter(), time.process_time()
        trafilatura.extract(page.body)
        result.baseline_seconds.append(time.perf_counter() - wall)
        result.baseline_cpu += time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        staged = enrich_staged(message, headers, settings=settings, tagger=tagger, detector=detector)
        result.total_seconds.append(time.perf_counter() - wall)
        result.total_cpu += time.process_time() - cpu
        for stage in STAGES:
            if stage in staged.seconds:
                result.stage_seconds[stage].append(staged.seconds[stage])
        discount_first_use(result, staged, tagger, warm)
        if staged.extracted_from is not None:
            result.precision_only_extract_seconds.append(timed_precision_only_extract(*staged.extracted_from, settings))
        if staged.error:
            result.failures[staged.error] += 1
        else:
            result.bodies.append(staged.article.body)
            result.body_languages.append(staged.article.language)
            result.languages[staged.article.language] += 1
        if (index + 1) % 250 == 0:
            log(f"enrichment loop: {index + 1}/{len(pages)}")
    result.documents = len(pages)
    return result


def timed_precision_only_extract(document, url: str | None, settings) -> float:
    """Seconds of the extract stage on the document the staged run extracted, without the recall safety net."""
    from dataclasses import replace

    from presspipe.pipelines.enrich.errors import EnrichmentError
    from presspipe.pipelines.enrich.record import extract_document

    precise = replace(settings, extraction=replace(settings.extraction, recall_safety_net=False))
    started = time.perf_counter()
    try:
        extract_document(document, url=url, settings=precise)
    except EnrichmentError:  # timed like the staged run's failed extractions (its dead letter is counted there)
        pass
    return time.perf_counter() - started


def enrichment_figures(loop: LoopResult) -> list[Figure]:
    docs = loop.documents
    plain = docs / sum(loop.baseline_seconds)
    ours = docs / sum(loop.total_seconds)
    cpu_note = (f"CPU-time ratio {(docs / loop.total_cpu) / (docs / loop.baseline_cpu):.2f}; " if loop.total_cpu else "")
    failures = ", ".join(f"{name}={count}" for name, count in loop.failures.most_common()) or "none"
    without_entities = docs / (sum(loop.total_seconds) - sum(loop.stage_seconds["entities"]))
    precision_only = docs / (sum(loop.total_seconds) - sum(loop.stage_seconds["entities"])
                             - sum(loop.stage_seconds["extract"]) + sum(loop.precision_only_extract_seconds))
    # Targets of the performance issue: pages without a statistical entity model (the figure without the entities
    # stage) at 0.80x the plain loop; the figure with entities has none since the Hindi speed target was withdrawn.
    return [Figure("enrichment_docs_per_s_per_core", ours, "docs/s", plain, PLAIN_LOOP, None,
                   note=f"{docs} pages, one process, interleaved page by page; {cpu_note}"
                        f"includes raw Avro decode, entities and article encode; dead letters: {failures}"),
            Figure("enrichment_without_entities_docs_per_s_per_core", without_entities, "docs/s", plain, PLAIN_LOOP,
                   Target(min_ratio=0.80), note="the same loop with the entities stage's time left out"),
            Figure("enrichment_without_entities_precision_only_docs_per_s_per_core", precision_only, "docs/s", plain,
                   PLAIN_LOOP, note="as the figure above, with the extract stage timed again with "
                                    "--no_recall_safety_net (trafilatura's precision mode only), interleaved"),
            Figure("entity_first_use_load_s", round(sum(loop.entity_first_use_seconds.values()), 3), "s",
                   note="entity models and gazetteer indexes loaded by the first page of a language met after the "
                        "warm-up, taken out of the figures above (a worker pays it once per language): "
                        + (", ".join(f"{language} {seconds:.2f}" for language, seconds in
                                     sorted(loop.entity_first_use_seconds.items(), key=lambda kv: -kv[1])) or "none"))]


def stage_figures(loop: LoopResult) -> list[Figure]:
    baseline_ms = [s * 1000 for s in loop.baseline_seconds]
    figures = []
    for stage in STAGES:
        values = [s * 1000 for s in loop.stage_seconds[stage]]
        if not values:
            figures.append(not_available(f"stage_{stage}_ms_median", "ms/doc", "no document reached this stage"))
            continue
        figures.append(Figure(f"stage_{stage}_ms_median", median(values), "ms/doc", median(baseline_ms),
                              f"{PLAIN_LOOP} median", note=f"{len(values)} docs"))
        figures.append(Figure(f"stage_{stage}_ms_p95", percentile(values, 0.95), "ms/doc",
                              percentile(baseline_ms, 0.95), f"{PLAIN_LOOP} p95"))
    overhead = [sum(loop.stage_seconds[stage][index] * 1000 for stage in STAGES if stage != "extract"
                    and index < len(loop.stage_seconds[stage]))
                for index in range(len(loop.stage_seconds["decode"]))]
    figures.append(Figure("overhead_ms_median", median(overhead), "ms/doc", median(baseline_ms),
                          f"{PLAIN_LOOP} median", Target(max_ratio=1.0),
                          note="all stages but extract, per document: what presspipe adds around extraction"))
    figures.append(Figure("overhead_ms_mean", sum(overhead) / len(overhead), "ms/doc",
                          sum(baseline_ms) / len(baseline_ms), f"{PLAIN_LOOP} mean", Target(max_ratio=1.0),
                          note="the mean is what throughput pays: entity tagging's heavy tail counts here"))
    return figures


# --- language detector check ----------------------------------------------------------------------------------------


def langdetect_rs_figures(bodies: Sequence[str]) -> list[Figure]:
    """Exact agreement of langdetect_rs with langdetect on the samples ``identify_language`` feeds them."""
    from presspipe.pipelines.enrich.language import LanguageSettings, default_detector, rust_backend_available

    names = ("langdetect_rs_mismatching_docs", "language_detector_ms_per_doc")
    if not rust_backend_available():
        return [not_available(name, unit, "langdetect_rs is not installed (pip install 'presspipe[fast]')")
                for name, unit in zip(names, ("docs", "ms/doc"))]
    cap = LanguageSettings().text_cap
    reference = default_detector(0, "langdetect")
    fast = default_detector(0, "langdetect_rs")
    result = agreement(reference.candidates, fast.candidates, (body[:cap] for body in bodies))
    count = max(result.compared, 1)
    return [
        Figure(names[0], result.mismatches, "docs", result.compared, "documents compared", Target(max_value=1),
               note="candidates (language and probability) must be exactly equal"),
        Figure(names[1], result.candidate_seconds / count * 1000, "ms/doc", result.reference_seconds / count * 1000,
               "langdetect", note=f"first {cap} characters of each cleaned body"),
    ]


# --- pipeline runs --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerTopics:
    bootstrap_servers: str
    raw: str
    articles: str
    dlq: str

    def argv(self) -> list[str]:
        return ["--bootstrap-servers", self.bootstrap_servers, "--raw_topic", self.raw,
                "--articles_topic", self.articles, "--dlq_topic", self.dlq]


def fresh_topics(bootstrap_servers: str, label: str, partitions: int = 2) -> BrokerTopics:
    from presspipe.pipelines.io.kafka import create_topics
    from presspipe.core.settings import KafkaSettings

    stem = f"bench-{label}-{uuid.uuid4().hex[:8]}"
    topics = BrokerTopics(bootstrap_servers, f"{stem}.raw", f"{stem}.articles", f"{stem}.dlq")
    create_topics(KafkaSettings(bootstrap_servers=bootstrap_servers), [topics.raw, topics.articles, topics.dlq],
                  partitions=partitions)
    return topics


def produce_pages(topics: BrokerTopics, pages: Iterable[CorpusPage], *, copy_offset: int = 0) -> int:
    """Produce raw records for ``pages`` as the files connector would; returns how many the broker acknowledged."""
    from presspipe.connectors.base import ConnectorReport, RawArticleProducer
    from presspipe.core.settings import KafkaSettings

    producer = RawArticleProducer(KafkaSettings(bootstrap_servers=topics.bootstrap_servers), topics.raw)
    report = ConnectorReport()
    try:
        for index, page in enumerate(pages):
            producer.send(raw_article_for(page, copy=copy_offset + index), report)
        producer.drain(report)
    finally:
        producer.close()
    if report.failed_sends:
        raise BenchError(f"{report.failed_sends} raw records were not acknowledged by the broker")
    return report.sent


def plain_loop_docs_per_s(pages: Sequence[CorpusPage]) -> float:
    import trafilatura

    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.body)
    return len(pages) / (time.perf_counter() - started)


def pipeline_argv(topics: BrokerTopics, output_dir: Path, docs: int, *, entities: bool, workers: int = 0) -> list[str]:
    argv = topics.argv() + ["--output", f"avro:{output_dir}", "--chunk_records", str(max(1, math.ceil(docs / 8)))]
    if not entities:
        argv.append("--no_entities")
    if workers:
        argv += ["--direct_num_workers", str(workers), "--direct_running_mode", "multi_processing"]
    return argv


def timed_bounded_run(argv: list[str], expected: int) -> float:
    """Docs/s of an in-process bounded run, wall clock of the whole ``run`` (plan, models, write)."""
    from presspipe.pipelines.ingest import run

    started = time.perf_counter()
    summary = run(argv)
    seconds = time.perf_counter() - started
    if summary.read != expected or not summary.balanced:
        raise BenchError(f"bounded run read {summary.read} of {expected} records (balanced={summary.balanced})")
    return summary.read / seconds


def end_to_end_figures(bootstrap: str, pages: Sequence[CorpusPage], config: BenchConfig, work: Path) -> list[Figure]:
    topics = fresh_topics(bootstrap, "e2e")
    produced = produce_pages(topics, pages)
    plain = plain_loop_docs_per_s(pages)
    ours = timed_bounded_run(pipeline_argv(topics, work / "e2e", produced, entities=config.entities), produced)
    return [Figure("end_to_end_docs_per_s", ours, "docs/s", plain, PLAIN_LOOP, Target(min_ratio=0.55),
                   note=f"{produced} records, 2 partitions, FnApiRunner in process, entities "
                        f"{'on' if config.entities else 'off'}; wall clock incl. planning, model loading, Avro write")]


def scaling_figures(bootstrap: str, pages: Sequence[CorpusPage], config: BenchConfig, work: Path) -> list[Figure]:
    """The runners' own measurement (``benchmarks.scaling.measure_scaling``) when it exists, else the bounded run
    with 1 and 2 DirectRunner worker processes measured here."""
    topics = fresh_topics(bootstrap, "scaling")
    produced = produce_pages(topics, pages)
    chunk_records = max(1, math.ceil(produced / 8))
    # benchmarks.scaling starts worker processes that each load the models (minutes): not for --quick.
    if not config.quick and importlib.util.find_spec("benchmarks.scaling") is not None:
        from benchmarks.scaling import measure_scaling

        return external_scaling_figures(measure_scaling(bootstrap, topics.raw, topics.dlq, chunk_records=chunk_records),
                                        produced)
    rates = {workers: timed_bounded_run(pipeline_argv(topics, work / f"scaling-{workers}", produced,
                                                      entities=config.entities, workers=workers), produced)
             for workers in (1, 2)}
    return [Figure("scaling_2_workers_docs_per_s", rates[2], "docs/s", rates[1], "1 DirectRunner worker process",
                   Target(min_ratio=1.7), note=f"{produced} records, --direct_running_mode multi_processing, "
                                               f"{os.cpu_count()} cores shared with other load")]


SCALING_TARGETS = {
    # benchmarks.scaling figure → (this harness's name, baseline figure, what the baseline is)
    "direct_2_processes_articles_per_second": ("scaling_2_workers_docs_per_s", "direct_1_processes_articles_per_second",
                                               "1 DirectRunner worker process"),
}


def external_scaling_figures(items: list[dict], produced: int) -> list[Figure]:
    """``benchmarks.scaling`` figures in this harness's format: the two throughput figures with 2 workers get their
    1-worker figure as numeric baseline and the 1.7x target; the rest are passed through as information."""
    by_name = {item["name"]: item for item in items}
    figures = []
    for source, (name, baseline_source, baseline_name) in SCALING_TARGETS.items():
        if source in by_name and baseline_source in by_name:
            figures.append(Figure(name, by_name[source]["value"], "docs/s", by_name[baseline_source]["value"],
                                  baseline_name, Target(min_ratio=1.7),
                                  note=f"{produced} records, entities on, via benchmarks.scaling ({source}); "
                                       f"{os.cpu_count()} cores shared with other load"))
        else:
            figures.append(not_available(name, "docs/s", f"benchmarks.scaling returned no {source}",
                                         Target(min_ratio=1.7)))
    for item in items:
        if item["name"] in SCALING_TARGETS:
            continue
        baseline = by_name.get(item["baseline"]) if isinstance(item.get("baseline"), str) else None
        if baseline is not None and baseline["unit"] != item["unit"]:
            baseline = None  # a speed-up (x) names the seconds it divides: no figure of its own unit to set beside
        note = "from benchmarks.scaling" if item["value"] is not None else "not measured: benchmarks.scaling gave none"
        figures.append(Figure(f"scaling.{item['name']}", item["value"], item["unit"],
                              baseline["value"] if baseline else None, item["baseline"] if baseline else None,
                              note=note))
    return figures


def streaming_figures(bootstrap: str, pages: Sequence[CorpusPage], config: BenchConfig, work: Path) -> list[Figure]:
    names = (("streaming_latency_p50_s", Target(max_value=2.0)), ("streaming_latency_p99_s", None))
    if importlib.util.find_spec("presspipe.pipelines.io.kafka_streaming") is None or \
            importlib.util.find_spec("benchmarks.streaming") is None:
        return [not_available(name, "s", "streaming mode (pipelines/io/kafka_streaming.py) does not exist yet", target)
                for name, target in names]
    from benchmarks.streaming import measure_streaming_latency

    try:
        latencies, rate = measure_streaming_latency(bootstrap, pages, rate=config.streaming_rate,
                                                    seconds=config.streaming_seconds, entities=config.entities,
                                                    work=work / "streaming")
    except BenchError as error:
        return [not_available(name, "s", str(error), target) for name, target in names]
    note = f"{len(latencies)} records at {rate:g}/s steady input, produce time → Kafka sink record timestamp"
    return [Figure("streaming_latency_p50_s", percentile(latencies, 0.5), "s", None, None, names[0][1], note=note),
            Figure("streaming_latency_p99_s", percentile(latencies, 0.99), "s", None, None, note=note)]


# --- peak memory of a backfill --------------------------------------------------------------------------------------


def _high_water_kb(pid: int) -> int | None:
    """``VmHWM`` of a live process: the peak RSS of its own address space (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def peak_rss_mb(command: list[str], env: dict[str, str], poll_s: float = 0.2) -> float:
    """Peak RSS (MB) of ``command`` run as a child process.

    Read from the child's ``VmHWM`` while it runs (a monotonic high-water mark, so polling misses at most the
    growth of its last ``poll_s``). Not ``ru_maxrss`` from ``wait4``: Linux carries the parent's high-water mark
    into a child across fork/vfork and exec, so every child would report at least this (large) harness process.
    """
    peak_kb = 0
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, cwd=REPOSITORY, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        while process.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(process.pid) or 0)
            time.sleep(poll_s)
        if process.returncode:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace")[-2000:]
            raise BenchError(f"{' '.join(command[:3])} failed with exit code {process.returncode}: {tail}")
    if not peak_kb:
        raise BenchError(f"no memory reading of {' '.join(command[:3])} (is /proc mounted?)")
    return peak_kb / 1024


def load_models_only(entities: bool) -> None:
    """What a worker holds before its first record: the pipeline's modules and models (the RSS floor)."""
    import apache_beam  # noqa: F401  (the pipeline process imports Beam too)

    import presspipe.pipelines.ingest  # noqa: F401

    build_models(entities)


def backfill_figures(bootstrap: str, config: BenchConfig, work: Path, log: Callable[[str], None]) -> list[Figure]:
    topics = fresh_topics(bootstrap, "backfill")
    produced = 0
    batch: list[CorpusPage] = []
    for page in iter_corpus(config.backfill_docs, config.seed):
        batch.append(page)
        if len(batch) == 500:
            produced += produce_pages(topics, batch, copy_offset=produced)
            batch = []
            log(f"backfill: produced {produced}/{config.backfill_docs}")
    if batch:
        produced += produce_pages(topics, batch, copy_offset=produced)
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    python = sys.executable
    floor = peak_rss_mb([python, "-c", f"from benchmarks.run import load_models_only; load_models_only({config.entities})"],
                        env)
    argv = topics.argv() + ["--output", f"avro:{work / 'backfill'}"] + ([] if config.entities else ["--no_entities"])
    log(f"backfill: running the pipeline over {produced} records")
    peak = peak_rss_mb([python, "-m", "presspipe.pipelines.ingest", *argv], env)
    return [Figure("backfill_peak_rss_mb", peak, "MB", floor, "process with the same modules and models loaded",
                   Target(max_value=1536), note=f"{produced} records, bounded run, FnApiRunner in process, "
                                                f"entities {'on' if config.entities else 'off'}")]


# --- main -----------------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> BenchConfig:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few pages per figure: checks the harness, not speed")
    parser.add_argument("--docs", type=int, default=None, help="generated pages (default 2000; quick: 12)")
    parser.add_argument("--pipeline-docs", type=int, default=None,
                        help="records of the end-to-end and scaling runs (default: all pages)")
    parser.add_argument("--backfill-docs", type=int, default=None, help="records of the backfill (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", action="append", choices=GROUPS, default=[], help="run only this group (repeatable)")
    parser.add_argument("--no-entities", action="store_true", help="skip entity tagging everywhere")
    parser.add_argument("--news-pages", action="store_true",
                        help="the loop groups run over the real news pages (../shared/data/news-pages) instead of the "
                             "generated corpus")
    args = parser.parse_args(list(argv))
    docs = args.docs if args.docs is not None else (12 if args.quick else 2000)
    return BenchConfig(
        docs=docs, seed=args.seed,
        pipeline_docs=args.pipeline_docs if args.pipeline_docs is not None else (8 if args.quick else docs),
        backfill_docs=args.backfill_docs if args.backfill_docs is not None else (20 if args.quick else 10_000),
        entities=not args.no_entities and not args.quick, only=frozenset(args.only),
        streaming_rate=5.0 if args.quick else 10.0, streaming_seconds=3.0 if args.quick else 30.0, quick=args.quick,
        news_pages=args.news_pages,
    )


def run_benchmark(config: BenchConfig, emit: Callable[[Figure], None], log: Callable[[str], None]) -> list[Figure]:
    figures: list[Figure] = []

    def publish(new: list[Figure]) -> None:
        for figure in new:
            figures.append(figure)
            emit(figure)

    pages: list[CorpusPage] = []
    if any(config.wants(group) for group in GROUPS if group != "push"):  # the push load makes its own requests
        log(f"corpus: {config.docs} generated pages (seed {config.seed}) + fixtures")
        pages = benchmark_corpus(config.docs, config.seed)
    loop = None
    if any(config.wants(group) for group in LOOP_GROUPS):
        if config.news_pages:
            log("loop groups over the real news pages instead of the generated corpus")
        loop = enrichment_loop(news_pages_as_corpus() if config.news_pages else pages,
                               entities=config.entities or bool(config.only & {"enrichment", "stages"}), log=log)
        if config.wants("enrichment"):
            publish(enrichment_figures(loop))
        if config.wants("stages"):
            publish(stage_figures(loop))
        if config.wants("langdetect_rs"):
            publish(langdetect_rs_figures(loop.bodies))
        if config.wants("entity_models") and (config.entities or "entity_models" in config.only):
            from benchmarks.entities import blas_figures, hindi_tagging_figure, language_tagging_figures

            publish(blas_figures(loop.bodies, loop.body_languages))
            publish([hindi_tagging_figure(median(loop.baseline_seconds) * 1000)])
            publish(language_tagging_figures(loop.bodies, loop.body_languages))
    if not any(config.wants(group) for group in BROKER_GROUPS):
        return figures
    from presspipe.broker import default_engine, running_broker

    pipeline_pages = pages[: config.pipeline_docs]
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="presspipe-bench-")))
        engine, why_not_kafka = default_engine()  # the broker the tests and the demo use: Apache Kafka where it runs
        broker = stack.enter_context(running_broker(log_path=work / "broker.log", engine=engine))
        log(f"{engine} broker on {broker.bootstrap_servers}" + (f" ({why_not_kafka})" if why_not_kafka else ""))
        if config.wants("kafka_read"):
            publish(kafka_read_group(broker.bootstrap_servers, 2_000 if config.quick else 50_000))
        if config.wants("end_to_end"):
            publish(end_to_end_figures(broker.bootstrap_servers, pipeline_pages, config, work))
        if config.wants("scaling"):
            publish(scaling_figures(broker.bootstrap_servers, pipeline_pages, config, work))
        if config.wants("streaming"):
            publish(streaming_figures(broker.bootstrap_servers, pipeline_pages, config, work))
        if config.wants("portable"):
            from benchmarks.portable import portable_figures

            publish(portable_figures(broker.bootstrap_servers, pipeline_pages, config, work))
        if config.wants("backfill_rss"):
            publish(backfill_figures(broker.bootstrap_servers, config, work, log))
        if config.wants("push"):
            from benchmarks.push import push_figures

            log("push: load on the HTTP push endpoint (today's and the pre-#20 server)")
            publish(push_figures(broker.bootstrap_servers, fresh_topics(broker.bootstrap_servers, "push").raw,
                                 requests=200 if config.quick else 2000))
    return figures


def kafka_read_group(bootstrap: str, records: int) -> list[Figure]:
    """Raw-sized records (3 KB) on a 4-partition topic, read by Beam and by a plain consumer loop."""
    from benchmarks.kafka_read import kafka_read_figures
    from presspipe.pipelines.io.kafka import create_topics, new_producer
    from presspipe.core.settings import KafkaSettings

    settings = KafkaSettings(bootstrap)
    topic = f"bench-read-{uuid.uuid4().hex[:8]}"
    create_topics(settings, [topic], partitions=4)
    producer = new_producer(settings)
    futures = [producer.send(topic, key=str(i).encode(), value=bytes(3000)) for i in range(records)]
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    producer.close()
    return kafka_read_figures(settings, topic)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True)

    def log(message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def emit(figure: Figure) -> None:
        print(figure.json_line(), flush=True)

    load_before = os.getloadavg()
    started = time.monotonic()
    try:
        figures = run_benchmark(config, emit, log)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    load_after = os.getloadavg()
    print()
    print(table(figures))
    print(f"\n{os.cpu_count()} cores; load average (1/5/15 min) at start {load_before[0]:.2f}/{load_before[1]:.2f}/"
          f"{load_before[2]:.2f}, at end {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}; "
          f"{time.monotonic() - started:.0f} s")
    missed = [figure.name for figure in figures if figure.as_dict()["met"] is False]
    print("targets not met: " + (", ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
