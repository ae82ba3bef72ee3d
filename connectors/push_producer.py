"""The push endpoint's Kafka side: one acknowledged send per request, awaited on the event loop, and a producer
that heals itself.

kafka-python's ``KafkaProducer`` is thread-safe and callback-driven; ``PushProducer`` hands each record to it from a
worker thread (``send`` may block while metadata is fetched, up to ``max_block_ms``) and resolves an asyncio future
from the producer's I/O thread when the broker acknowledged, so thousands of concurrent requests share one
producer and its batches without a thread each.

Recovery: an idempotent producer (kafka-python's default) that loses its broker can end in a fatal state (after a
broker restart, ``InitProducerId`` fails once and every later send fails at once, for ever). Any delivery failure
other than a timeout or a size refusal therefore replaces the producer (at most once per ``rebuild_backoff_s``),
and a background probe keeps ``ProducerHealth`` true to what the broker answers while no request comes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError, RecordListTooLargeError

from presspipe.connectors.base import RAW_RECORD_HEADERS, ConnectorError, connect_producer
from presspipe.connectors.push import BrokerUnavailableError, RecordTooLargeError
from presspipe.core.settings import KafkaSettings
from presspipe.schemas import RawArticle

log = logging.getLogger(__name__)

SIZE_ERRORS = (MessageSizeTooLargeError, RecordListTooLargeError)


@dataclass
class ProducerHealth:
    """The producer's real state, as ``/healthz`` and ``/readyz`` report it.

    ``ready``: the last send was acknowledged or the last probe found the topic's partitions. Not ready: starting,
    or failing since ``failing_since`` (monotonic) with ``last_error``. ``alive`` (liveness) turns false only when
    failing has lasted longer than the configured window, or the producer is closed: a restart is then the remedy.
    """

    ready: bool = False
    closed: bool = False
    last_error: str | None = "not connected yet"
    failing_since: float | None = field(default_factory=time.monotonic)
    last_success: float | None = None
    rebuilds: int = 0

    def succeeded(self) -> None:
        self.ready, self.last_error, self.failing_since, self.last_success = True, None, None, time.monotonic()

    def failed(self, error: str) -> None:
        self.ready, self.last_error = False, error
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    def alive(self, unhealthy_after_s: float) -> bool:
        if self.closed:
            return False
        return self.failing_since is None or time.monotonic() - self.failing_since < unhealthy_after_s

    def as_dict(self) -> dict[str, object]:
        now = time.monotonic()
        return {"ready": self.ready, "last_error": self.last_error, "rebuilds": self.rebuilds,
                "failing_for_s": None if self.failing_since is None else round(now - self.failing_since, 1),
                "last_success_s_ago": None if self.last_success is None else round(now - self.last_success, 1)}


class PushProducer:
    """Acknowledged sends for the push endpoint (``await produce(raw)``), health, probing and self-repair."""

    def __init__(self, settings: KafkaSettings, topic: str, *, max_record_bytes: int, ack_timeout_s: float,
                 rebuild_backoff_s: float = 1.0, probe_interval_s: float = 5.0, threads: int = 8,
                 producer_options: Mapping[str, object] | None = None,
                 factory: Callable[..., KafkaProducer] | None = None):
        self.settings = settings
        self.topic = topic
        self.max_record_bytes = max_record_bytes
        self.ack_timeout_s = ack_timeout_s
        self.rebuild_backoff_s = rebuild_backoff_s
        self.probe_interval_s = probe_interval_s
        self.health = ProducerHealth()
        self._options = dict(producer_options or {})
        self._factory = factory
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="push-producer")
        self._producer: KafkaProducer | None = None
        self._needs_rebuild = False
        self._last_build = 0.0
        self._rebuild_lock: asyncio.Lock | None = None
        self._probe_task: asyncio.Task | None = None

    # --- life cycle (blocking: called before serving and after it stopped) ---

    def connect(self) -> None:
        """Build the first producer; raises ``ConnectorError`` if the cluster cannot be reached at all."""
        self._producer = self._build()
        # Later producers reuse the version the first one negotiated: building one then never blocks on a probe
        # of a broker that is down (kafka-python waits up to 30 s for it otherwise).
        self._options.setdefault("api_version", self._producer.config.get("api_version"))

    def _build(self) -> KafkaProducer:
        self._last_build = time.monotonic()
        return connect_producer(self.settings, {"linger_ms": 5, "max_request_size": self.max_record_bytes,
                                                "max_block_ms": int(self.ack_timeout_s * 1000)},
                                self._options, self._factory)

    def close(self, timeout_s: float = 10.0) -> None:
        self.health.closed = True
        if self._producer is not None:
            self._producer.close(timeout=timeout_s)
            self._producer = None
        self._threads.shutdown(wait=False, cancel_futures=True)

    # --- on the event loop ---

    def start_probing(self) -> None:
        self._rebuild_lock = asyncio.Lock()
        self._probe_task = asyncio.get_running_loop().create_task(self._probe_forever(), name="push-producer-probe")

    async def stop_probing(self) -> None:
        if self._probe_task is not None:
            self._probe_task.cancel()
            try:
                await self._probe_task
            except asyncio.CancelledError:
                pass

    async def produce(self, raw: RawArticle) -> int:
        """Send ``raw`` and return its encoded size once the broker acknowledged it.

        Raises ``RecordTooLargeError`` when the client or the broker refuses the record's size, and
        ``BrokerUnavailableError`` for everything else (unknown outcome, safe to retry).
        """
        value = raw.encode()
        key = raw.id.encode("utf-8")
        if len(value) + len(key) + RECORD_OVERHEAD_ESTIMATE > self.max_record_bytes:
            raise RecordTooLargeError(f"the record is {len(value)} bytes; the producer takes at most "
                                      f"{self.max_record_bytes}")
        producer = await self._healthy_producer()
        loop = asyncio.get_running_loop()
        acknowledged: asyncio.Future = loop.create_future()

        def settle(result: object, error: BaseException | None) -> None:
            if not acknowledged.done():
                if error is None:
                    acknowledged.set_result(result)
                else:
                    acknowledged.set_exception(error)

        def send() -> None:
            future = producer.send(self.topic, key=key, value=value, headers=RAW_RECORD_HEADERS)
            future.add_callback(lambda metadata: loop.call_soon_threadsafe(settle, metadata, None))
            future.add_errback(lambda error: loop.call_soon_threadsafe(settle, None, error))

        try:
            await loop.run_in_executor(self._threads, send)
            await asyncio.wait_for(acknowledged, self.ack_timeout_s)
        except SIZE_ERRORS as error:
            raise RecordTooLargeError(f"Kafka refused the record's size: {type(error).__name__}") from error
        except (asyncio.TimeoutError, KafkaTimeoutError) as error:
            self._failed(producer, "KafkaTimeoutError", rebuild=False)
            raise BrokerUnavailableError("the broker did not acknowledge in time") from error
        except KafkaError as error:
            self._failed(producer, type(error).__name__, rebuild=True)
            raise BrokerUnavailableError(f"the broker did not acknowledge: {type(error).__name__}") from error
        self.health.succeeded()
        return len(value)

    def _failed(self, producer: KafkaProducer, error_type: str, *, rebuild: bool) -> None:
        log.warning("push send failed", extra={"topic": self.topic, "error_type": error_type})
        self.health.failed(error_type)
        if rebuild and producer is self._producer:
            self._needs_rebuild = True

    async def _healthy_producer(self) -> KafkaProducer:
        if self._needs_rebuild and self._rebuild_lock is not None:
            async with self._rebuild_lock:
                if self._needs_rebuild and time.monotonic() - self._last_build >= self.rebuild_backoff_s:
                    await self._rebuild()
        if self._producer is None:
            raise BrokerUnavailableError("no producer (closed, or its rebuild failed)")
        return self._producer

    async def _rebuild(self) -> None:
        old = self._producer
        loop = asyncio.get_running_loop()
        try:
            self._producer = await loop.run_in_executor(self._threads, self._build)
        except ConnectorError as error:
            self._last_build = time.monotonic()
            self.health.failed(f"rebuild failed: {error}")
            log.warning("push producer rebuild failed", extra={"topic": self.topic, "error": str(error)})
            return
        self._needs_rebuild = False
        self.health.rebuilds += 1
        log.warning("push producer replaced after a delivery failure", extra={"topic": self.topic,
                                                                               "rebuilds": self.health.rebuilds})
        if old is not None:
            loop.run_in_executor(self._threads, lambda: old.close(timeout=0))

    async def probe(self) -> None:
        """Ask the broker for the topic's partitions (metadata only, nothing produced); updates ``health``."""
        producer = await self._healthy_producer()
        loop = asyncio.get_running_loop()
        try:
            partitions = await asyncio.wait_for(
                loop.run_in_executor(self._threads, producer.partitions_for, self.topic), self.ack_timeout_s)
        except (asyncio.TimeoutError, KafkaError) as error:
            self.health.failed(f"probe: {type(error).__name__}")
            return
        if not partitions:
            self.health.failed(f"probe: topic {self.topic} has no partitions")
        elif not self._needs_rebuild:
            self.health.succeeded()

    async def _probe_forever(self) -> None:
        while True:
            idle = self.health.last_success is None or time.monotonic() - self.health.last_success > 30.0
            if not self.health.ready or idle:
                try:
                    await self.probe()
                except BrokerUnavailableError as error:
                    self.health.failed(str(error))
            await asyncio.sleep(self.probe_interval_s)


# kafka-python counts the key, the value and the record headers against max_request_size, plus a batch header.
RECORD_OVERHEAD_ESTIMATE = 512
