"""Thin Beam wrappers around the pure enrichment in ``pipelines/enrich/``, with dead-letter outputs.

``EnrichRecords`` turns raw-topic records into encoded articles (main output) and dead letters (tagged output).
Every input yields exactly one of the two. The run checks it where it matters, at the sinks: read = durably
written + durably dead-lettered (``presspipe.pipelines.ingest``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.utils.shared import Shared

from presspipe.pipelines.enrich.decode import RawDecodeError, decode_raw_article
from presspipe.pipelines.enrich.errors import ENCODE_STAGE, UNEXPECTED_STAGE, EnrichmentError
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, enrich_article, extract_document
from presspipe.pipelines.guard import ExtractionWorkerPool, GuardedExtractor, GuardSettings, WorkerStartError
from presspipe.pipelines.io.kafka import METRICS_NAMESPACE, KafkaRecord
from presspipe.pipelines.progress import WorkerProgress
from presspipe.core.version import __version__
from presspipe.schemas import Article, CodecError, DeadLetter
from presspipe.schemas.records import utc_now

log = logging.getLogger(__name__)

DEAD_LETTERS = "dead_letters"
#: What the enrichment step emitted; diagnostics only: a run balances against what its sinks made durable.
ENRICHED_ARTICLES = "articles"
ENRICHED_DEAD_LETTERS = "dead_letters"
DEAD_LETTER_COUNTER_PREFIX = "dead_letters."
LANGUAGE_COUNTER_PREFIX = "language."


@dataclass(frozen=True)
class EncodedArticle:
    """An article together with its single-object encoding, proven encodable before it reaches any sink."""

    article: Article
    payload: bytes

    def kafka_pair(self) -> tuple[bytes, bytes]:
        return self.article.id.encode("utf-8"), self.payload


def dead_letter_for(record: KafkaRecord, stage: str, error: BaseException, failed_at: datetime | None = None
                    ) -> DeadLetter:
    """The dead letter of one raw-topic record; keyed like the raw record so it can be matched and replayed."""
    payload = record.value or b""
    key = record.key.decode("utf-8", errors="replace") if record.key else None
    return DeadLetter(
        id=key or hashlib.sha256(payload).hexdigest()[:32],
        stage=stage,
        error_type=type(error).__name__,
        error_message=str(error)[:4000],
        payload=payload,
        raw_topic=record.topic,
        raw_partition=record.partition,
        raw_offset=record.offset,
        failed_at=failed_at or utc_now(),
        pipeline_version=__version__,
    )


def dead_letter_pair(dead_letter: DeadLetter, max_payload_bytes: int = 0) -> tuple[bytes, bytes]:
    """Key and value of a dead letter on Kafka; ``max_payload_bytes`` > 0 caps the payload it carries."""
    if max_payload_bytes:
        dead_letter = dead_letter.with_payload_capped(max_payload_bytes)
    return dead_letter.id.encode("utf-8"), dead_letter.encode()


class _EnrichResources:
    """What a worker process loads once and all its DoFn instances share, across micro-batches too: the entity
    tagger, the pool of extraction worker processes (``None`` when extraction runs in-process) and the progress."""

    def __init__(self, tagger, extractors: ExtractionWorkerPool | None, progress: WorkerProgress):
        self.tagger = tagger
        self.extractors = extractors
        self.progress = progress


class _EnrichFn(beam.DoFn):
    def __init__(self, settings: EnrichSettings, entity_config, tag_entities: bool, shared: Shared,
                 progress_s: float = 0.0, planned: int | None = None):
        self.settings = settings
        self.entity_config = entity_config
        self.tag_entities = tag_entities
        self.shared = shared
        self.progress_s = progress_s
        self.planned = planned
        self._articles = Metrics.counter(METRICS_NAMESPACE, ENRICHED_ARTICLES)
        self._dead_letters = Metrics.counter(METRICS_NAMESPACE, ENRICHED_DEAD_LETTERS)

    def _load_resources(self) -> _EnrichResources:
        started = time.monotonic()
        tagger = None
        if self.tag_entities:
            from dataclasses import replace

            from presspipe.pipelines.enrich.entities import EntityConfig, build_tagger

            tagger = build_tagger(replace(self.entity_config or EntityConfig(),
                                          max_entities=self.settings.max_entities))
        timeout_s = self.settings.extract_timeout_ms / 1000
        guard = GuardSettings(timeout_s, memory_mb=self.settings.extract_memory_mb) if timeout_s > 0 else None
        resources = _EnrichResources(tagger, ExtractionWorkerPool(guard) if guard else None,
                                     WorkerProgress(self.progress_s, self.planned))
        seconds = time.monotonic() - started
        log.info("enrichment resources loaded in %.1f s (entity tagger: %s, extraction in worker processes: %s)",
                 seconds, "yes" if tagger else "no", "yes" if guard else "no",
                 extra={"seconds": round(seconds, 3), "entities": tagger is not None, "guarded": guard is not None})
        return resources

    def setup(self) -> None:
        # One tagger per worker process, however many DoFn instances the runner makes (one per concurrent
        # bundle processor) and however many micro-batches reuse ``shared``: the models are the largest objects a
        # worker holds and the slowest to load. The tag names what is loaded; a value that changes from run to run
        # (such as a batch's plan) would reload everything for every micro-batch.
        self._resources = self.shared.acquire(self._load_resources, tag=(
            self.tag_entities, self.settings.max_entities, self.settings.extract_timeout_ms,
            self.settings.extract_memory_mb, self.progress_s))
        self._tagger = self._resources.tagger
        # One extraction worker process per DoFn instance (its requests are sequential), back to the pool after.
        self._worker = self._resources.extractors.lease() if self._resources.extractors else None
        self._extract = GuardedExtractor(self._worker) if self._worker else extract_document

    def teardown(self) -> None:
        if getattr(self, "_worker", None) is not None:
            self._resources.extractors.give_back(self._worker)
            self._worker = None

    def process(self, record: KafkaRecord) -> Iterator:
        stage = "decode"
        try:
            raw = decode_raw_article(record.value, record.header_map())
            stage = UNEXPECTED_STAGE
            article = enrich_article(raw, provenance=Provenance(record.topic, record.partition, record.offset),
                                     settings=self.settings, tagger=self._tagger, extract=self._extract)
            stage = ENCODE_STAGE
            encoded = EncodedArticle(article, article.encode())
        except (RawDecodeError, EnrichmentError, CodecError) as error:
            yield self._dead_letter(record, getattr(error, "stage", stage), error)
            return
        except WorkerStartError:
            raise  # no extraction is possible at all: fail the bundle (no commit) rather than dead-letter everything
        except Exception as error:  # a bug in enrichment must cost one article, not the pipeline; it is logged
            log.exception("unexpected enrichment failure", extra={
                "topic": record.topic, "partition": record.partition, "offset": record.offset})
            yield self._dead_letter(record, stage, error)
            return
        self._articles.inc()
        Metrics.counter(METRICS_NAMESPACE, LANGUAGE_COUNTER_PREFIX + article.language).inc()
        self._resources.progress.count(article=True)
        yield encoded

    def _dead_letter(self, record: KafkaRecord, stage: str, error: BaseException):
        self._dead_letters.inc()
        self._resources.progress.count(article=False)
        Metrics.counter(METRICS_NAMESPACE, f"{DEAD_LETTER_COUNTER_PREFIX}{stage}.{type(error).__name__}").inc()
        log.warning("dead letter", extra={"topic": record.topic, "partition": record.partition,
                                          "offset": record.offset, "stage": stage,
                                          "error_type": type(error).__name__, "error": str(error)[:300]})
        return pvalue.TaggedOutput(DEAD_LETTERS, dead_letter_for(record, stage, error))


class EnrichRecords(beam.PTransform):
    """KafkaRecord → EncodedArticle (main) | DeadLetter (``dead_letters``)."""

    def __init__(self, settings: EnrichSettings = EnrichSettings(), entity_config=None, tag_entities: bool = True,
                 shared: Shared | None = None, progress_s: float = 0.0, planned: int | None = None):
        super().__init__()
        self.settings = settings
        self.entity_config = entity_config
        self.tag_entities = tag_entities
        self.shared = shared or Shared()
        self.progress_s = progress_s
        self.planned = planned

    def expand(self, records):
        # The main output's type is declared, not inferred from ``process``: a return annotation that also names the
        # tagged dead letters reads, on Beam >= 2.78, as a union that no downstream transform accepts.
        enrich = beam.ParDo(_EnrichFn(self.settings, self.entity_config, self.tag_entities, self.shared,
                                      self.progress_s, self.planned)).with_output_types(EncodedArticle)
        return records | enrich.with_outputs(DEAD_LETTERS, main="articles")
