"""The real news pages of ``../shared/data/news-pages`` with their ground truth, read at run time (never copied).

Layout (see that folder's README): ``<country>/<Publisher>_<YYYY_MM_DD>.html.gz`` (the page as fetched),
``<country>/<Publisher>.json`` (one ground-truth entry per parser version) and ``<country>/meta.info`` (each page's
URL and crawl date). A page belongs to the entry whose title occurs in it.
"""

from __future__ import annotations

import gzip
import html
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from presspipe.pipelines.enrich.normalize import normalize_paragraph

NEWS_PAGES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "news-pages"


@dataclass(frozen=True)
class NewsPage:
    """One fetched page: its bytes (un-gzipped), where it came from, and its ground truth when one matches."""

    name: str  # country/file, e.g. "de/DW_2023_04_28.html.gz"
    url: str
    crawled_at: datetime | None
    html: bytes
    truth_title: str | None
    truth_published: str | None  # the ground truth's ``publishing_date`` as written there
    truth_body: str | None = None  # the reference text that extraction is scored against (:func:`reference_body`)

    @property
    def publisher(self) -> str:
        return self.name.split("/", 1)[1].rsplit("_", 3)[0]


def _truth_for(page_text: str, entries: dict[str, dict], rank: int) -> dict | None:
    """The ground-truth entry of a page: one whose title occurs in it (README of the data set). Entries are in the
    order of the publisher's page dates, so when several titles occur (a headline kept across versions) the entry at
    the page's own rank among the publisher's pages wins; titles and page are compared with whitespace normalised
    and HTML entities resolved, as a reader sees them."""
    text = normalize_paragraph(html.unescape(page_text))
    matching = [entry for entry in entries.values()
                if entry.get("title") and normalize_paragraph(entry["title"]) in text]
    ranked = list(entries.values())[rank] if rank < len(entries) else None
    if ranked is not None and any(entry is ranked for entry in matching):
        return ranked
    return matching[0] if matching else None


def reference_body(entry: dict) -> str:
    """The scored reference text: summary, then each section's headlines and paragraphs, one per line."""
    body = entry.get("body") or {}
    parts = list(body.get("summary", []))
    for section in body.get("sections", []):
        parts += section.get("headline", []) + section.get("paragraphs", [])
    return "\n".join(parts)


def load_news_pages(root: Path = NEWS_PAGES_DIR) -> list[NewsPage]:
    """Every page under ``root``, sorted by name; raises FileNotFoundError when the folder is missing."""
    if not root.is_dir():
        raise FileNotFoundError(f"news pages not found at {root}")
    pages = []
    for country in sorted(path for path in root.iterdir() if path.is_dir()):
        meta = json.loads((country / "meta.info").read_text(encoding="utf-8"))
        truths: dict[str, dict] = {}
        ranks: dict[str, int] = {}
        for page_path in sorted(country.glob("*.html.gz")):  # by publisher, then date: the entries' order
            publisher = page_path.name.rsplit("_", 3)[0]
            if publisher not in truths:
                truth_path = country / f"{publisher}.json"
                truths[publisher] = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.is_file() else {}
            rank = ranks[publisher] = ranks.get(publisher, -1) + 1
            data = gzip.decompress(page_path.read_bytes())
            entry = _truth_for(data.decode("utf-8", errors="replace"), truths[publisher], rank)
            info = meta.get(page_path.name, {})
            crawled = info.get("crawl_date")
            pages.append(NewsPage(
                name=f"{country.name}/{page_path.name}", url=info.get("url") or f"https://{publisher}.test/{page_path.name}",
                crawled_at=datetime.fromisoformat(crawled) if crawled else None, html=data,
                truth_title=entry.get("title") if entry else None,
                truth_published=entry.get("publishing_date") if entry else None,
                truth_body=reference_body(entry) if entry else None))
    return pages
