"""Avro single-object encoding (the wire format of every presspipe topic) and the registry of known schemas.

Wire format, from the Avro specification: the two marker bytes ``C3 01``, the 8-byte little-endian CRC-64-AVRO
fingerprint of the writer schema's parsing canonical form, then the binary datum. A reader looks the fingerprint up
among the schemas it knows -- the current ones and every released version under ``schemas/history/`` -- and resolves
the datum to its own (current) reader schema, so old records stay readable after a compatible schema change.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

RAW_ARTICLE = "raw_article"
ARTICLE = "article"
DEAD_LETTER = "dead_letter"
SCHEMA_NAMES = (RAW_ARTICLE, ARTICLE, DEAD_LETTER)

MARKER = b"\xc3\x01"
HEADER_LENGTH = len(MARKER) + 8


class CodecError(ValueError):
    """Bytes that cannot be turned into a record of the requested kind."""


class NotSingleObjectError(CodecError):
    """The bytes do not start with the single-object marker (C3 01) or are too short to hold a header."""


class UnknownFingerprintError(CodecError):
    """The writer schema's fingerprint is not among the schemas this reader knows."""


class UndecodableDatumError(CodecError):
    """The header is valid but the datum does not decode with the writer schema it names."""


@dataclass(frozen=True)
class KnownSchema:
    """One writer schema this process can read: its record kind, version label and parsed form."""

    kind: str
    version: str
    parsed: Any = field(repr=False, compare=False)
    fingerprint: bytes


def _read_schema_text(relative_path: str) -> str:
    return resources.files(__package__).joinpath(relative_path).read_text(encoding="utf-8")


def _parse(schema_json: str) -> Any:
    # _write_hint=False keeps the parsed form comparable with schemas read from files.
    return fastavro.parse_schema(json.loads(schema_json), _write_hint=False)


def schema_fingerprint(parsed_schema: Any) -> bytes:
    """CRC-64-AVRO fingerprint of the parsing canonical form, as the 8 little-endian bytes the wire format carries."""
    hex_digest = fingerprint(to_parsing_canonical_form(parsed_schema), "CRC-64-AVRO")
    return int(hex_digest, 16).to_bytes(8, "little")


def current_schema_json(kind: str) -> dict[str, Any]:
    """The current schema of a record kind as plain JSON (for Beam's Avro sink and for tools)."""
    return json.loads(_read_schema_text(f"{kind}.avsc"))


def history_schema_texts(kind: str) -> dict[str, str]:
    """Released versions of a record kind, by version label (file stem), oldest first."""
    folder = resources.files(__package__).joinpath("history", kind)
    if not folder.is_dir():
        return {}
    entries = sorted((p for p in folder.iterdir() if p.name.endswith(".avsc")), key=lambda p: _version_key(p.name))
    return {p.name.removesuffix(".avsc"): p.read_text(encoding="utf-8") for p in entries}


def _version_key(file_name: str) -> tuple[int, str]:
    stem = file_name.removesuffix(".avsc")
    digits = stem.lstrip("v")
    return (int(digits), stem) if digits.isdigit() else (1 << 30, stem)


class SchemaRegistry:
    """Encodes with the current schema of each kind; decodes any known version into the current one.

    Immutable after construction, so one instance can be shared by threads and pickled into Beam workers.
    """

    def __init__(self, current: dict[str, Any], known: list[KnownSchema]):
        self._current = current
        self._current_fingerprints = {kind: schema_fingerprint(parsed) for kind, parsed in current.items()}
        self._by_fingerprint = {schema.fingerprint: schema for schema in known}

    @classmethod
    def load(cls) -> "SchemaRegistry":
        current = {kind: _parse(_read_schema_text(f"{kind}.avsc")) for kind in SCHEMA_NAMES}
        known = [KnownSchema(kind, "current", parsed, schema_fingerprint(parsed)) for kind, parsed in current.items()]
        for kind in SCHEMA_NAMES:
            for version, text in history_schema_texts(kind).items():
                parsed = _parse(text)
                known.append(KnownSchema(kind, version, parsed, schema_fingerprint(parsed)))
        return cls(current, known)

    def current_schema(self, kind: str) -> Any:
        return self._current[kind]

    def current_fingerprint(self, kind: str) -> bytes:
        return self._current_fingerprints[kind]

    def known_versions(self, kind: str) -> list[KnownSchema]:
        return [schema for schema in self._by_fingerprint.values() if schema.kind == kind]

    def encode(self, kind: str, datum: dict[str, Any]) -> bytes:
        """Single-object encoding of ``datum`` with the current schema of ``kind``."""
        buffer = io.BytesIO()
        buffer.write(MARKER)
        buffer.write(self._current_fingerprints[kind])
        fastavro.schemaless_writer(buffer, self._current[kind], datum)
        return buffer.getvalue()

    def writer_of(self, data: bytes) -> KnownSchema:
        """The known writer schema named by a single-object header.

        Raises:
            NotSingleObjectError: no marker or a truncated header.
            UnknownFingerprintError: a fingerprint this registry does not know.
        """
        if len(data) < HEADER_LENGTH or data[:2] != MARKER:
            raise NotSingleObjectError("not Avro single-object encoded: missing C3 01 marker or truncated header")
        writer = self._by_fingerprint.get(bytes(data[2:HEADER_LENGTH]))
        if writer is None:
            raise UnknownFingerprintError(f"unknown schema fingerprint {bytes(data[2:HEADER_LENGTH]).hex()}")
        return writer

    def decode(self, kind: str, data: bytes) -> dict[str, Any]:
        """Decode single-object bytes written with any known version of ``kind`` into the current schema.

        Raises:
            CodecError (one of its subclasses): the bytes are not a readable ``kind`` record.
        """
        writer = self.writer_of(data)
        if writer.kind != kind:
            raise UnknownFingerprintError(f"fingerprint names a {writer.kind} schema, expected {kind}")
        stream = io.BytesIO(data)
        stream.seek(HEADER_LENGTH)
        try:
            datum = fastavro.schemaless_reader(stream, writer.parsed, self._current[kind])
        except (EOFError, ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError, OverflowError) as error:
            raise UndecodableDatumError(f"{kind} datum does not decode: {type(error).__name__}: {error}") from error
        if stream.tell() != len(data):
            raise UndecodableDatumError(f"{kind} datum has {len(data) - stream.tell()} trailing bytes")
        return datum


@lru_cache(maxsize=1)
def default_registry() -> SchemaRegistry:
    """The registry of the schemas shipped with this package (loaded once per process; it is immutable)."""
    return SchemaRegistry.load()
