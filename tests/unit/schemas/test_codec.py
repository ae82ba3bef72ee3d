import json
from datetime import datetime, timezone

import fastavro
import pytest

from presspipe.schemas import (ARTICLE, DEAD_LETTER, RAW_ARTICLE, Article, DeadLetter, Entity, Hints, NotSingleObjectError,
                     RawArticle, Source, UndecodableDatumError, UnknownFingerprintError, default_registry)
from presspipe.schemas.codec import MARKER, schema_fingerprint

WHEN = datetime(2024, 5, 21, 8, 30, 15, 123000, tzinfo=timezone.utc)


def raw_article(**overrides) -> RawArticle:
    values = dict(id="abc", url="https://example.org/a", source=Source("files", "local"), fetched_at=WHEN,
                  content_type="text/html", body=b"<p>hello</p>", charset="utf-8", http_status=200,
                  headers={"etag": "x"}, hints=Hints("Title", WHEN, ("A. Writer",), "en"), connector_version="t")
    values.update(overrides)
    return RawArticle(**values)


def article() -> Article:
    body = "पुतिन हनोई पहुंचे।\n\nSecond paragraph."
    return Article(id="id1", url=None, canonical_url=None, source=Source("files", "x"), title="t", dateline=None,
                   body=body, paragraphs=tuple(body.split("\n\n")), language="hi", language_confidence=0.99,
                   declared_language=None, published_at=None, fetched_at=WHEN, processed_at=WHEN, authors=(),
                   site_name=None, description=None,
                   entities=(Entity("पुतिन", "PERSON", 0, 5, "व्लादिमीर पुतिन", None, "model"),),
                   captions_removed=1, related_blocks_removed=2, word_count=5, content_hash="h", raw_topic="r",
                   raw_partition=0, raw_offset=7, pipeline_version="0")


def test_raw_article_round_trips_through_single_object_encoding():
    record = raw_article()
    data = record.encode()
    assert data[:2] == MARKER
    assert data[2:10] == default_registry().current_fingerprint(RAW_ARTICLE)
    assert RawArticle.decode(data) == record


def test_raw_article_without_optional_fields_round_trips():
    record = raw_article(url=None, charset=None, http_status=None, headers={}, hints=None)
    assert RawArticle.decode(record.encode()) == record


def test_article_and_dead_letter_round_trip():
    assert Article.decode(article().encode()) == article()
    letter = DeadLetter("k", "decode", "RawDecodeError", "bad", b"\x00\xff", "raw", 1, 2, WHEN, "0")
    assert DeadLetter.decode(letter.encode()) == letter


def test_fingerprint_is_crc64_of_canonical_form_little_endian():
    parsed = default_registry().current_schema(RAW_ARTICLE)
    hex_digest = fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form(parsed), "CRC-64-AVRO")
    assert schema_fingerprint(parsed) == bytes.fromhex(hex_digest)[::-1]


@pytest.mark.parametrize("data, error", [
    (b"", NotSingleObjectError),
    (b"{\"json\": true}", NotSingleObjectError),
    (MARKER + b"\x01" * 8 + b"\x00", UnknownFingerprintError),
])
def test_bad_bytes_raise_specific_errors(data, error):
    with pytest.raises(error):
        RawArticle.decode(data)


def test_truncated_datum_is_undecodable():
    data = raw_article().encode()
    with pytest.raises(UndecodableDatumError):
        RawArticle.decode(data[:-5])


def test_a_record_of_another_kind_is_refused():
    with pytest.raises(UnknownFingerprintError):
        RawArticle.decode(article().encode())


def test_datetimes_are_utc_millisecond_precision():
    decoded = RawArticle.decode(raw_article(fetched_at=datetime(2024, 1, 1, 12, 0, 0, 999999)).encode())
    assert decoded.fetched_at == datetime(2024, 1, 1, 12, 0, 0, 999000, tzinfo=timezone.utc)


def test_to_json_dict_is_json_serialisable():
    assert json.loads(json.dumps(article().to_json_dict()))["entities"][0]["label"] == "PERSON"


@pytest.mark.parametrize("kind", [RAW_ARTICLE, ARTICLE, DEAD_LETTER])
def test_every_kind_has_a_released_version(kind):
    assert default_registry().known_versions(kind)


def test_dead_letter_payload_cap_keeps_the_full_size_and_round_trips():
    letter = DeadLetter("k", "limits", "LimitExceededError", "big", b"0123456789", "raw", 1, 2, WHEN, "0")
    assert letter.with_payload_capped(10) is letter and letter.payload_truncated_from is None
    capped = letter.with_payload_capped(4)
    assert (capped.payload, capped.payload_truncated_from) == (b"0123", 10)
    assert capped.with_payload_capped(2).payload_truncated_from == 10, "capping twice keeps the original size"
    assert DeadLetter.decode(capped.encode()) == capped


def test_a_dead_letter_written_with_v1_reads_without_truncation_size():
    from presspipe.schemas.codec import history_schema_texts

    assert {"v1", "v2"} <= set(history_schema_texts(DEAD_LETTER))
    writer = fastavro.parse_schema(json.loads(history_schema_texts(DEAD_LETTER)["v1"]))
    datum = {"id": "k", "stage": "decode", "error_type": "E", "error_message": "m", "payload": b"p",
             "raw_topic": "raw", "raw_partition": 0, "raw_offset": 3, "failed_at": WHEN, "pipeline_version": "0"}
    framed = MARKER + schema_fingerprint(writer) + _schemaless(writer, datum)
    decoded = DeadLetter.decode(framed)
    assert decoded.payload == b"p" and decoded.payload_truncated_from is None


def _schemaless(schema, datum) -> bytes:
    import io

    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, datum)
    return buffer.getvalue()


def test_a_connect_dead_letter_keeps_its_source_and_a_v2_letter_reads_without_one():
    from presspipe.schemas.codec import history_schema_texts

    letter = DeadLetter(id="k", stage="connect", error_type="CorruptRecordError", error_message="m", payload=b"\x1f",
                        raw_topic=None, raw_partition=None, raw_offset=None, failed_at=WHEN, pipeline_version="0",
                        source_location="/data/a.warc.gz", source_offset=12345)
    assert DeadLetter.decode(letter.encode()) == letter
    writer = fastavro.parse_schema(json.loads(history_schema_texts(DEAD_LETTER)["v2"]))
    datum = {"id": "k", "stage": "decode", "error_type": "E", "error_message": "m", "payload": b"p",
             "raw_topic": "raw", "raw_partition": 0, "raw_offset": 3, "failed_at": WHEN, "pipeline_version": "0",
             "payload_truncated_from": None}
    decoded = DeadLetter.decode(MARKER + schema_fingerprint(writer) + _schemaless(writer, datum))
    assert (decoded.source_location, decoded.source_offset) == (None, None)
