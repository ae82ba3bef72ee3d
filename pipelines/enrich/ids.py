"""Stable identifiers: the article id (from its URL, or its text when it has none) and the content hash."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

ID_HEX_CHARS = 32


def normalize_url(url: str) -> str:
    """Lower-cased scheme and host, default port and fragment dropped; path and query kept as they are."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # unparseable (e.g. a broken IPv6 literal): the text itself is still a stable key
        return url.strip()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a non-numeric or out-of-range port: keep the address as written
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def article_id(canonical_url: str | None, url: str | None, body: str, *, truncated: bool = False) -> str:
    """sha256 (first 32 hex) of the normalised canonical URL, else of the fetch URL, else of the cleaned body.

    Re-fetching the same page (under another tracking URL, once a canonical link is present) yields the same id, so
    the enriched topic's key deduplicates it.

    A truncated copy (``truncated``: the raw body was cut) gets an id of its own, the hash of ``truncated:`` and the
    same key: a topic compacted or deduplicated by key then never replaces the complete page with a cut copy, in
    whichever order the two arrive. Consumers that want one record per page drop ``truncated`` articles whose
    complete copy they have.
    """
    address = canonical_url or url
    key = normalize_url(address) if address else "body:" + body
    if truncated:
        key = "truncated:" + key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def content_hash(body: str) -> str:
    """sha256 of the cleaned body: equal for the same text under different URLs."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
