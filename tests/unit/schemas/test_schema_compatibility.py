"""BACKWARD_TRANSITIVE: the current schema of each kind reads data written with every released version.

Checked two ways: structurally (every field the current schema adds over a released version has a default), and
by actually writing a datum with each released schema and resolving it into the current one with fastavro.
"""

import io
import json

import fastavro
import pytest

from presspipe.schemas.codec import SCHEMA_NAMES, current_schema_json, history_schema_texts

SAMPLE_VALUES = {"string": "s", "bytes": b"b", "int": 1, "long": 2, "double": 0.5, "boolean": True}


def sample_datum(schema, named=None):
    """A minimal valid datum for any schema (records, unions, arrays, maps, logical types)."""
    named = {} if named is None else named
    if isinstance(schema, str):
        return sample_datum(named[schema], named) if schema in named else SAMPLE_VALUES[schema]
    if isinstance(schema, list):
        return None if "null" in schema else sample_datum(schema[0], named)
    kind = schema["type"]
    if kind == "record":
        named[schema["name"]] = schema
        named[f"presspipe.{schema['name']}"] = schema
        return {field["name"]: sample_datum(field["type"], named) for field in schema["fields"]}
    if kind == "array":
        return [sample_datum(schema["items"], named)]
    if kind == "map":
        return {"k": sample_datum(schema["values"], named)}
    if schema.get("logicalType") == "timestamp-millis":
        return 1_700_000_000_000
    return sample_datum(kind, named)


@pytest.mark.parametrize("kind", SCHEMA_NAMES)
def test_history_exists(kind):
    assert history_schema_texts(kind), f"schemas/history/{kind}/ has no released version"


@pytest.mark.parametrize("kind", SCHEMA_NAMES)
def test_current_reads_every_released_version(kind):
    reader = fastavro.parse_schema(current_schema_json(kind))
    for version, text in history_schema_texts(kind).items():
        writer_json = json.loads(text)
        writer = fastavro.parse_schema(writer_json)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer, sample_datum(writer_json))
        buffer.seek(0)
        decoded = fastavro.schemaless_reader(buffer, writer, reader)
        assert set(decoded) == {field["name"] for field in current_schema_json(kind)["fields"]}, version


@pytest.mark.parametrize("kind", SCHEMA_NAMES)
def test_fields_added_since_a_release_have_defaults(kind):
    current = current_schema_json(kind)["fields"]
    for version, text in history_schema_texts(kind).items():
        released = {field["name"] for field in json.loads(text)["fields"]}
        added = [field["name"] for field in current if field["name"] not in released and "default" not in field]
        assert not added, f"{kind}: fields added since {version} without a default: {added}"
