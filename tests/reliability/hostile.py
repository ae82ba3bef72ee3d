"""Hostile and broken inputs, generated here (never copied from real pages): each a raw-topic message and the outcome
presspipe must reach with it: an article (with a check on its text) or exactly one dead letter at a given stage.

The same cases feed the fast unit tests (``enrich_article``/``decode_raw_article`` directly) and one batched run of
the real pipeline, so both layers are held to the same expectations.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from presspipe.connectors.base import AVRO_CONTENT_TYPE, build_raw_article
from presspipe.schemas import RawArticle

FETCHED_AT = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
AVRO_HEADERS = [("content-type", AVRO_CONTENT_TYPE)]
JSON_HEADERS = [("content-type", b"application/json")]

RUSSIAN = ("Городской совет утвердил бюджет на следующий год. Депутаты обсуждали строительство нового моста через "
           "реку и ремонт школ в северном районе. Мэр заявил, что работы начнутся весной, а жители получат "
           "возможность высказаться на общественных слушаниях.")
JAPANESE = ("市議会は来年度の予算案を可決した。議員たちは川に架かる新しい橋の建設と北部地区の学校の改修について"
            "議論した。市長は工事が春に始まると述べ、住民は公聴会で意見を述べることができる。")
ENGLISH = ("The harbour council approved next year's budget on Tuesday after a long debate about the new bridge. "
           "Members argued over the cost of repairing the northern schools and the timetable of the ferry.")


def article_page(paragraphs: list[str], title: str = "Council approves the budget", lang: str = "en",
                 meta_charset: str | None = None) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="{lang}"><head>{meta}<title>{title}</title></head><body>'
            f'<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
            f"<article><h1>{title}</h1>{body}</article><footer>Example Times</footer></body></html>")


@dataclass(frozen=True)
class Case:
    """One hostile input: the message to put on the raw topic and the outcome it must have."""

    name: str
    value: bytes | None
    headers: list = field(default_factory=lambda: list(AVRO_HEADERS))
    stage: str | None = None               # expected dead-letter stage; None: an article is expected
    message_contains: str | None = None    # e.g. the limit's name in the dead letter's message
    check: Callable[[object], None] | None = None  # extra assertion on the Article

    @property
    def key(self) -> bytes:
        return self.name.encode("utf-8")


def raw(body: bytes, *, content_type: str = "text/html", charset: str | None = None, url: str | None = None,
        name: str = "case") -> RawArticle:
    return build_raw_article(connector="reliability", source_name=name, body=body, content_type=content_type,
                             url=url or f"https://hostile.test/{name}", charset=charset, fetched_at=FETCHED_AT)


def encoded(body: bytes, **kwargs) -> bytes:
    return raw(body, **kwargs).encode()


def pdf_bytes() -> bytes:
    """A small but structurally real PDF (header, objects, binary marker, xref) with a compressed stream."""
    stream = zlib.compress(b"BT /F1 24 Tf 100 700 Td (Council approves the budget) Tj ET" * 20)
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
            + b"4 0 obj << /Length %d /Filter /FlateDecode >> stream\n" % len(stream) + stream
            + b"\nendstream endobj\nxref\n0 5\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n")


def jpeg_bytes() -> bytes:
    """A JPEG-framed blob: SOI, APP0/JFIF, a quantisation table, pseudo-random entropy-coded data, EOI."""
    state, data = 0x2545F491, bytearray()
    for _ in range(6000):  # xorshift: deterministic high-entropy bytes, like compressed image data
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        data.append(state & 0xFF)
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    return b"\xff\xd8" + app0 + dqt + b"\xff\xda" + bytes(data).replace(b"\xff", b"\xff\x00") + b"\xff\xd9"


def gzip_bomb(inflated_bytes: int, chunk: int = 1 << 20) -> bytes:
    """Gzip of ``inflated_bytes`` zeros, compressed in chunks (the test never holds the inflated data either)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as stream:
        zeros = bytes(chunk)
        for _ in range(inflated_bytes // chunk):
            stream.write(zeros)
    return buffer.getvalue()


def deeply_nested(depth: int) -> str:
    return ("<html><body>" + "<div><span>" * depth + f"<p>{ENGLISH}</p>" + "</span></div>" * depth
            + "</body></html>")


def malformed() -> str:
    """Unclosed and mis-nested tags, stray end tags, an unterminated comment-like run and attribute soup."""
    return ("<html><head><title>Ferry timetable changes</title><body><div class=main><article>"
            "<p>The ferry company announced <b><i>new departures</b></i> from the <a href=/port>north pier"
            "</p></div></div></span><p>" + ENGLISH + "<p>Tickets go on sale on Monday at the harbour office, "
            "and season passes keep their validity until the end of the year.<table><tr><td>cell"
            "</article></em><p>The mayor said the changes follow a survey of passengers <<b>>last summer."
            "<script>var x = '</p>';</script>")


def index_page() -> str:
    links = "".join(f'<li><a href="/news/{i}">Headline number {i} about the city</a></li>' for i in range(60))
    return ("<html><head><title>News - Example Times</title></head><body><nav><a href=/>Home</a></nav>"
            f"<main><h1>Latest news</h1><ul>{links}</ul></main><footer>Contact us</footer></body></html>")


def login_wall() -> str:
    return ("<html><head><title>Sign in</title></head><body><div class=paywall><h2>Subscribe to continue</h2>"
            "<form action=/login method=post><label>Email <input name=email></label>"
            "<label>Password <input type=password name=password></label><button>Sign in</button></form>"
            "<a href=/subscribe>Subscribe</a></div></body></html>")


def control_characters_page() -> str:
    dirty = "".join(f"{word}{chr(code)}" for word, code in zip(ENGLISH.split(" "), [0x00, 0x01, 0x07, 0x08, 0x0B,
                                                                                     0x0C, 0x1B, 0x7F, 0x85, 0x9B] * 10))
    return article_page([dirty, ENGLISH])


def unknown_fingerprint() -> bytes:
    valid = encoded(b"<p>x</p>")
    return valid[:2] + bytes(8) + valid[10:]  # single-object marker, a fingerprint no schema has, the same datum


def cases(large_page_bytes: int = 12 * 1024 * 1024, bomb_bytes: int = 200 * 1024 * 1024) -> list[Case]:
    """Every case; the large page and the bomb are sized over the default limits (10 MB raw, 50 MB inflated)."""

    def body_has(*fragments: str):
        def check(article) -> None:
            for fragment in fragments:
                assert fragment in article.body, (fragment, article.body[:300])
        return check

    def no_control_characters(article) -> None:
        assert "Members argued over the cost" in article.body
        bad = [c for c in article.body + (article.title or "") if (ord(c) < 0x20 and c not in "\n\t")
               or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF]
        assert not bad, [hex(ord(c)) for c in bad]
        article.encode()  # still valid Avro strings

    russian_page = article_page([RUSSIAN, RUSSIAN.upper()], title="Бюджет", lang="ru")
    japanese_page = article_page([JAPANESE, JAPANESE], title="予算案", lang="ja")
    huge_url = "https://hostile.test/" + "a" * (100 * 1024)
    surrogate_json = json.dumps({"url": "https://hostile.test/surrogate",
                                 "html": article_page([ENGLISH + " \ud800 lone \udfff surrogates"])}).encode()
    return [
        Case("empty-body", encoded(b""), stage="extract"),
        Case("tombstone", None, stage="decode"),
        Case("pdf-as-html", encoded(pdf_bytes(), charset="utf-8"), stage="decode", message_contains="PDF"),
        Case("jpeg-as-html", encoded(jpeg_bytes()), stage="decode", message_contains="JPEG"),
        Case("cp1251-labelled-utf8", encoded(russian_page.encode("cp1251"), charset="utf-8"),
             check=body_has("Городской совет утвердил бюджет")),
        Case("shift-jis-labelled-utf8", encoded(japanese_page.encode("shift_jis"), charset="utf-8"),
             check=body_has("市議会は来年度の予算案を可決した")),
        Case("cp1251-no-charset", encoded(russian_page.encode("cp1251")),
             check=body_has("Городской совет утвердил бюджет")),
        Case("utf16-bom-labelled-latin1", encoded(codecs.BOM_UTF16_LE + japanese_page.encode("utf-16-le"),
                                                  charset="iso-8859-1"),
             check=body_has("市議会は来年度の予算案を可決した")),
        Case("malformed-markup", encoded(malformed().encode()), check=body_has("Members argued over the cost")),
        Case("nested-100", encoded(deeply_nested(100).encode()), check=body_has("Members argued over the cost")),
        # libxml2 stops building the tree at depth 256 (browsers go on): the text below is lost, the article refused.
        Case("nested-5000", encoded(deeply_nested(5000).encode()), stage="extract"),
        Case("large-page", encoded(b"<html><body><p>" + b"x" * large_page_bytes + b"</p></body></html>"),
             stage="limits", message_contains="max_body_bytes"),
        Case("gzip-bomb", encoded(gzip_bomb(bomb_bytes)), stage="limits", message_contains="max_decompressed_bytes"),
        Case("too-many-nodes", encoded(("<html><body>" + "<i></i>" * 210_000 + f"<p>{ENGLISH}</p></body></html>"
                                        ).encode()), stage="limits", message_contains="max_dom_nodes"),
        Case("index-page", encoded(index_page().encode()), stage="extract"),
        Case("login-wall", encoded(login_wall().encode()), stage="extract"),
        Case("not-avro", b"\x00\x01\x02 this is not avro at all \xff\xfe", stage="decode"),
        Case("truncated-avro", encoded(article_page([ENGLISH]).encode())[:40], stage="decode"),
        Case("unknown-fingerprint", unknown_fingerprint(), stage="decode"),
        Case("json-missing-fields", json.dumps({"url": "https://hostile.test/json"}).encode(), headers=JSON_HEADERS,
             stage="decode"),
        Case("json-not-json", b"{\"url\": \"https://hostile.test/x\", \"html\": ", headers=JSON_HEADERS,
             stage="decode"),
        Case("json-lone-surrogates", surrogate_json, headers=JSON_HEADERS, check=no_control_characters),
        Case("control-characters", encoded(control_characters_page().encode()), check=no_control_characters),
        Case("url-100kb", encoded(article_page([ENGLISH]).encode(), url=huge_url),
             check=lambda article: (body_has("Members argued")(article), article.encode())),
    ]
