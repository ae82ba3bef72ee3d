from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presspipe.pipelines.enrich.normalize import normalize_paragraph


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("है।पुतिन के", "है। पुतिन के"),
        ("worked.The end", "worked. The end"),
        ("है.पुतिन", "है. पुतिन"),
        ("Really?Yes", "Really? Yes"),
        ("St.Petersburg", "St. Petersburg"),
        ("pi is 3.14 today", "pi is 3.14 today"),
        ("in the U.S.The", "in the U.S.The"),
        ("e.g.This", "e.g.This"),
        ("visit example.com now", "visit example.com now"),
        ("see https://news.Example.com/A.Page", "see https://news.Example.com/A.Page"),
        ("write to jane.Doe@example.org", "write to jane.Doe@example.org"),
        ("ASP.NET", "ASP.NET"),
        ("中国。北京", "中国。北京"),
        ("  a \u00a0 b\t\nc  ", "a b c"),
        ("zero\u200bwidth", "zerowidth"),
        ("cafe\u0301", "café"),
    ],
)
def test_examples(text, expected):
    assert normalize_paragraph(text) == expected


def test_zero_width_joiners_stay():
    assert "\u200d" in normalize_paragraph("क्\u200dष")


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_idempotent_and_clean(text):
    once = normalize_paragraph(text)
    assert normalize_paragraph(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip()
    assert "  " not in once and "\n" not in once and "\t" not in once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["है।", "पुतिन", "The", "end.", "3.14", "U.S.", "ok?", "Yes!", "x.Y", "नई"]), max_size=12))
def test_idempotent_on_sentence_material(words):
    text = "".join(words)
    once = normalize_paragraph(text)
    assert normalize_paragraph(once) == once
