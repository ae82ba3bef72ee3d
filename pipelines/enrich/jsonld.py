"""The JSON-LD a page embeds (``<script type="application/ld+json">``), as a flat list of objects.

Publishers' JSON-LD is often sloppy: raw control characters in strings, several objects in one array, ``@graph``
containers, entities nested under ``mainEntity``. A block that does not parse is skipped, never an error: the page's
other metadata still counts.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from lxml import html as lxml_html

_SCRIPTS = "//script[translate(normalize-space(@type), 'LDJSONAPLICT+', 'ldjsonaplict+')='application/ld+json']"
_MAX_DEPTH = 6
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "webpage", "report", "scholarlyarticle", "techarticle", "videoobject",
})


def json_ld_objects(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD blocks, in document order, containers flattened."""
    objects: list[dict[str, Any]] = []
    for script in tree.xpath(_SCRIPTS):
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            document = json.loads(text, strict=False)
        except ValueError:
            continue
        objects.extend(_flatten(document, 0))
    return objects


def _flatten(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if isinstance(value.get(key), (list, dict)):
                yield from _flatten(value[key], depth + 1)


def types_of(obj: dict[str, Any]) -> set[str]:
    """The object's ``@type`` values, lower-cased (a string or a list of strings)."""
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {item.strip().lower() for item in values if isinstance(item, str)}


def is_article(obj: dict[str, Any]) -> bool:
    return bool(types_of(obj) & ARTICLE_TYPES)


def names_of(value: Any) -> list[str]:
    """``name`` of an object (or of each object in a list), or the value itself when it is a string."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        name = value.get("name")
        return [name.strip()] if isinstance(name, str) and name.strip() else []
    if isinstance(value, list):
        return [name for item in value for name in names_of(item)]
    return []
