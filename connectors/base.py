"""What every connector shares: building raw-article records, producing them to Kafka, counting, progress.

A connector is an iterable of ``FetchResult``s (an article, a failure with its reason, or a deliberate skip)
wrapped by ``run_connector``, which produces each article keyed by its id with ``acks=all`` and counts an article
as sent only once the broker acknowledged it: a send whose future fails is reported, never counted as sent. The
connector hears about each acknowledged record through ``on_acknowledged`` and only then marks it done in its state.

An input that cannot be read at all (a damaged WARC record) is a ``FetchFailure`` carrying a dead letter (stage
``connect``, where it was and what could be read of it); with a dead-letter topic configured, ``run_connector``
publishes it there, so the failure leaves a trace beside the pipeline's own dead letters, and tells the connector
through ``on_dead_lettered`` once the broker acknowledged it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Callable, Iterator, Mapping

from kafka import KafkaProducer
from kafka.errors import KafkaError

from presspipe.core.version import __version__
from presspipe.core.settings import KafkaSettings
from presspipe.schemas import DeadLetter, Hints, RawArticle, Source, raw_article_id
from presspipe.schemas.records import utc_now

log = logging.getLogger(__name__)

AVRO_CONTENT_TYPE = b"avro/binary; schema=single-object"
RAW_RECORD_HEADERS = [("content-type", AVRO_CONTENT_TYPE)]
CONNECTOR_VERSION = f"presspipe/{__version__}"


class ConnectorError(RuntimeError):
    """A connector cannot run at all (bad configuration, unreachable broker); per-item failures are not errors."""


@dataclass(frozen=True)
class FetchFailure:
    """An input a connector could not turn into a raw record: counted, logged with its location, and skipped;
    ``dead_letter`` (stage ``connect``) when the input's bytes are worth keeping for a later look or replay."""

    location: str
    reason: str
    error_type: str
    dead_letter: DeadLetter | None = None


@dataclass(frozen=True)
class FetchSkipped:
    """An input left out on purpose (already produced, unchanged, outside ``--since``): counted, never an error."""

    location: str
    reason: str


FetchResult = RawArticle | FetchFailure | FetchSkipped
AcknowledgedCallback = Callable[[RawArticle], None]
#: What ``RawArticle.truncation_reason`` may say: WARC-Truncated's values, and a connector's own size cap.
TRUNCATION_REASONS = ("length", "time", "disconnect", "unspecified", "max_bytes")


def build_raw_article(*, connector: str, source_name: str, body: bytes, content_type: str, url: str | None = None,
                      charset: str | None = None, http_status: int | None = None,
                      headers: Mapping[str, str] | None = None, hints: Hints | None = None,
                      fetched_at: datetime | None = None, truncation_reason: str | None = None) -> RawArticle:
    """The one way connectors make records, so ids, versions and timestamps follow the same rules everywhere.

    ``truncation_reason`` (one of :data:`TRUNCATION_REASONS`) marks a body cut before its end; such a record gets
    an id of its own (the URL prefixed with ``truncated:``), so a raw topic compacted by key never keeps the cut
    copy in place of the complete page.
    """
    if truncation_reason is not None and truncation_reason not in TRUNCATION_REASONS:
        raise ValueError(f"unknown truncation reason {truncation_reason!r}; expected one of {TRUNCATION_REASONS}")
    truncated = truncation_reason is not None
    return RawArticle(
        id=raw_article_id(f"truncated:{url}" if truncated and url else url, body),
        url=url,
        source=Source(connector=connector, name=source_name),
        fetched_at=fetched_at or utc_now(),
        content_type=content_type,
        charset=charset,
        body=body,
        http_status=http_status,
        headers=dict(headers or {}),
        hints=hints,
        connector_version=CONNECTOR_VERSION,
        truncated=truncated,
        truncation_reason=truncation_reason,
    )


class Connector(ABC):
    """A source of raw articles. Subclasses read top to bottom: where the inputs are, how one becomes a record."""

    name: str

    @abstractmethod
    def fetch(self) -> Iterator[FetchResult]:
        """Yield one result per input; never raise for a single bad input."""

    def on_acknowledged(self, raw: RawArticle) -> None:
        """Called once the broker acknowledged ``raw``: the only moment a stateful connector may mark it done.

        Stateless connectors (files) have nothing to record, so the base does nothing.
        """

    def on_dead_lettered(self, failure: FetchFailure) -> None:
        """Called once the broker acknowledged ``failure.dead_letter`` on the dead-letter topic."""


@dataclass
class ConnectorReport:
    """What a connector run did; ``sent`` counts only broker-acknowledged records."""

    sent: int = 0
    failed_sends: int = 0
    fetch_failures: int = 0
    skipped: int = 0
    bytes_sent: int = 0
    failures_by_type: Counter = field(default_factory=Counter)
    dead_letters_sent: int = 0

    @property
    def ok(self) -> bool:
        return self.failed_sends == 0 and self.fetch_failures == 0

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "failed_sends": self.failed_sends, "fetch_failures": self.fetch_failures,
                "skipped": self.skipped, "bytes_sent": self.bytes_sent,
                "failures_by_type": dict(self.failures_by_type), "dead_letters_sent": self.dead_letters_sent}


def connect_producer(settings: KafkaSettings, defaults: Mapping[str, object],
                     options: Mapping[str, object] | None = None,
                     factory: Callable[..., KafkaProducer] | None = None) -> KafkaProducer:
    """The one way connectors make a ``KafkaProducer``: ``defaults`` under the client settings, ``options`` over
    them, and always ``acks=all`` (a record counts as sent only once every in-sync replica has it).

    Raises ``ConnectorError`` when the cluster cannot be reached at all.
    """
    try:
        make = factory or KafkaProducer  # looked up here, so a test patching base.KafkaProducer reaches every producer
        return make(**{"retries": 5, **defaults, **settings.client_kwargs(), **(options or {}), "acks": "all"})
    except KafkaError as error:
        raise ConnectorError(f"cannot connect to Kafka at {settings.bootstrap_servers}: {error}") from error


class RawArticleProducer:
    """Produces raw articles keyed by id with acks=all; ``drain`` checks every pending future.

    Futures are drained every ``max_pending`` records so memory stays bounded on long runs.
    """

    def __init__(self, settings: KafkaSettings, topic: str, *, max_pending: int = 500,
                 delivery_timeout_s: float = 60.0, producer: KafkaProducer | None = None,
                 producer_options: Mapping[str, object] | None = None, dead_letter_topic: str | None = None,
                 max_dead_letter_payload_bytes: int = 1_000_000):
        """``producer_options`` are extra KafkaProducer keyword arguments (e.g. ``enable_idempotence=False``).
        ``dead_letter_topic``: where :meth:`send_dead_letter` publishes (none: fetch failures are only counted)."""
        self.topic = topic
        self.dead_letter_topic = dead_letter_topic
        self.max_dead_letter_payload_bytes = max_dead_letter_payload_bytes
        self.max_pending = max_pending
        self.delivery_timeout_s = delivery_timeout_s
        self._producer = producer or connect_producer(
            settings, {"linger_ms": 20, "max_request_size": 16 * 1024 * 1024}, producer_options)
        self._pending: list[tuple[RawArticle, int, object, AcknowledgedCallback | None]] = []

    def send(self, raw: RawArticle, report: ConnectorReport,
             on_acknowledged: AcknowledgedCallback | None = None) -> None:
        """Queue one record; ``on_acknowledged(raw)`` runs (in ``drain``) only once the broker acknowledged it."""
        value = raw.encode()
        try:
            future = self._producer.send(self.topic, key=raw.id.encode("utf-8"), value=value,
                                         headers=RAW_RECORD_HEADERS)
        except KafkaError as error:
            self._record_failed_send(raw, error, report)
            return
        self._pending.append((raw, len(value), future, on_acknowledged))
        if len(self._pending) >= self.max_pending:
            self.drain(report)

    def send_dead_letter(self, failure: FetchFailure, report: ConnectorReport,
                         on_acknowledged: Callable[[FetchFailure], None] | None = None) -> bool:
        """Publish ``failure.dead_letter`` to the dead-letter topic and wait for the broker; True once acknowledged.

        Failures are rare, so each letter is awaited at once: its acknowledgement is what lets the connector's
        state say the failure is on record. A letter that cannot be sent counts as a failed send.
        """
        letter = failure.dead_letter
        if letter is None or self.dead_letter_topic is None:
            return False
        if self.max_dead_letter_payload_bytes:
            letter = letter.with_payload_capped(self.max_dead_letter_payload_bytes)
        try:
            future = self._producer.send(self.dead_letter_topic, key=letter.id.encode("utf-8"), value=letter.encode())
            future.get(timeout=self.delivery_timeout_s)
        except KafkaError as error:
            report.failed_sends += 1
            report.failures_by_type[type(error).__name__] += 1
            log.error("dead letter send failed", extra={"topic": self.dead_letter_topic, "id": letter.id,
                                                        "location": failure.location, "error": str(error)})
            return False
        report.dead_letters_sent += 1
        if on_acknowledged is not None:
            on_acknowledged(failure)
        return True

    def drain(self, report: ConnectorReport) -> None:
        """Flush and wait for every pending send; acknowledged ones count as sent, the others as failed sends.

        Each acknowledged record's callback runs here, after its future resolved, never before.
        """
        if not self._pending:
            return
        self._producer.flush(timeout=self.delivery_timeout_s)
        pending, self._pending = self._pending, []
        for raw, size, future, on_acknowledged in pending:
            try:
                future.get(timeout=self.delivery_timeout_s)
            except KafkaError as error:
                self._record_failed_send(raw, error, report)
            else:
                report.sent += 1
                report.bytes_sent += size
                if on_acknowledged is not None:
                    on_acknowledged(raw)

    def _record_failed_send(self, raw: RawArticle, error: Exception, report: ConnectorReport) -> None:
        report.failed_sends += 1
        report.failures_by_type[type(error).__name__] += 1
        log.error("send failed", extra={"topic": self.topic, "id": raw.id, "url": raw.url,
                                        "error_type": type(error).__name__, "error": str(error)})

    def close(self) -> None:
        self._producer.close(timeout=self.delivery_timeout_s)


class Progress:
    """A one-line live counter on a terminal, structured log lines every ``interval_s`` otherwise."""

    def __init__(self, label: str, stream: IO[str] | None = None, interval_s: float = 1.0):
        self.label = label
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.started = time.monotonic()
        self._last = 0.0
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, report: ConnectorReport, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.interval_s:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        fields = {"connector": self.label, "records": report.sent, "bytes": report.bytes_sent,
                  "errors": report.failed_sends + report.fetch_failures, "skipped": report.skipped,
                  "rate_per_s": round(report.sent / elapsed, 1)}
        if self.interactive:
            end = "\n" if final else ""
            self.stream.write(f"\r{self.label}: {fields['records']} records, {fields['bytes']} bytes, "
                              f"{fields['errors']} errors, {fields['skipped']} skipped, {fields['rate_per_s']}/s{end}")
            self.stream.flush()
        else:
            log.info("progress %s", json.dumps(fields))


def run_connector(connector: Connector, producer: RawArticleProducer, *,
                  progress: Progress | None = None,
                  on_acknowledged: AcknowledgedCallback | None = None) -> ConnectorReport:
    """Produce everything a connector fetches; returns only after every send was acknowledged or failed.

    ``on_acknowledged`` (default: the connector's own ``on_acknowledged``) runs for each record the broker
    acknowledged, so state is marked done only for what is durable: a crash can repeat a record, never lose one.
    """
    report = ConnectorReport()
    acknowledged = on_acknowledged or connector.on_acknowledged
    try:
        for result in connector.fetch():
            if isinstance(result, FetchFailure):
                report.fetch_failures += 1
                report.failures_by_type[result.error_type] += 1
                log.warning("fetch failed %s: %s: %s", result.location, result.error_type, result.reason,
                            extra={"connector": connector.name, "location": result.location,
                                   "error_type": result.error_type, "error": result.reason})
                if result.dead_letter is not None:
                    producer.send_dead_letter(result, report, connector.on_dead_lettered)
            elif isinstance(result, FetchSkipped):
                report.skipped += 1
                log.debug("skipped %s: %s", result.location, result.reason)
            else:
                producer.send(result, report, acknowledged)
            if progress:
                progress.update(report)
        producer.drain(report)
    finally:
        if progress:
            progress.update(report, final=True)
    return report
