"""In-memory records: frozen dataclasses mapped to and from their Avro datums in exactly one place.

Timestamps are timezone-aware UTC ``datetime`` values in memory and timestamp-millis on the wire. Sequences are
tuples so that records stay hashable and cannot be mutated by a transform that happens to hold a reference.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any, Mapping

from presspipe.schemas.codec import ARTICLE, DEAD_LETTER, RAW_ARTICLE, SchemaRegistry, default_registry


def utc_now() -> datetime:
    """Current time truncated to milliseconds, the precision the wire format keeps."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Source:
    """Which connector produced a record, and from which configured source (feed URL, folder, WARC file)."""

    connector: str
    name: str


@dataclass(frozen=True)
class Hints:
    """Metadata a feed, sitemap or caller supplied; extraction may confirm or override it."""

    title: str | None = None
    published_at: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class RawArticle:
    id: str
    url: str | None
    source: Source
    fetched_at: datetime
    content_type: str
    body: bytes
    charset: str | None = None
    http_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    hints: Hints | None = None
    connector_version: str = ""
    truncated: bool = False
    truncation_reason: str | None = None

    def to_avro(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": asdict(self.source),
            "fetched_at": _as_utc(self.fetched_at),
            "content_type": self.content_type,
            "charset": self.charset,
            "body": self.body,
            "http_status": self.http_status,
            "headers": dict(self.headers),
            "hints": None
            if self.hints is None
            else {
                "title": self.hints.title,
                "published_at": _as_utc(self.hints.published_at),
                "authors": list(self.hints.authors),
                "language": self.hints.language,
            },
            "connector_version": self.connector_version,
            "truncated": self.truncated,
            "truncation_reason": self.truncation_reason,
        }

    @classmethod
    def from_avro(cls, datum: Mapping[str, Any]) -> "RawArticle":
        hints = datum.get("hints")
        return cls(
            id=datum["id"],
            url=datum.get("url"),
            source=Source(**datum["source"]),
            fetched_at=_as_utc(datum["fetched_at"]),
            content_type=datum["content_type"],
            charset=datum.get("charset"),
            body=bytes(datum["body"]),
            http_status=datum.get("http_status"),
            headers=dict(datum.get("headers") or {}),
            hints=None
            if hints is None
            else Hints(
                title=hints.get("title"),
                published_at=_as_utc(hints.get("published_at")),
                authors=tuple(hints.get("authors") or ()),
                language=hints.get("language"),
            ),
            connector_version=datum.get("connector_version", ""),
            truncated=bool(datum.get("truncated", False)),
            truncation_reason=datum.get("truncation_reason"),
        )

    def encode(self, registry: SchemaRegistry | None = None) -> bytes:
        return (registry or default_registry()).encode(RAW_ARTICLE, self.to_avro())

    @classmethod
    def decode(cls, data: bytes, registry: SchemaRegistry | None = None) -> "RawArticle":
        return cls.from_avro((registry or default_registry()).decode(RAW_ARTICLE, data))


@dataclass(frozen=True)
class Entity:
    """A mention of a person, organisation or place; ``body[start:end] == text`` always holds."""

    text: str
    label: str
    start: int
    end: int
    normalized: str
    kb_id: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Article:
    id: str
    url: str | None
    canonical_url: str | None
    source: Source
    title: str | None
    dateline: str | None
    body: str
    paragraphs: tuple[str, ...]
    language: str
    language_confidence: float
    declared_language: str | None
    published_at: datetime | None
    fetched_at: datetime
    processed_at: datetime
    authors: tuple[str, ...]
    site_name: str | None
    description: str | None
    entities: tuple[Entity, ...]
    captions_removed: int
    related_blocks_removed: int
    word_count: int
    content_hash: str
    raw_topic: str | None
    raw_partition: int | None
    raw_offset: int | None
    pipeline_version: str
    # Added in article v2; every one has a default, as in the schema.
    http_status: int | None = None
    truncated: bool = False
    truncation_reason: str | None = None
    published_at_precision: str | None = None
    published_date: str | None = None
    language_source: str | None = None
    boilerplate_removed: int = 0

    def to_avro(self) -> dict[str, Any]:
        datum = {f.name: getattr(self, f.name) for f in fields(self)}
        datum["source"] = asdict(self.source)
        datum["paragraphs"] = list(self.paragraphs)
        datum["authors"] = list(self.authors)
        datum["entities"] = [asdict(entity) for entity in self.entities]
        for name in ("published_at", "fetched_at", "processed_at"):
            datum[name] = _as_utc(datum[name])
        return datum

    @classmethod
    def from_avro(cls, datum: Mapping[str, Any]) -> "Article":
        values = {f.name: datum[f.name] for f in fields(cls) if f.name in datum}
        values["source"] = Source(**datum["source"])
        values["paragraphs"] = tuple(datum.get("paragraphs") or ())
        values["authors"] = tuple(datum.get("authors") or ())
        values["entities"] = tuple(Entity(**entity) for entity in datum.get("entities") or ())
        for name in ("published_at", "fetched_at", "processed_at"):
            values[name] = _as_utc(values[name])
        return cls(**values)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ISO-8601 timestamps (the ``presspipe enrich`` and ``inspect`` output)."""
        return to_json_compatible(self.to_avro())

    def encode(self, registry: SchemaRegistry | None = None) -> bytes:
        return (registry or default_registry()).encode(ARTICLE, self.to_avro())

    @classmethod
    def decode(cls, data: bytes, registry: SchemaRegistry | None = None) -> "Article":
        return cls.from_avro((registry or default_registry()).decode(ARTICLE, data))


@dataclass(frozen=True)
class DeadLetter:
    id: str
    stage: str
    error_type: str
    error_message: str
    payload: bytes
    raw_topic: str | None
    raw_partition: int | None
    raw_offset: int | None
    failed_at: datetime
    pipeline_version: str
    payload_truncated_from: int | None = None
    # dead_letter v3: where a record that never reached the raw topic (stage "connect") was read from.
    source_location: str | None = None
    source_offset: int | None = None

    def with_payload_capped(self, max_payload_bytes: int) -> "DeadLetter":
        """This letter with at most ``max_payload_bytes`` of payload (the full size kept in ``payload_truncated_from``).

        A dead letter larger than the dead-letter topic accepts would fail every run at the same record; the raw
        coordinates still lead to the whole record."""
        if len(self.payload) <= max_payload_bytes:
            return self
        return replace(self, payload=self.payload[:max_payload_bytes],
                       payload_truncated_from=self.payload_truncated_from or len(self.payload))

    def to_avro(self) -> dict[str, Any]:
        datum = {f.name: getattr(self, f.name) for f in fields(self)}
        datum["failed_at"] = _as_utc(self.failed_at)
        return datum

    @classmethod
    def from_avro(cls, datum: Mapping[str, Any]) -> "DeadLetter":
        values = {f.name: datum[f.name] for f in fields(cls) if f.name in datum}
        values["payload"] = bytes(values["payload"])
        values["failed_at"] = _as_utc(values["failed_at"])
        return cls(**values)

    def encode(self, registry: SchemaRegistry | None = None) -> bytes:
        return (registry or default_registry()).encode(DEAD_LETTER, self.to_avro())

    @classmethod
    def decode(cls, data: bytes, registry: SchemaRegistry | None = None) -> "DeadLetter":
        return cls.from_avro((registry or default_registry()).decode(DEAD_LETTER, data))


def to_json_compatible(value: Any) -> Any:
    """Avro datum → JSON value: datetimes as ISO-8601, bytes as UTF-8 text when they are text, else hex."""
    if isinstance(value, datetime):
        return _as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"hex": raw.hex()}
    if isinstance(value, Mapping):
        return {key: to_json_compatible(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_compatible(item) for item in value]
    return value


def dumps_json(value: Any) -> str:
    return json.dumps(to_json_compatible(value), ensure_ascii=False, sort_keys=False)


def raw_article_id(url: str | None, body: bytes) -> str:
    """Stable id of a raw record: the URL when there is one (a re-fetch of the same page keeps its id), else the body.

    32 hex digits of SHA-256: collision-free at news scale and short enough for a Kafka key.
    """
    material = url.strip().encode("utf-8") if url and url.strip() else body
    return hashlib.sha256(material).hexdigest()[:32]
