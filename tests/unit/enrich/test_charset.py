from __future__ import annotations

import gzip

import pytest

from presspipe.pipelines.enrich.charset import decode_body, meta_charset
from presspipe.pipelines.enrich.errors import DecodingError, LimitExceededError
from presspipe.pipelines.enrich.extract import gunzip_if_compressed

RUSSIAN = "Городская администрация утвердила проект нового парка на территории бывшего завода."


@pytest.mark.parametrize("label", ["utf-8", "windows-1252", "latin-1", "no-such-charset", None])
def test_cp1251_survives_wrong_labels(label):
    decoded = decode_body(RUSSIAN.encode("cp1251"), declared_charset=label, is_html=False)
    assert decoded.text == RUSSIAN


def test_utf8_wins_over_a_legacy_label():
    decoded = decode_body(RUSSIAN.encode("utf-8"), declared_charset="cp1251", is_html=False)
    assert decoded.text == RUSSIAN and decoded.encoding == "utf-8"


def test_meta_charset_is_used_when_http_says_nothing():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body>'
            + RUSSIAN + "</body></html>").encode("koi8-r")
    assert meta_charset(page) == "koi8-r"
    decoded = decode_body(page, declared_charset=None, is_html=True)
    assert RUSSIAN in decoded.text and decoded.evidence == "meta"


def test_http_charset_comes_before_meta():
    page = ('<meta charset="utf-16">' + "Ça coûte très cher à Noël, dit-elle.").encode("cp1252")
    decoded = decode_body(page, declared_charset="windows-1252", is_html=True)
    assert decoded.evidence == "http" and "Noël" in decoded.text


def test_bom_wins():
    decoded = decode_body("Xin chào".encode("utf-16"), declared_charset="ascii", is_html=False)
    assert decoded.text == "Xin chào"


def test_gzip_bodies_are_bounded():
    data = gzip.compress(b"a" * 10_000)
    assert gunzip_if_compressed(data, max_decompressed_bytes=20_000) == b"a" * 10_000
    with pytest.raises(LimitExceededError) as caught:
        gunzip_if_compressed(data, max_decompressed_bytes=1_000)
    assert caught.value.limit_name == "max_decompressed_bytes" and caught.value.stage == "limits"
    with pytest.raises(DecodingError):
        gunzip_if_compressed(data[:20], max_decompressed_bytes=20_000)
