"""RSS 0.9x/1.0/2.0 and Atom feeds → the pages their entries link to.

Each feed is fetched with a conditional GET (its ETag/Last-Modified from the state); each entry's page goes through
``PageFetcher`` with the entry's title, published time, authors and the feed's language as hints. A feed's
validators are stored only after every new page it listed was acknowledged, so a crash means the next poll sees
the feed again rather than a 304 that hides unproduced entries.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator
from urllib.parse import urljoin

import feedparser

from presspipe.connectors.base import Connector, FetchFailure, FetchResult, FetchSkipped
from presspipe.connectors.http_client import FetchError, PoliteClient
from presspipe.connectors.pages import PageFetcher, PageLead
from presspipe.connectors.state import ConnectorState, PendingGroups
from presspipe.schemas import Hints, RawArticle


# feedparser flags these but parses the document fine (a wrong declared encoding is common in real feeds).
BENIGN_FEED_ERRORS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class NotAFeedError(ValueError):
    """The document is not RSS or Atom (HTML error page, broken XML, empty body)."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published: datetime | None
    updated: datetime | None
    authors: tuple[str, ...]


@dataclass(frozen=True)
class ParsedFeed:
    version: str
    title: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None) -> ParsedFeed:
    """Entries with a link (resolved against the feed URL); raises ``NotAFeedError`` for anything not a feed.

    feedparser never fetches here: it is given bytes, and its ``bozo`` flag alone is not fatal (many real feeds
    declare the wrong encoding), but a document with no recognised feed version is.
    """
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version"):
        raise NotAFeedError("not an RSS or Atom feed (no RSS or Atom root element)")
    feed = parsed.get("feed", {})
    entries = []
    for entry in parsed.get("entries", []):
        link = entry.get("link") or _first_alternate(entry)
        if not link:
            continue
        entries.append(FeedEntry(
            url=urljoin(feed_url, link.strip()),
            title=(entry.get("title") or "").strip() or None,
            published=_struct_time_utc(entry.get("published_parsed")),
            # dict.get: FeedParserDict.get would alias a missing updated_parsed to published_parsed.
            updated=_struct_time_utc(dict.get(entry, "updated_parsed")),
            authors=_authors(entry)))
    error = parsed.get("bozo_exception")
    if not entries and parsed.get("bozo") and not isinstance(error, BENIGN_FEED_ERRORS):
        raise NotAFeedError(f"broken feed with no usable entries: {type(error).__name__}")
    return ParsedFeed(version=parsed["version"], title=feed.get("title"), language=_language(feed.get("language")),
                      entries=tuple(entries))


def entry_hints(entry: FeedEntry, feed: ParsedFeed) -> Hints:
    return Hints(title=entry.title, published_at=entry.published or entry.updated, authors=entry.authors,
                 language=feed.language)


class FeedsConnector(Connector):
    name = "feed"

    def __init__(self, feed_urls: list[str], client: PoliteClient, state: ConnectorState, workers: int = 8):
        self.feed_urls = feed_urls
        self.client = client
        self.state = state
        self.pending = PendingGroups()
        self.pages = PageFetcher(self.name, ",".join(feed_urls), client, state, self.pending, workers=workers)

    def fetch(self) -> Iterator[FetchResult]:
        for feed_url in self.feed_urls:
            yield from self._one_feed(feed_url)

    def on_acknowledged(self, raw: RawArticle) -> None:
        self.pages.acknowledged(raw)

    def _one_feed(self, feed_url: str) -> Iterator[FetchResult]:
        validators, _ = self.state.source(feed_url)
        try:
            response = self.client.get(feed_url, validators)
        except FetchError as error:
            yield FetchFailure(feed_url, str(error), type(error).__name__)
            return
        if response.not_modified:
            yield FetchSkipped(feed_url, "feed not modified (304)")
            return
        try:
            feed = parse_feed(response.body, response.final_url, response.headers.get("content-type"))
        except NotAFeedError as error:
            yield FetchFailure(feed_url, str(error), type(error).__name__)
            return
        leads = [PageLead(url=entry.url, group=feed_url, hints=entry_hints(entry, feed),
                          announced=entry.updated or entry.published) for entry in feed.entries]
        yield from self.pages.fetch_pages(leads)
        self.pending.close(feed_url, lambda: self.state.commit_source(feed_url, response.validators))


def _struct_time_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser normalises dates to UTC ``struct_time``; keep them timezone-aware."""
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), timezone.utc)


def _authors(entry: dict) -> tuple[str, ...]:
    names = [author.get("name", "").strip() for author in entry.get("authors", []) if isinstance(author, dict)]
    names = [name for name in names if name]
    if not names and entry.get("author"):
        names = [entry["author"].strip()]
    return tuple(dict.fromkeys(names))


def _first_alternate(entry: dict) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None


def _language(value: str | None) -> str | None:
    return value.strip().split("-")[0].lower() if value and value.strip() else None
