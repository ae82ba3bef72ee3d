"""HTTP statuses and truncated bodies through ``enrich_article``: what becomes a dead letter, what is flagged."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from presspipe.pipelines.enrich.errors import HttpStatusError, RedirectResponseError, TruncatedArticleError
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, enrich_article
from presspipe.schemas.records import Hints

from .conftest import FIXED_TIME, make_raw

SENTENCES = [f"Paragraph {n} of the council report says the budget for roads and schools grows by {n} percent "
             f"next year, after a long debate in the town hall that lasted until late in the evening."
             for n in range(1, 9)]
PAGE = ("<html lang='en'><head><title>Council budget | Town Courier</title>"
        "<meta property='og:site_name' content='Town Courier'></head><body><article><h1>Council budget</h1>"
        + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</article></body></html>").encode()
URL = "https://courier.test/news/council-budget"


def enrich(raw, settings: EnrichSettings = EnrichSettings()):
    return enrich_article(raw, provenance=Provenance(), processed_at=FIXED_TIME, settings=settings)


def test_a_2xx_page_keeps_its_status_and_loses_its_site_name_and_headline_repeat():
    article = enrich(replace(make_raw(PAGE, url=URL), http_status=200))
    assert article.http_status == 200 and not article.truncated and article.truncation_reason is None
    assert article.title == "Council budget" and article.paragraphs[0] == SENTENCES[0]


@pytest.mark.parametrize("status", [404, 410, 500, 503, 304])
def test_a_non_2xx_page_is_a_status_dead_letter(status):
    with pytest.raises(HttpStatusError) as caught:
        enrich(replace(make_raw(PAGE, url=URL), http_status=status))
    assert caught.value.stage == "status" and caught.value.status == status
    assert type(caught.value) is HttpStatusError and str(status) in str(caught.value)


def test_a_redirect_with_a_location_is_recorded_as_one():
    raw = replace(make_raw(b"<html><body>Moved</body></html>", url=URL), http_status=301,
                  headers={"location": "https://courier.test/news/council-budget-2024"})
    with pytest.raises(RedirectResponseError) as caught:
        enrich(raw)
    assert caught.value.location == "https://courier.test/news/council-budget-2024"
    assert caught.value.stage == "status" and "redirect" in str(caught.value)


def test_a_redirect_without_location_is_a_plain_status_error():
    with pytest.raises(HttpStatusError) as caught:
        enrich(replace(make_raw(PAGE, url=URL), http_status=302))
    assert type(caught.value) is HttpStatusError


def test_accepted_statuses_are_enriched():
    article = enrich(replace(make_raw(PAGE, url=URL), http_status=404), EnrichSettings(accepted_http_statuses=(404,)))
    assert article.http_status == 404 and article.word_count > 100


def test_no_status_is_a_local_file_and_passes():
    assert enrich(make_raw(PAGE, url=URL)).http_status is None


def test_a_truncated_copy_is_flagged_and_keyed_apart_from_the_complete_page():
    complete = enrich(make_raw(PAGE, url=URL))
    cut = enrich(replace(make_raw(PAGE[:int(len(PAGE) * 0.7)], url=URL), truncated=True, truncation_reason="length"))
    assert (cut.truncated, cut.truncation_reason) == (True, "length")
    assert cut.id != complete.id and cut.url == complete.url
    assert cut.word_count < complete.word_count
    # the same cut copy always gets the same id (a replay does not multiply it)
    again = enrich(replace(make_raw(PAGE[:int(len(PAGE) * 0.7)], url=URL), truncated=True, truncation_reason="length"))
    assert again.id == cut.id


def test_a_truncated_body_left_without_the_article_is_a_dead_letter():
    head_only = PAGE[:PAGE.index(b"<p>") + 3 + 150]  # the cut came in the first paragraph
    with pytest.raises(TruncatedArticleError) as caught:
        enrich(replace(make_raw(head_only, url=URL), truncated=True, truncation_reason="time"))
    assert caught.value.stage == "extract" and "time" in str(caught.value)
    with pytest.raises(TruncatedArticleError):
        enrich(replace(make_raw(PAGE[:80], url=URL), truncated=True, truncation_reason="length"))


def test_the_same_short_body_untruncated_is_an_article():
    short = PAGE[:PAGE.index(b"<p>") + 3 + 150] + b"</p></article></body></html>"
    assert enrich(make_raw(short, url=URL)).word_count < EnrichSettings().min_truncated_words


def test_a_feed_time_fills_a_date_only_page_on_the_same_day_and_not_another():
    page = PAGE.replace(b"</head>", b"<meta property='article:published_time' content='2024-06-19'></head>")
    same_day = Hints(published_at=datetime(2024, 6, 19, 7, 55, 25, tzinfo=timezone.utc))
    article = enrich(make_raw(page, url=URL, hints=same_day))
    assert (article.published_at, article.published_at_precision, article.published_date) == (
        same_day.published_at, "datetime", "2024-06-19")
    other_day = Hints(published_at=datetime(2024, 6, 21, 7, 0, tzinfo=timezone.utc))
    article = enrich(make_raw(page, url=URL, hints=other_day))
    assert (article.published_at, article.published_at_precision, article.published_date) == (None, "date", "2024-06-19")
