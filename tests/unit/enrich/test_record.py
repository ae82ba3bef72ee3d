from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from presspipe.pipelines.enrich.clean import is_caption_line, is_edge_furniture, is_image_file_line, read_also_kind
from presspipe.pipelines.enrich.errors import (
    EmptyArticleError,
    EnrichmentError,
    EntityTaggingError,
    LimitExceededError,
)
from presspipe.pipelines.enrich.normalize import normalize_paragraph
from presspipe.pipelines.enrich.record import (
    EnrichSettings,
    Provenance,
    article_id,
    enrich_article,
    normalize_url,
    word_count,
)
from presspipe.schemas.records import Article, Entity, Hints

from .conftest import FIXED_TIME, HTML_FIXTURES, make_raw

PARAGRAPHS = [
    "The council met on Monday to discuss the new budget for schools and roads in the district.",
    "Residents asked for more buses on weekends and for a safer crossing near the primary school.",
    "The mayor said a decision would follow after the summer, once the audit of the accounts is done.",
]
HTML = ("<html lang='en'><head><title>Budget talks</title><link rel='canonical' href='/news/budget#top'></head><body>"
        "<article><h1>Budget talks</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>").encode()


def enrich(raw, **kwargs) -> Article:
    return enrich_article(raw, provenance=Provenance("articles.raw", 0, 7), processed_at=FIXED_TIME, **kwargs)


def test_html_article_fields():
    article = enrich(make_raw(HTML, url="HTTPS://Example.COM/n?id=1#frag"))
    assert article.paragraphs == tuple(PARAGRAPHS)
    assert article.title == "Budget talks"
    assert article.canonical_url == "https://example.com/news/budget"
    assert article.id == article_id("https://example.com/news/budget", None, "")
    assert article.declared_language == "en" and article.language == "en"
    assert article.processed_at == FIXED_TIME and article.raw_offset == 7
    assert len(article.content_hash) == 64 and len(article.id) == 32
    assert Article.decode(article.encode()) == article


def test_id_falls_back_to_url_then_body():
    assert normalize_url("HTTP://Example.com:80/a?b=1#c") == "http://example.com/a?b=1"
    plain = "\n\n".join(PARAGRAPHS).encode()
    with_url = enrich(make_raw(plain, "text/plain", url="https://example.com/x"))
    without = enrich(make_raw(plain, "text/plain"))
    assert with_url.id == article_id(None, "https://example.com/x", "")
    assert without.id == article_id(None, None, without.body) != with_url.id
    assert with_url.content_hash == without.content_hash


def test_hints_fill_missing_metadata():
    hints = Hints(title="From the feed", published_at=datetime(2024, 5, 1, tzinfo=timezone.utc), authors=("A. Writer",), language="en-GB")
    article = enrich(make_raw("\n".join(PARAGRAPHS).encode(), "text/plain", hints=hints))
    assert article.title == "From the feed" and article.authors == ("A. Writer",)
    assert article.published_at == hints.published_at and article.declared_language == "en"


def test_word_count_in_any_script():
    assert word_count("Hello, world! It's 2024.") == 4
    assert word_count("रूसी राष्ट्रपति व्लादिमीर पुतिन") == 4
    assert word_count("Привет, мир") == 2
    assert word_count("市立図書館") == 5


def test_gzipped_html_is_read():
    assert enrich(make_raw(gzip.compress(HTML))).paragraphs == tuple(PARAGRAPHS)


@pytest.mark.parametrize(
    ("settings", "body", "limit_name"),
    [
        (EnrichSettings(max_body_bytes=100), HTML, "max_body_bytes"),
        (EnrichSettings(max_dom_nodes=5), HTML, "max_dom_nodes"),
        (EnrichSettings(max_text_chars=50), HTML, "max_text_chars"),
        (EnrichSettings(max_decompressed_bytes=100), gzip.compress(HTML), "max_decompressed_bytes"),
    ],
)
def test_limits(settings, body, limit_name):
    with pytest.raises(LimitExceededError) as caught:
        enrich(make_raw(body), settings=settings)
    assert caught.value.limit_name == limit_name and caught.value.stage == "limits"


def test_empty_inputs_are_empty_article_errors():
    for body, kind in ((b"", "text/html"), (b"   \n ", "text/plain"), (b"<html><body><nav>x</nav></body></html>", "text/html")):
        with pytest.raises(EmptyArticleError):
            enrich(make_raw(body, kind))


class ListTagger:
    def tag(self, body: str, language: str) -> tuple[Entity, ...]:
        start = body.index("council")
        return (Entity(text="council", label="ORG", start=start, end=start + 7, normalized="council", source="test"),)


class BrokenTagger:
    def tag(self, body: str, language: str) -> tuple[Entity, ...]:
        raise RuntimeError("model exploded")


def test_tagger_is_called_on_the_final_body():
    article = enrich(make_raw(HTML), tagger=ListTagger())
    (entity,) = article.entities
    assert article.body[entity.start:entity.end] == "council"


def test_tagger_failures_are_entity_errors():
    with pytest.raises(EntityTaggingError) as caught:
        enrich(make_raw(HTML), tagger=BrokenTagger())
    assert caught.value.stage == "entities" and isinstance(caught.value.__cause__, RuntimeError)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=3000), content_type=st.sampled_from(["text/html", "text/plain", "application/octet-stream"]),
       charset=st.sampled_from([None, "utf-8", "cp1251", "utf-16", "bogus"]))
def test_arbitrary_bytes_raise_only_enrichment_errors(body, content_type, charset):
    try:
        enrich(make_raw(body, content_type, charset=charset))
    except EnrichmentError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_mutations_of_real_pages_raise_only_enrichment_errors(data):
    page = data.draw(st.sampled_from(sorted(HTML_FIXTURES.glob("*.html")))).read_bytes()
    cut = data.draw(st.integers(0, len(page)))
    noise = data.draw(st.binary(max_size=64))
    try:
        enrich(make_raw(page[:cut] + noise + page[cut:], "text/html"))
    except EnrichmentError:
        pass


WORDS = st.text(alphabet=st.sampled_from("abcdefghijklmnoprstuvwyzабвгдежиклмнопрстуквिनमरकसतलआई"), min_size=2, max_size=9)
PARAGRAPH = st.lists(WORDS, min_size=5, max_size=30).map(lambda words: " ".join(words) + ".")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(PARAGRAPH, min_size=1, max_size=12, unique=True), blank_lines=st.booleans())
def test_paragraphs_without_markers_are_never_dropped(paragraphs, blank_lines):
    normalised = [normalize_paragraph(p) for p in paragraphs]
    assume(len(set(normalised)) == len(normalised))
    for paragraph in normalised:
        assume(not (is_caption_line(paragraph) or is_image_file_line(paragraph) or read_also_kind(paragraph)
                    or is_edge_furniture(paragraph)))
    text = ("\n\n" if blank_lines else "\n").join(paragraphs)
    article = enrich(make_raw(text.encode(), "text/plain"))
    assert list(article.paragraphs) == normalised
    assert article.captions_removed == article.related_blocks_removed == 0


def test_broken_urls_do_not_break_enrichment():
    article = enrich(make_raw(HTML, url="http://[::1/broken"))
    assert len(article.id) == 32
