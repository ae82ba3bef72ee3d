"""Raw-topic message → RawArticle: Avro single-object records, or plain JSON from third-party producers.

JSON is accepted only when the message's ``content-type`` header says ``application/json``; anything else must be
single-object Avro. Knows nothing of Kafka clients: it takes the value bytes and the headers as a mapping.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from presspipe.schemas import CodecError, Hints, RawArticle, SchemaRegistry, Source, default_registry, raw_article_id

JSON_CONTENT_TYPE = "application/json"
# JSON may escape half a surrogate pair (\ud800); such a string cannot be encoded as UTF-8 or stored in Avro.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
CONTENT_TYPE_HEADER = "content-type"


class RawDecodeError(ValueError):
    """A raw-topic message that is not a readable raw article; it becomes a dead letter of stage ``decode``."""

    stage = "decode"


def header_value(headers: Mapping[str, bytes], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value.decode("utf-8", errors="replace") if isinstance(value, (bytes, bytearray)) else str(value)
    return None


def decode_raw_article(value: bytes | None, headers: Mapping[str, bytes] | None = None,
                       registry: SchemaRegistry | None = None) -> RawArticle:
    """Decode one message value.

    Raises:
        RawDecodeError: empty value, undecodable Avro, unknown schema fingerprint, or JSON with missing fields.
    """
    if not value:
        raise RawDecodeError("empty message value")
    content_type = (header_value(headers or {}, CONTENT_TYPE_HEADER) or "").split(";")[0].strip().lower()
    if content_type == JSON_CONTENT_TYPE:
        return raw_article_from_json(value)
    try:
        return RawArticle.decode(value, registry or default_registry())
    except CodecError as error:
        raise RawDecodeError(f"{type(error).__name__}: {error}") from error


def raw_article_from_json(value: bytes) -> RawArticle:
    """A third-party JSON raw record: ``url`` and one of ``html``/``text``/``body`` (base64 with ``body_base64``)."""
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RawDecodeError(f"invalid JSON: {error}") from error
    if not isinstance(document, dict):
        raise RawDecodeError("JSON raw record must be an object")
    body, content_type = _json_body(document)
    url = _optional_str(document, "url")
    source = document.get("source") or {}
    if not isinstance(source, dict):
        raise RawDecodeError("'source' must be an object with 'connector' and 'name'")
    try:
        return RawArticle(
            id=_optional_str(document, "id") or raw_article_id(url, body),
            url=url,
            source=Source(connector=str(source.get("connector") or "json"), name=str(source.get("name") or "json")),
            fetched_at=_timestamp(document.get("fetched_at")) or datetime.now(timezone.utc),
            content_type=_optional_str(document, "content_type") or content_type,
            charset=_optional_str(document, "charset"),
            body=body,
            http_status=document.get("http_status") if isinstance(document.get("http_status"), int) else None,
            headers={str(k): str(v) for k, v in (document.get("headers") or {}).items()},
            hints=Hints(
                title=_optional_str(document, "title"),
                published_at=_timestamp(document.get("published_at")),
                authors=tuple(_without_lone_surrogates(str(a)) for a in document.get("authors") or ()),
                language=_optional_str(document, "language"),
            ),
            connector_version=str(document.get("connector_version") or "json"),
        )
    except (AttributeError, TypeError) as error:
        raise RawDecodeError(f"malformed JSON raw record: {error}") from error


def _json_body(document: Mapping[str, Any]) -> tuple[bytes, str]:
    if isinstance(document.get("html"), str):
        return _without_lone_surrogates(document["html"]).encode("utf-8"), "text/html"
    if isinstance(document.get("text"), str):
        return _without_lone_surrogates(document["text"]).encode("utf-8"), "text/plain"
    if isinstance(document.get("body_base64"), str):
        try:
            return base64.b64decode(document["body_base64"], validate=True), "text/html"
        except binascii.Error as error:
            raise RawDecodeError(f"body_base64 is not base64: {error}") from error
    raise RawDecodeError("JSON raw record has none of the fields 'html', 'text' or 'body_base64'")


def _optional_str(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RawDecodeError(f"field {name!r} must be a string")
    return _without_lone_surrogates(value)


def _without_lone_surrogates(text: str) -> str:
    return _LONE_SURROGATES.sub("\ufffd", text)


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value / 1000, timezone.utc)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as error:
        raise RawDecodeError(f"bad timestamp {value!r}: {error}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
