import json

import pytest

from presspipe.pipelines.enrich.decode import RawDecodeError, decode_raw_article
from presspipe.schemas import RawArticle, Source
from presspipe.schemas.records import utc_now

JSON_HEADERS = {"content-type": b"application/json"}


def test_avro_record_decodes():
    raw = RawArticle(id="i", url=None, source=Source("files", "x"), fetched_at=utc_now(), content_type="text/plain",
                     body=b"hello")
    assert decode_raw_article(raw.encode(), {}) == raw


def test_json_accepted_only_with_json_content_type():
    document = json.dumps({"url": "https://example.org/x", "html": "<p>hi</p>", "title": "T"}).encode()
    raw = decode_raw_article(document, JSON_HEADERS)
    assert (raw.url, raw.content_type, raw.body, raw.hints.title) == ("https://example.org/x", "text/html",
                                                                       b"<p>hi</p>", "T")
    with pytest.raises(RawDecodeError):
        decode_raw_article(document, {})


def test_json_ids_are_stable():
    document = json.dumps({"url": "https://example.org/x", "text": "body"}).encode()
    assert decode_raw_article(document, JSON_HEADERS).id == decode_raw_article(document, JSON_HEADERS).id


@pytest.mark.parametrize("value", [
    b"",
    b"not json",
    b"[1, 2]",
    json.dumps({"url": "https://example.org/x"}).encode(),
    json.dumps({"text": "x", "url": 5}).encode(),
    json.dumps({"text": "x", "published_at": "yesterday"}).encode(),
    json.dumps({"body_base64": "!!!"}).encode(),
])
def test_bad_json_is_a_decode_error(value):
    with pytest.raises(RawDecodeError) as raised:
        decode_raw_article(value, JSON_HEADERS)
    assert raised.value.stage == "decode"


@pytest.mark.parametrize("value", [None, b"", b"garbage", b"\xc3\x01short", b"\xc3\x01" + b"\x00" * 20])
def test_garbage_is_a_decode_error(value):
    with pytest.raises(RawDecodeError):
        decode_raw_article(value, {})
