"""When the page says it was published: the most precise time its markup states, with the offset it states.

Why not just htmldate/trafilatura: they return date-only and zone-less strings that, read as UTC, cut a page's
``07:55:25Z`` to midnight and stamp a local ``14:46:12+02:00`` as ``14:46:12Z``. Here every stated value keeps what
it says and no more:

* ``datetime`` -- a time with its UTC offset (or a zone-less time given the page's declared zone, see below):
  :attr:`PublicationTime.at` is the exact instant;
* ``naive`` -- a time without any zone on a page that declares none: ``at`` reads the wall clock as UTC and is
  *not* exact (consumers can tell from the precision);
* ``date`` -- a calendar date only: ``at`` is ``None`` (never midnight UTC) and :attr:`PublicationTime.date`
  holds it.

``date`` is always the calendar date the page states, in the page's own zone (``YYYY-MM-DD``).

Sources, in order of trust: JSON-LD ``datePublished`` (of an article-like object first), then the publication
``<meta>`` tags (``article:published_time``, ``itemprop=datePublished``, Dublin Core, ``pubdate`` ...), then
``<time itemprop=datePublished>`` / ``<time pubdate>``, then the page's first ``<time datetime>``. The most precise
value wins (a time over a date), ties go to the more trusted source. A page's *declared zone* is the offset its other
zoned timestamps state (``dateModified``, ``article:modified_time``, another ``<time>``), the one nearest in time to
the zone-less value: publishers state every time of a page in one zone.

Pure: reads the parsed tree, never modifies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import html as lxml_html

from presspipe.pipelines.enrich.jsonld import is_article, json_ld_objects

DATETIME, NAIVE, DATE = "datetime", "naive", "date"
_RANK = {DATETIME: 2, NAIVE: 1, DATE: 0}

_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<z>Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?\s*$")
_COMPACT = re.compile(r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?"
                      r"(?P<z>Z|[+-]\d{4})?)?\s*$")
_RFC_2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")

#: ``<meta>`` names/properties/itemprops that state the publication time, lower-case, most trusted first.
PUBLICATION_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "article.published", "published_time", "publish-date", "publishdate", "publish_date", "pubdate",
    "publication_date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "dc.date.created", "date", "article_date_original", "cxenseparse:recs:publishtime",
)
#: Other timestamps of the page: they never become the publication time, but their offset declares its zone.
ZONE_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified",
             "article:updated_time")
JSON_LD_ZONE_FIELDS = ("dateModified", "dateCreated", "uploadDate", "datePosted")

_META_XPATH = "//meta[@content]"
_TIME_PUBLISHED = ("//time[@datetime][translate(@itemprop, 'DATEPUBLISHED', 'datepublished')='datepublished' "
                   "or @pubdate or contains(translate(@class, 'PUBLISHED', 'published'), 'publish')]/@datetime "
                   "| //*[not(self::meta)][translate(@itemprop, 'DATEPUBLISHED', 'datepublished')='datepublished']"
                   "[@datetime or @content]/@*[name()='datetime' or name()='content']")
_FIRST_TIME = "(//body//time[@datetime])[1]/@datetime"
_ALL_TIMES = "//time[@datetime]/@datetime"


@dataclass(frozen=True)
class StatedTime:
    """One value as the page wrote it: the wall-clock time (or midnight of a date), and its offset if stated."""

    local: datetime  # naive
    offset: timedelta | None
    has_time: bool

    @property
    def precision(self) -> str:
        if not self.has_time:
            return DATE
        return DATETIME if self.offset is not None else NAIVE


@dataclass(frozen=True)
class PublicationTime:
    """What the page states about its publication; see the module docstring for the three precisions."""

    at: datetime | None  # UTC; None when only a date is stated
    precision: str
    date: str  # YYYY-MM-DD in the page's own zone
    source: str  # where it was read: json-ld, meta:<name>, time, fallback


def _offset(zone: str | None) -> timedelta | None:
    if zone is None:
        return None
    if zone in ("Z", "z", "UTC", "GMT"):
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"offset out of range: {zone}")
    return sign * timedelta(hours=hours, minutes=minutes)


def parse_stated_time(text: str | None) -> StatedTime | None:
    """ISO 8601 (extended or basic), RFC 2822 (``Fri, 28 Apr 2023 18:23:00 GMT``); ``None`` for anything else.

    Nothing is filled in: a date stays a date, a time without a zone stays without one.
    """
    if not text or len(text) > 64:
        return None
    match = _ISO.match(text) or _COMPACT.match(text)
    try:
        if match:
            parts = match.groupdict()
            has_time = parts.get("H") is not None
            fraction = (parts.get("f") or "").ljust(6, "0")[:6]
            local = datetime(int(parts["y"]), int(parts["m"]), int(parts["d"]),
                             int(parts["H"] or 0), int(parts["M"] or 0), int(parts.get("S") or 0), int(fraction or 0))
            return StatedTime(local, _offset(parts.get("z")) if has_time else None, has_time)
        if _RFC_2822.match(text):
            parsed = parsedate_to_datetime(text)
            offset = parsed.utcoffset() if parsed.tzinfo is not None else None
            return StatedTime(parsed.replace(tzinfo=None), offset, True)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    return None


def _plausible(stated: StatedTime) -> bool:
    return 1990 <= stated.local.year <= 2100


@dataclass(frozen=True)
class _Candidate:
    stated: StatedTime
    source: str
    trust: int  # lower is more trusted


_NOT_LETTERS = re.compile(r"[^a-z]+")


def _meta_key(name: str) -> str:
    """Publishers spell one tag several ways (``article:published_time``, ``article:published:time``,
    ``article_published_time``): compared by their letters only."""
    return _NOT_LETTERS.sub("", name.lower())


def _meta_values(tree: lxml_html.HtmlElement, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, content) of the ``<meta>`` tags named in ``names`` (by name, property or itemprop), in ``names`` order."""
    wanted = {_meta_key(name): name for name in names}
    found: dict[str, list[str]] = {}
    for meta in tree.xpath(_META_XPATH):
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            name = wanted.get(_meta_key(meta.get(attribute) or ""))
            if name is not None:
                found.setdefault(name, []).append(meta.get("content") or "")
                break
    return [(name, value) for name in names for value in found.get(name, [])]


def _json_ld_values(json_ld: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(datePublished values of article-like objects first, then of the others; the other date fields)."""
    published_articles, published_other, others = [], [], []
    for obj in json_ld:
        value = obj.get("datePublished")
        if isinstance(value, str):
            (published_articles if is_article(obj) else published_other).append(value)
        others.extend(obj[name] for name in JSON_LD_ZONE_FIELDS if isinstance(obj.get(name), str))
    return published_articles + published_other, others


def _candidates(tree: lxml_html.HtmlElement,
                json_ld: list[dict[str, Any]]) -> tuple[list[_Candidate], list[StatedTime]]:
    """The stated publication values (most trusted first) and every stated timestamp that may declare the zone."""
    published_ld, other_ld = _json_ld_values(json_ld)
    candidates: list[_Candidate] = []

    def add(text: str, source: str, trust: int) -> None:
        stated = parse_stated_time(text)
        if stated is not None and _plausible(stated):
            candidates.append(_Candidate(stated, source, trust))

    for text in published_ld:
        add(text, "json-ld", 0)
    for name, text in _meta_values(tree, PUBLICATION_META):
        add(text, f"meta:{name}", 1 + PUBLICATION_META.index(name))
    for text in tree.xpath(_TIME_PUBLISHED):
        add(str(text), "time", 50)
    if not candidates:
        for text in tree.xpath(_FIRST_TIME):
            add(str(text), "time", 60)
    zoned = [stated for stated in (parse_stated_time(text) for text in (
        [value for _, value in _meta_values(tree, ZONE_META)] + other_ld + [str(t) for t in tree.xpath(_ALL_TIMES)]))
        if stated is not None and stated.offset is not None and _plausible(stated)]
    zoned += [c.stated for c in candidates if c.stated.offset is not None]
    return candidates, zoned


def _declared_offset(naive: datetime, zoned: list[StatedTime]) -> timedelta | None:
    """The offset of the zoned timestamp nearest in time to ``naive`` (DST may differ across months)."""
    if not zoned:
        return None
    nearest = min(zoned, key=lambda stated: abs((stated.local - naive).total_seconds()))
    return nearest.offset


def _choose(candidates: list[_Candidate]) -> _Candidate:
    """Most precise first; among equally precise values the most trusted. A more precise value from a less
    trusted source must agree with the most trusted value's date (within a day: UTC versus local)."""
    best_trusted = min(candidates, key=lambda c: c.trust)
    agreeing = [c for c in candidates
                if abs((c.stated.local.date() - best_trusted.stated.local.date()).days) <= 1]
    return max(agreeing, key=lambda c: (_RANK[c.stated.precision], -c.trust))


def resolve(stated: StatedTime, source: str, zoned: list[StatedTime] = ()) -> PublicationTime:
    """One stated value → the publication time, given the page's other zoned timestamps."""
    day = stated.local.date().isoformat()
    if not stated.has_time:
        return PublicationTime(None, DATE, day, source)
    offset = stated.offset if stated.offset is not None else _declared_offset(stated.local, list(zoned))
    if offset is None:
        return PublicationTime(stated.local.replace(tzinfo=timezone.utc), NAIVE, day, source)
    moment = stated.local.replace(tzinfo=timezone(offset)).astimezone(timezone.utc)
    return PublicationTime(moment.replace(microsecond=moment.microsecond // 1000 * 1000), DATETIME, day, source)


def publication_time(tree: lxml_html.HtmlElement, *,
                     json_ld: list[dict[str, Any]] | None = None) -> PublicationTime | None:
    """The page's publication time from its markup; ``None`` when the markup states none (see the fallback).

    ``json_ld``: the page's :func:`~.jsonld.json_ld_objects`, when the caller has them already (parsed otherwise).
    """
    candidates, zoned = _candidates(tree, json_ld_objects(tree) if json_ld is None else json_ld)
    if not candidates:
        return None
    chosen = _choose(candidates)
    return resolve(chosen.stated, chosen.source, zoned)


def from_fallback(found: str | None) -> PublicationTime | None:
    """A date that htmldate or trafilatura found outside the markup (visible text, URL): trusted as a date only.

    Their strings carry no zone and a time of 00:00 for a date-only find, so only the calendar date is kept.
    """
    stated = parse_stated_time(found)
    if stated is None or not _plausible(stated):
        return None
    return PublicationTime(None, DATE, stated.local.date().isoformat(), "fallback")


def from_hint(moment: datetime) -> PublicationTime:
    """A feed's or caller's timestamp (always zoned, stored in UTC): exact, dated in UTC."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return PublicationTime(utc, DATETIME, utc.date().isoformat(), "hint")


def same_day(a: PublicationTime, b: date) -> bool:
    return a.date == b.isoformat()
