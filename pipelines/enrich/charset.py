"""Bytes → text for article bodies, trusting declared charsets only as far as the bytes agree with them.

Order of evidence: a byte-order mark; the HTTP charset (``RawArticle.charset``); a ``<meta charset>`` or
``http-equiv`` declaration in the first bytes of an HTML document; statistical detection (charset-normalizer).
A declaration is rejected when strict decoding fails, and also when the bytes are valid UTF-8 with non-ASCII
content but were labelled with a legacy single-byte charset (UTF-8 is self-validating: legacy text almost never
decodes as UTF-8 by accident), or when a single-byte label yields text that charset-normalizer's mess detector
rates as garbage while a detected charset reads cleanly (e.g. cp1251 bytes labelled windows-1252).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer
import regex
from charset_normalizer.md import mess_ratio

from presspipe.pipelines.enrich.errors import DecodingError

_META_CHARSET = regex.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", regex.I)
_META_SCAN_BYTES = 4096
_DETECTION_SAMPLE_BYTES = 64 * 1024
# WHATWG: these labels mean windows-1252 in practice, which decodes every byte the latin-1 codec leaves as C1 controls.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}
_GARBAGE_MESS_RATIO = 0.2


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    evidence: str  # "bom", "http", "meta", "utf-8", "detected" or "fallback": which evidence won


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def _is_single_byte(codec: str) -> bool:
    return not codec.startswith(("utf", "euc", "shift_jis", "gb", "big5", "iso2022", "cp932", "cp949", "cp950", "hz"))


def _strict_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str] | None:
    best = charset_normalizer.from_bytes(data[:_DETECTION_SAMPLE_BYTES]).best()
    if best is None:
        return None
    codec = _codec_name(best.encoding)
    if codec is None:
        return None
    text = _strict_decode(data, codec)
    return None if text is None else (text, codec)


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML document declares about itself in its first bytes, if any."""
    match = _META_CHARSET.search(data[:_META_SCAN_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def decode_body(data: bytes, *, declared_charset: str | None, is_html: bool) -> DecodedText:
    """Decode ``data``; never raises on a wrong or unknown declared charset, only on bytes no evidence explains."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            text = _strict_decode(data, "utf-8-sig" if codec == "utf-8" else codec)
            if text is not None:
                return DecodedText(text, codec, "bom")

    utf8_text = _strict_decode(data, "utf-8")
    if utf8_text is not None and not utf8_text.isascii():
        # Valid UTF-8 with multi-byte sequences: whatever the label says, this is UTF-8.
        return DecodedText(utf8_text, "utf-8", "utf-8")

    candidates = [("http", _codec_name(declared_charset))]
    if is_html:
        candidates.append(("meta", _codec_name(meta_charset(data))))
    for evidence, codec in candidates:
        if codec is None or codec.startswith("utf-16") or codec.startswith("utf-32"):
            continue  # a UTF-16 label on bytes without a BOM is a known mislabelling of 8-bit pages
        text = _strict_decode(data, codec)
        if text is None:
            continue
        if _is_single_byte(codec) and not text.isascii() and mess_ratio(text[:20_000]) > _GARBAGE_MESS_RATIO:
            detected = _detect(data)
            if detected is not None and mess_ratio(detected[0][:20_000]) < mess_ratio(text[:20_000]):
                return DecodedText(detected[0], detected[1], "detected")
        return DecodedText(text, codec, evidence)

    if utf8_text is not None:  # pure ASCII
        return DecodedText(utf8_text, "utf-8", "utf-8")
    detected = _detect(data)
    if detected is not None:
        return DecodedText(detected[0], detected[1], "detected")
    # Nothing explains the bytes: keep what UTF-8 can read rather than fail an article over a few bad bytes.
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(16, len(text) // 4):
        raise DecodingError(f"undecodable body: {len(data)} bytes match no charset")
    return DecodedText(text, "utf-8", "fallback")
