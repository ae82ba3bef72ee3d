"""Sitemaps (sitemaps.org 0.9), sitemap indexes and Google News sitemaps → the pages they list.

XML is parsed with lxml without entity expansion, DTD loading, network access or huge-tree mode, so a hostile
sitemap cannot make the parser read files, call out or eat memory. ``.gz`` sitemaps (gzip magic bytes, whatever the
headers say) are inflated with a cap. An index is followed breadth-first, each sitemap at most once per run (loops
end), up to ``max_sitemaps``; a child sitemap whose ``lastmod`` is not newer than the one recorded last time is
not fetched again. ``--since`` keeps pages whose publication date (else lastmod) is at or after it; undated pages
are kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator
from urllib.parse import urljoin

from lxml import etree

from presspipe.connectors.base import Connector, FetchFailure, FetchResult, FetchSkipped
from presspipe.connectors.http_client import FetchError, PoliteClient
from presspipe.connectors.pages import PageFetcher, PageLead
from presspipe.connectors.state import ConnectorState, PendingGroups, Validators
from presspipe.core.compression import InflateError, gunzip_capped, is_gzip
from presspipe.schemas import Hints, RawArticle

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_INFLATED_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed sitemap


class NotASitemapError(ValueError):
    """Not XML, or XML whose root is neither ``urlset`` nor ``sitemapindex``."""


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None
    news_title: str | None = None
    news_published: datetime | None = None
    news_language: str | None = None

    @property
    def date(self) -> datetime | None:
        return self.news_published or self.lastmod


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "urlset" or "index"
    urls: tuple[SitemapUrl, ...]


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def inflate_if_gzip(body: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """Gunzip a body that starts with the gzip magic bytes, refusing to inflate past ``limit``."""
    if not is_gzip(body):
        return body
    try:
        return gunzip_capped(body, limit)
    except InflateError as error:
        raise NotASitemapError(f"sitemap gzip data: {error}") from error


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A urlset or a sitemap index; ``loc`` resolved against ``base_url``, dates parsed as W3C datetimes (UTC)."""
    try:
        root = etree.fromstring(inflate_if_gzip(body), parser=safe_parser())
    except etree.XMLSyntaxError as error:
        raise NotASitemapError(f"not well-formed XML: {error}") from error
    if root is None:
        raise NotASitemapError("empty document")
    local = etree.QName(root).localname
    if local not in ("urlset", "sitemapindex"):
        raise NotASitemapError(f"root element <{local}> is neither <urlset> nor <sitemapindex>")
    child_name = "url" if local == "urlset" else "sitemap"
    urls = []
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != child_name:
            continue
        loc = _text(element, "loc")
        if not loc:
            continue
        news = _child(element, f"{{{NEWS_NS}}}news")
        urls.append(SitemapUrl(
            loc=urljoin(base_url, loc),
            lastmod=parse_w3c_datetime(_text(element, "lastmod")),
            news_title=_text(news, "title", NEWS_NS) if news is not None else None,
            news_published=parse_w3c_datetime(_text(news, "publication_date", NEWS_NS)) if news is not None else None,
            news_language=_text(_child(news, f"{{{NEWS_NS}}}publication"), "language", NEWS_NS)
            if news is not None else None))
    return Sitemap(kind="urlset" if local == "urlset" else "index", urls=tuple(urls))


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """W3C Datetime (``YYYY``, ``YYYY-MM-DD``, with time and zone); naive times are taken as UTC, bad ones → None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) in (4, 7):
        text = text + ("-01-01" if len(text) == 4 else "-01")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def url_hints(url: SitemapUrl) -> Hints | None:
    if not (url.news_title or url.news_published or url.news_language):
        return None
    return Hints(title=url.news_title, published_at=url.news_published,
                 language=url.news_language.split("-")[0].lower() if url.news_language else None)


class SitemapsConnector(Connector):
    name = "sitemap"

    def __init__(self, sitemap_urls: list[str], client: PoliteClient, state: ConnectorState,
                 since: datetime | None = None, max_sitemaps: int = 1000, workers: int = 8):
        self.sitemap_urls = sitemap_urls
        self.client = client
        self.state = state
        self.since = since
        self.max_sitemaps = max_sitemaps
        self.pending = PendingGroups()
        self.pages = PageFetcher(self.name, ",".join(sitemap_urls), client, state, self.pending, workers=workers)

    def on_acknowledged(self, raw: RawArticle) -> None:
        self.pages.acknowledged(raw)

    def fetch(self) -> Iterator[FetchResult]:
        queue: deque[tuple[str, datetime | None]] = deque((url, None) for url in self.sitemap_urls)
        visited: set[str] = set()
        while queue:
            sitemap_url, announced = queue.popleft()
            if sitemap_url in visited:
                continue
            visited.add(sitemap_url)
            if len(visited) > self.max_sitemaps:
                yield FetchFailure(sitemap_url, f"more than max_sitemaps={self.max_sitemaps} sitemaps",
                                   "TooManySitemaps")
                continue
            validators, recorded = self.state.source(sitemap_url)
            if announced is not None and recorded is not None and announced <= recorded:
                yield FetchSkipped(sitemap_url, "sitemap lastmod not newer than last run")
                continue
            try:
                response = self.client.get(sitemap_url, validators)
                if response.not_modified:
                    yield FetchSkipped(sitemap_url, "sitemap not modified (304)")
                    continue
                sitemap = parse_sitemap(response.body, response.final_url)
            except (FetchError, NotASitemapError) as error:
                yield FetchFailure(sitemap_url, str(error), type(error).__name__)
                continue
            if sitemap.kind == "index":
                # An index is never recorded: its children carry the dates, and a 304 on it would hide them.
                queue.extend((child.loc, child.lastmod) for child in sitemap.urls)
                continue
            yield from self._urlset(sitemap_url, sitemap, announced, response.validators)

    def _urlset(self, sitemap_url: str, sitemap: Sitemap, announced: datetime | None,
                validators: Validators) -> Iterator[FetchResult]:
        leads = []
        for url in sitemap.urls:
            if self.since is not None and url.date is not None and url.date < self.since:
                yield FetchSkipped(url.loc, f"dated {url.date.isoformat()}, before --since")
                continue
            leads.append(PageLead(url=url.loc, group=sitemap_url, hints=url_hints(url), announced=url.lastmod
                                  or url.news_published))
        yield from self.pages.fetch_pages(leads)
        self.pending.close(sitemap_url, lambda: self.state.commit_source(sitemap_url, validators, announced))


def _child(element, tag: str):
    return None if element is None else element.find(tag)


def _text(element, name: str, namespace: str = SITEMAP_NS) -> str | None:
    if element is None:
        return None
    found = element.find(f"{{{namespace}}}{name}")
    if found is None:
        found = element.find(name)  # sitemaps without the namespace declaration are common
    return found.text.strip() if found is not None and found.text and found.text.strip() else None
