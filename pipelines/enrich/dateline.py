"""Datelines: the place (and sometimes date and agency) that opens a news story, e.g. ``HANOI हनोई:``.

Only the start of the first body paragraph is examined. Recognised shapes: an upper-case place name of one to four
words (Latin, Cyrillic or Greek), optionally followed by up to two words of a caseless script (a transliteration such
as ``हनोई``), a date after a comma and an agency in brackets, closed by ``:``, an em/en dash or `` - ``; or one or two
words of an Indic script closed by a colon (``नई दिल्ली:``). Shouting labels (``BREAKING:``, ``UPDATE:``) are not
places. A page that sets the dateline as a block of its own gives a paragraph that is only the dateline
(:func:`bare_dateline`): it fills ``dateline`` and leaves the body, never lost as page furniture.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

_CASED_PLACE = (
    r"[\p{Lu}][\p{Lu}.'’-]+(?:\s[\p{Lu}][\p{Lu}.'’-]+){0,3}"  # HANOI, NEW DELHI, RIO DE JANEIRO
    r"(?:\s[\p{Lo}\p{M}]+){0,2}"  # हनोई
    r"(?:,\s*[\p{L}\p{N} .]{1,30}?)?"  # , June 19 / , dpa / , Agenzia Nova
    r"(?:\s*\([^()]{1,40}\))?"  # (Reuters)
)
_CASED_DATELINE = regex.compile(r"^(?P<dateline>" + _CASED_PLACE + r")\s*(?::|—|–|\s-)\s+(?=\S)", regex.V1)
# A dateline that a page sets as its own block (``<span class="dateline">BERLIN, dpa –</span>``): the whole paragraph.
_BARE_CASED_DATELINE = regex.compile(r"^(?P<dateline>" + _CASED_PLACE + r")\s*(?::|—|–|-)\s*$", regex.V1)
_INDIC_DATELINE = regex.compile(
    r"^(?P<dateline>[\p{Devanagari}\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}\p{Oriya}]+"
    r"(?:\s[\p{Devanagari}\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}\p{Oriya}]+)?"
    r"(?:\s*\([^()]{1,20}\))?)\s*:\s+(?=\S)",
    regex.V1,
)
_NOT_PLACES = frozenset(
    {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "WATCH", "LIVE", "VIDEO", "PHOTOS", "ANALYSIS", "OPINION", "NOTE",
     "EDITOR'S", "EDITORS", "WARNING", "ALERT", "FACT", "CHECK", "Q", "A", "I", "OK", "FAQ", "READ", "SEE", "MORE"}
)
_MIN_REST_CHARS = 40


@dataclass(frozen=True)
class DatelineSplit:
    dateline: str | None
    paragraph: str


def _names_a_place(dateline: str) -> bool:
    """Not a label set in capitals (``BREAKING:``, ``UPDATE -``): its first word is no place name."""
    return regex.split(r"[\s,(]", dateline, maxsplit=1)[0] not in _NOT_PLACES


def bare_dateline(paragraph: str) -> str | None:
    """The dateline when the paragraph is nothing else (``BERLIN, dpa –``, ``WASHINGTON (Reuters) -``), else ``None``.

    A closing separator is required: an upper-case line without one is a kicker or a shouting label, not a dateline.
    """
    match = _BARE_CASED_DATELINE.match(paragraph.strip())
    if match is None:
        return None
    dateline = match.group("dateline").strip()
    return dateline if _names_a_place(dateline) else None


def split_dateline(first_paragraph: str) -> DatelineSplit:
    """Separate a leading dateline from the first paragraph; the paragraph is returned unchanged when there is none."""
    for pattern in (_CASED_DATELINE, _INDIC_DATELINE):
        match = pattern.match(first_paragraph)
        if match is None:
            continue
        dateline = match.group("dateline").strip()
        rest = first_paragraph[match.end():]
        if not _names_a_place(dateline) or len(rest) < _MIN_REST_CHARS:
            continue
        return DatelineSplit(dateline, rest)
    return DatelineSplit(None, first_paragraph)
