"""The real news pages of ``../shared/data/news-pages`` against their ground truth: publication times and titles.

The pages are read from the shared folder at run time (never copied here); the comparison with the ground truth
(``classify_published``, the title-suffix check) is the benchmark's, written apart from the code under test.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from benchmarks.backfill_warc import _SEPARATOR_SUFFIX, classify_published
from benchmarks.news_pages import load_news_pages
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.record import Provenance, enrich_article
from presspipe.schemas.records import RawArticle, Source

from .conftest import FIXED_TIME


@pytest.fixture(scope="module")
def enriched(shared_dir):
    pages = load_news_pages(shared_dir / "data" / "news-pages")
    out = []
    for page in pages:
        raw = RawArticle(id=page.name, url=page.url, source=Source("files", "news-pages"), fetched_at=FIXED_TIME,
                         content_type="text/html", body=page.html, http_status=200)
        try:
            out.append((page, enrich_article(raw, provenance=Provenance(), processed_at=FIXED_TIME)))
        except EnrichmentError:
            out.append((page, None))
    return out


def test_publication_times_follow_the_page_not_midnight_utc(enriched):
    outcomes = Counter(classify_published(article, page.truth_published) for page, article in enriched
                       if page.truth_published and article is not None)
    zoned = sum(1 for page, article in enriched if article is not None and page.truth_published
                and datetime.fromisoformat(page.truth_published).tzinfo is not None)
    # the failure modes of reading date-only or naive strings as UTC: none of them left
    assert outcomes["midnight_utc"] == outcomes["local_as_utc"] == outcomes["wrong_day"] == outcomes["other"] == 0
    # a time stated with its zone comes out exact on every page that has one
    assert outcomes["exact"] == zoned, outcomes


def test_precision_and_date_are_consistent(enriched):
    for page, article in enriched:
        if article is None or article.published_at_precision is None:
            continue
        assert article.published_date is not None, page.name
        if article.published_at_precision == "date":
            assert article.published_at is None, page.name
        else:
            assert article.published_at is not None, page.name


def test_titles_lose_the_site_name_and_bodies_the_headline(enriched):
    suffixed, repeated = [], []
    for page, article in enriched:
        if article is None or not page.truth_title or not article.title:
            continue
        title, truth = article.title.strip(), page.truth_title.strip()
        if title != truth and title.startswith(truth) and _SEPARATOR_SUFFIX.match(title[len(truth):]):
            suffixed.append(page.name)
        first = article.paragraphs[0].casefold().strip(" .:|-–—")
        if first in (truth.casefold().strip(" .:|-–—"), title.casefold().strip(" .:|-–—")):
            repeated.append(page.name)
    # left: a section name ("- National") and two site names written other than the page states them
    assert len(suffixed) <= 3, suffixed
    assert repeated == []
