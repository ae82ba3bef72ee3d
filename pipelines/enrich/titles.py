"""The headline: the site name a page appends to its ``<title>``/``og:title`` removed, and its repeat in the body.

Only a site name the page states about itself is removed (``og:site_name``, the JSON-LD ``publisher`` of the
article, the site name the extractor found): ``Headline | Site`` and ``Site - Headline`` lose ``Site``, written with
or without its domain ending (``| DiePresse.com`` for "Die Presse"), transliterated (``Boersen-Zeitung``) or as the
initials of a name of several words (``DW`` for "Deutsche Welle"); a date segment after the site name goes with it
(``| DW | 28.04.2023``). A separator inside the headline stays, and a title that is nothing but the site name is
left alone. Section names (``- National``) are not site names and stay.

The body's leading repeats of the headline (an ``<h1>`` the extractor kept, once or twice) are dropped when one of
the first paragraphs says the same as a headline the page states (the title, ``og:title``, the JSON-LD
``headline``, its ``<h1>``) -- or as such a headline with a kicker (``Topic: Headline``) or without it.

Pure functions over strings.
"""

from __future__ import annotations

from typing import Any, Collection

import regex
from lxml import html as lxml_html

from presspipe.pipelines.enrich.jsonld import is_article, json_ld_objects, names_of, types_of

#: Separators between a headline and a site name, as publishers write them.
SEPARATORS = "|-–—:·•»/\u2013\u2014"
_SEGMENT = regex.compile(rf"\s+[{regex.escape(SEPARATORS)}]+\s+|\s*\|\s*")
_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
#: Domain endings a site name may carry in a title (``Spiegel.de``, ``ORF.at``, ``Telegraph.co.uk``).
_DOMAIN_ENDINGS = ("com", "de", "at", "ch", "fr", "es", "it", "nl", "no", "se", "dk", "cz", "pl", "pt", "ru", "ua",
                   "tr", "jp", "kr", "cn", "in", "ca", "au", "za", "uk", "couk", "net", "org", "info", "news", "online")
_WINDOW = 3
_DATE_SEGMENT = regex.compile(r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\s*$")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})
_HEADLINE_META = ("og:title", "twitter:title")
_DESCRIPTION_META = ("description", "og:description", "twitter:description")


def site_names(tree: lxml_html.HtmlElement, extractor_site_name: str | None = None, *,
               json_ld: list[dict[str, Any]] | None = None) -> tuple[str, ...]:
    """What the page says its site is called: ``og:site_name``, the article's JSON-LD ``publisher``, the
    ``WebSite``/``Organization`` name in its JSON-LD, and the extractor's site name.

    ``json_ld``: the page's :func:`~.jsonld.json_ld_objects`, when the caller has them already (parsed otherwise).
    """
    names = [str(value) for value in tree.xpath(
        "//meta[translate(@property, 'OGSITENAME', 'ogsitename')='og:site_name' or "
        "translate(@name, 'OGSITENAME', 'ogsitename')='og:site_name' or "
        "translate(@name, 'APLICTONME-', 'aplictonme-')='application-name'][@content]/@content")]
    for obj in json_ld_objects(tree) if json_ld is None else json_ld:
        if is_article(obj):
            names.extend(names_of(obj.get("publisher")))
        elif types_of(obj) & {"website", "newsmediaorganization", "organization"}:
            names.extend(names_of(obj))
    if extractor_site_name:
        names.append(extractor_site_name)
    return tuple(dict.fromkeys(name.strip() for name in names if name and name.strip()))


def _stated_texts(tree: lxml_html.HtmlElement, meta_xpath: str, meta_names: Collection[str], json_ld_key: str,
                  json_ld: list[dict[str, Any]] | None) -> list[str]:
    """The contents of the ``meta_names`` meta tags, then the article's JSON-LD ``json_ld_key``, in page order."""
    found = [meta.get("content") for meta in tree.xpath(meta_xpath)
             if (meta.get("property") or meta.get("name") or "").strip().lower() in meta_names]
    found += [obj[json_ld_key] for obj in (json_ld_objects(tree) if json_ld is None else json_ld)
              if is_article(obj) and isinstance(obj.get(json_ld_key), str)]
    return found


def stated_headlines(tree: lxml_html.HtmlElement, *, json_ld: list[dict[str, Any]] | None = None) -> tuple[str, ...]:
    """The headlines the page states besides its ``<title>``: ``og:title``/``twitter:title``, the JSON-LD
    ``headline`` of its article, its first ``<h1>``s (``json_ld`` as for :func:`site_names`)."""
    found = _stated_texts(tree, "//meta[@content]", _HEADLINE_META, "headline", json_ld)
    for heading in tree.xpath("//h1")[:2]:
        found.append(" ".join(heading.text_content().split()))
    return tuple(dict.fromkeys(text.strip() for text in found if text and text.strip()))


def stated_descriptions(tree: lxml_html.HtmlElement, *,
                        json_ld: list[dict[str, Any]] | None = None) -> tuple[str, ...]:
    """Every summary the page states about itself: ``<meta name=description>``, ``og:description``,
    ``twitter:description`` and the JSON-LD ``description`` of its article, in that order, duplicates once.

    Publishers often word them differently (a teaser for social media, the article's lead for another), so a reader
    of "the page's description" should try each (``json_ld`` as for :func:`site_names`).
    """
    found = _stated_texts(tree, "//head/meta[@content]", _DESCRIPTION_META, "description", json_ld)
    return tuple(dict.fromkeys(" ".join(text.split()) for text in found if text and text.strip()))


def _key(text: str) -> str:
    return _NOT_WORD.sub("", text).casefold()


def _keys(name: str) -> set[str]:
    """The forms a site name takes in titles: as written, transliterated, and the initials of several words."""
    words = [word for word in _NOT_WORD.split(name) if word]
    keys = {_key(name), _key(name.casefold().translate(_TRANSLITERATION))}
    if len(words) >= 2 and all(word[0].isupper() for word in words):
        keys.add("".join(word[0] for word in words).casefold())
    return {key for key in keys if key}


def _is_site_name(segment: str, keys: set[str]) -> bool:
    segment_keys = _keys(segment) - {""}
    if not segment_keys:
        return False
    if segment_keys & keys:
        return True
    return any(key == name + ending or name == key + ending
               for key in segment_keys for name in keys for ending in _DOMAIN_ENDINGS)


def strip_site_name(title: str, names: tuple[str, ...] | list[str]) -> str:
    """``title`` without a leading or trailing segment that is one of ``names``; unchanged otherwise."""
    keys = {key for name in names for key in _keys(name)}
    if not keys:
        return title
    for name in sorted(names, key=len, reverse=True):  # a site name that itself contains separators, whole
        whole = regex.match(rf"^(?P<head>.+?)\s*[{regex.escape(SEPARATORS)}]+\s*{regex.escape(name.strip())}\s*$",
                            title, regex.I)
        if whole and len(name.split()) > 2 and whole.group("head").strip():
            return whole.group("head").strip()
    stripped = title
    for _ in range(2):  # "Headline | Section | Site" loses the site only; "Site | Headline | Site.com" both ends
        separators = list(_SEGMENT.finditer(stripped))
        if not separators:
            break
        last, first = separators[-1], separators[0]
        if (len(separators) >= 2 and _DATE_SEGMENT.match(stripped[last.end():])
                and _is_site_name(stripped[separators[-2].end():last.start()], keys)):
            stripped = stripped[:separators[-2].start()].rstrip()
            continue
        if _is_site_name(stripped[last.end():], keys) and stripped[:last.start()].strip():
            stripped = stripped[:last.start()].rstrip()
        elif _is_site_name(stripped[:first.start()], keys) and stripped[first.end():].strip():
            stripped = stripped[first.end():].lstrip()
        else:
            break
    return stripped


def _same(a: str, b: str) -> bool:
    return bool(_key(a)) and _key(a) == _key(b)


def headline_variants(title: str) -> tuple[str, ...]:
    """The headline, and its parts around a kicker separator (``Topic: Headline`` → also ``Headline``)."""
    variants = [title]
    for separator in (": ", " – ", " — ", " - ", " | "):
        if separator in title:
            head, _, tail = title.partition(separator)
            variants.extend(part for part in (tail, head) if len(part.split()) >= 3)
    return tuple(dict.fromkeys(variants))


_MIN_HEADLINE_CHARS_FOR_AFFIX = 15
_MAX_AFFIX_CHARS = 60
_SENTENCE_END = (".", "!", "?", "…", "。", "।")
_EDGE = " .:|-–—"


def _with_affix(paragraph: str, headline: str) -> bool:
    """The headline with a kicker or a section label run on before or after it (``Schlachtbetriebe Das harte
    Geschäft mit dem Tod: …``): short, not a sentence, and starting or ending with the whole headline."""
    text, stated = paragraph.casefold().strip(_EDGE), headline.casefold().strip(_EDGE)
    if len(stated) < _MIN_HEADLINE_CHARS_FOR_AFFIX or len(text) > len(stated) + _MAX_AFFIX_CHARS:
        return False
    return not paragraph.rstrip().endswith(_SENTENCE_END) and (text.endswith(stated) or text.startswith(stated))


def repeats_headline(paragraph: str, titles: tuple[str, ...]) -> bool:
    """``paragraph`` says one of the page's headlines again: the same words, the headline with or without its
    kicker, or the headline with a kicker or section label run on (``_with_affix``)."""
    return any(_same(paragraph, variant) for title in titles if title for variant in headline_variants(title)) \
        or any(_with_affix(paragraph, title) for title in titles if title)


def without_headline_repeat(paragraphs: tuple[str, ...] | list[str], titles: tuple[str, ...]) -> tuple[str, ...]:
    """``paragraphs`` without those of its leading ``_WINDOW`` paragraphs that repeat a headline
    (:func:`repeats_headline`); ``titles`` are the headlines the page states (the cleaned title, the raw one,
    og:title, JSON-LD headline, ``<h1>``). Every repeat in the window goes: extractors keep the ``<h1>`` and
    sometimes its kicker line too."""
    if not any(titles):
        return tuple(paragraphs)
    head = [paragraph for paragraph in paragraphs[:_WINDOW] if not repeats_headline(paragraph, titles)]
    return tuple(head) + tuple(paragraphs[_WINDOW:])
