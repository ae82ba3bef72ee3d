"""A CC-NEWS-style WARC of the real news pages, built at run time, and what a backfill makes of it.

``build_backfill_warc(pages, path)`` writes, with warcio, what a news crawl archive holds: a ``warcinfo`` record,
then per page a ``request``, the ``response`` and a ``metadata`` record; some bodies sent with
``Content-Encoding: gzip``; the largest pages captured a second time cut at 1 MiB (``WARC-Truncated: length``, the
crawler's cap) and one page cut at 40 % (``WARC-Truncated: time``); a ``404`` page-not-found response; a ``301``
with a ``Location``; and one response whose gzip member is damaged. Nothing of the pages is stored in the
repository: they are read from ``../shared/data/news-pages`` (see :mod:`benchmarks.news_pages`).

``python -m benchmarks.backfill_warc`` builds that archive in a temporary folder, reads it with the WARC connector
(state in a temporary SQLite file, acknowledgements given in process: no broker), enriches every record in process
and prints one JSON object per count (the six items of issue #19), then a summary line. Counts, not times.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from benchmarks.news_pages import NewsPage, load_news_pages

CRAWLER_CAP_BYTES = 1 << 20
NOT_FOUND_URL = "https://www.example-news.test/politics/2024/05/a-story-that-moved"
REDIRECT_URL = "https://www.example-news.test/p/12345"
REDIRECT_TARGET = "https://www.example-news.test/politics/2024/05/the-story-itself"
#: Written for this benchmark: the furniture of a typical CMS's "page not found" answer.
NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Page not found | Example News</title><meta property="og:site_name" content="Example News"></head>
<body><header><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav></header><main><article><h1>Sorry, we could not find that page</h1>
<p>The page you were looking for may have been moved, renamed or removed, or the address may have been typed
incorrectly. Please check the spelling of the address, or use the search box at the top of the page to find the
story you were looking for.</p>
<p>You can also return to our home page, where you will find the latest news, analysis and opinion from our
reporters around the world, or browse one of the sections in the menu above. If you think this is an error,
please contact our newsroom and tell us which link brought you here.</p></article></main>
<footer><p>Copyright Example News. All rights reserved.</p></footer></body></html>"""


@dataclass(frozen=True)
class BuiltWarc:
    path: Path
    pages: tuple[NewsPage, ...]
    truncated_urls: tuple[str, ...]  # pages captured twice: complete, and cut
    corrupt_url: str  # the page whose only capture has a damaged gzip member


def _declared_charset(page: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", page[:4096], re.I)
    return match.group(1).decode("ascii").lower() if match else None


def _response(writer: WARCWriter, url: str, body: bytes, *, status: str = "200 OK", content_type: str,
              extra_http: Sequence[tuple[str, str]] = (), warc_headers: dict | None = None, when: datetime):
    http = StatusAndHeaders(status, [("Content-Type", content_type), *extra_http], protocol="HTTP/1.1")
    headers = {"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"), **(warc_headers or {})}
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                     warc_headers_dict=headers)


def build_backfill_warc(pages: Sequence[NewsPage], path: Path) -> BuiltWarc:
    """Write the archive described in the module docstring; returns what was put where."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "presspipe benchmarks",
                                                                  "format": "WARC File Format 1.1"}))
    when = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    by_size = sorted(pages, key=lambda page: len(page.html), reverse=True)
    cut_at_cap = [page for page in by_size if len(page.html) > CRAWLER_CAP_BYTES][:3]
    cut_in_time = by_size[len(by_size) // 2]
    corrupt = by_size[len(by_size) // 3]
    corrupt_offset = None
    for number, page in enumerate(pages):
        when += timedelta(seconds=7)
        charset = _declared_charset(page.html)
        content_type = f"text/html; charset={charset}" if charset else "text/html"
        request = f"GET / HTTP/1.1\r\nHost: {page.url.split('/')[2]}\r\nUser-Agent: presspipe-bench\r\n\r\n"
        writer.write_record(writer.create_warc_record(
            page.url, "request", payload=io.BytesIO(request.encode()),
            warc_content_type="application/http; msgtype=request"))
        if number % 10 == 3:  # a server that compressed the body
            record = _response(writer, page.url, gzip.compress(page.html, mtime=0), content_type=content_type,
                               extra_http=[("Content-Encoding", "gzip")], when=when)
        else:
            record = _response(writer, page.url, page.html, content_type=content_type, when=when)
        if page is corrupt:
            corrupt_offset = buffer.tell()
        writer.write_record(record)
        writer.write_record(writer.create_warc_record(
            page.url, "metadata", payload=io.BytesIO(f"fetchTimeMs: {100 + number}\r\n".encode()),
            warc_content_type="application/warc-fields"))
        if page in cut_at_cap or page is cut_in_time:
            cut, reason = ((CRAWLER_CAP_BYTES, "length") if page is not cut_in_time
                           else (int(len(page.html) * 0.4), "time"))
            writer.write_record(_response(writer, page.url, page.html[:cut], content_type=content_type,
                                          warc_headers={"WARC-Truncated": reason}, when=when + timedelta(hours=1)))
    writer.write_record(_response(writer, NOT_FOUND_URL, NOT_FOUND_PAGE.encode(), status="404 Not Found",
                                  content_type="text/html; charset=utf-8", when=when))
    writer.write_record(_response(writer, REDIRECT_URL, b"<html><body>Moved Permanently</body></html>",
                                  status="301 Moved Permanently", content_type="text/html",
                                  extra_http=[("Location", REDIRECT_TARGET)], when=when))
    data = bytearray(buffer.getvalue())
    # Damage the middle of the chosen response's gzip member (its deflate data): the member no longer inflates.
    member_end = _next_record_offset(bytes(data), corrupt_offset)
    middle = corrupt_offset + (member_end - corrupt_offset) // 2
    data[middle:middle + 32] = b"\x00\xff" * 16
    path.write_bytes(bytes(data))
    return BuiltWarc(path, tuple(pages), tuple(page.url for page in [*cut_at_cap, cut_in_time]), corrupt.url)


def _next_record_offset(data: bytes, offset: int) -> int:
    iterator = ArchiveIterator(io.BytesIO(data))
    for record in iterator:
        record.content_stream().read()
        if iterator.get_record_offset() > offset:
            return iterator.get_record_offset()
    return len(data)


# --------------------------------------------------------------------------------------------------------- counting

_SEPARATOR_SUFFIX = re.compile(r"^\s*[|\-–—:·»/]\s*\S")


def _truth_instant(text: str) -> tuple[datetime | None, str]:
    """The ground truth's time and its kind: ``zoned`` (offset given), ``naive`` (a time, no zone) or ``date``."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        return parsed, "zoned"
    return parsed, "date" if (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0) else "naive"


def classify_published(article, truth: str | None) -> str:
    """How the article's publication time compares with the ground truth of a zoned truth time.

    ``exact`` (within a second), ``missing``, ``midnight_utc`` (the date kept, the time cut to 00:00Z),
    ``local_as_utc`` (the right wall-clock time stamped as UTC), ``wrong_day`` or ``other`` -- and for date-only or
    naive truths ``date_ok`` / ``date_wrong`` (the page's calendar date against the truth's).
    """
    if truth is None:
        return "no_truth"
    moment, kind = _truth_instant(truth)
    published = article.published_at if article is not None else None
    stated_date = getattr(article, "published_date", None) if article is not None else None
    if kind != "zoned":
        day = stated_date or (published.date().isoformat() if published else None)
        return "date_ok" if day == moment.date().isoformat() else ("missing" if day is None else "date_wrong")
    if published is None:
        if stated_date is not None:
            return "date_only" if stated_date == moment.date().isoformat() else "date_wrong"
        return "missing"
    if abs((published - moment).total_seconds()) < 1:
        return "exact"
    local = moment.replace(tzinfo=None)
    if published.replace(tzinfo=None) == local:
        return "local_as_utc"
    if (published.hour, published.minute, published.second) == (0, 0, 0) and published.date() in (
            moment.date(), moment.astimezone(timezone.utc).date()):
        return "midnight_utc"
    if published.date() != moment.astimezone(timezone.utc).date():
        return "wrong_day"
    return "other"


def _same_text(a: str, b: str) -> bool:
    return a.casefold().strip(" .:|-–—") == b.casefold().strip(" .:|-–—")


def fidelity_counts(built: BuiltWarc, state_path: Path) -> dict[str, object]:
    """Read ``built`` with the WARC connector and enrich every record; the counts of the six items of issue #19."""
    from presspipe.connectors.base import FetchFailure
    from presspipe.connectors.state import ConnectorState
    from presspipe.connectors.warc import WarcConnector, file_key
    from presspipe.pipelines.enrich.errors import EnrichmentError
    from presspipe.pipelines.enrich.record import Provenance, enrich_article
    from presspipe.schemas import RawArticle

    truth_of = {page.url: page for page in built.pages}
    counts: Counter = Counter()
    published: Counter = Counter()
    complete_ids: dict[str, str] = {}
    truncated_articles: list = []
    with ConnectorState(state_path) as state:
        connector = WarcConnector([built.path], state)
        results = list(connector.fetch())
        for result in results:
            if isinstance(result, RawArticle):
                connector.on_acknowledged(result)
        # Before issue #19 the state had no status: a file read to its end was "complete" whatever failed in it.
        status_of = getattr(state, "warc_status", None)
        key = file_key(built.path)
        counts["warc_status"] = status_of(key) if status_of else (
            "complete" if state.warc_progress(key)[1] else "in progress")
    failures = [r for r in results if isinstance(r, FetchFailure)]
    counts["corrupt_fetch_failures"] = sum(r.error_type == "CorruptRecordError" for r in failures)
    counts["corrupt_dead_letters"] = sum(getattr(r, "dead_letter", None) is not None for r in failures)
    for raw in (r for r in results if isinstance(r, RawArticle)):
        is_cut = bool(getattr(raw, "truncated", False) or raw.headers.get("warc-truncated"))
        try:
            article = enrich_article(raw, provenance=Provenance())
        except EnrichmentError as error:
            article = None
            outcome = f"dead_letter:{error.stage}:{type(error).__name__}"
        else:
            outcome = "article"
        if raw.url == NOT_FOUND_URL:
            counts[f"404_{outcome}"] += 1
            continue
        if raw.url == REDIRECT_URL:
            counts[f"301_{outcome}"] += 1
            continue
        if is_cut:
            counts[f"truncated_{outcome}"] += 1
            if article is not None:
                truncated_articles.append(article)
                counts["truncated_articles_flagged"] += bool(getattr(article, "truncated", False))
            continue
        page = truth_of[raw.url]
        counts[f"complete_{outcome}"] += 1
        if article is None:
            continue
        complete_ids[raw.url] = article.id
        counts["complete_articles_with_http_status_200"] += getattr(article, "http_status", None) == 200
        if page.truth_published:
            published[classify_published(article, page.truth_published)] += 1
        if article.title and page.truth_title:
            title, truth = article.title.strip(), page.truth_title.strip()
            if title != truth and title.startswith(truth) and _SEPARATOR_SUFFIX.match(title[len(truth):]):
                counts["title_keeps_site_suffix"] += 1
            if article.paragraphs and (_same_text(article.paragraphs[0], truth) or
                                       _same_text(article.paragraphs[0], title)):
                counts["body_starts_with_headline"] += 1
    counts["truncated_articles_sharing_complete_id"] = sum(
        1 for article in truncated_articles if article.id in complete_ids.values())
    return {**dict(counts), "published_at": dict(published),
            "published_wrong": sum(n for kind, n in published.items()
                                   if kind in ("midnight_utc", "local_as_utc", "wrong_day", "other", "date_wrong"))}


def main(argv: Sequence[str] | None = None) -> int:
    pages = load_news_pages()
    with tempfile.TemporaryDirectory(prefix="presspipe-backfill-warc-") as folder:
        built = build_backfill_warc(pages, Path(folder) / "cc-news-sample.warc.gz")
        counts = fidelity_counts(built, Path(folder) / "warc.sqlite")
    for name, value in counts.items():
        print(json.dumps({"name": name, "value": value}, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
