"""Site-level boilerplate (pure functions): what qualifies, what counts, what is removed and what must survive."""

from __future__ import annotations

import random

import pytest

from presspipe.pipelines.enrich.boilerplate import (
    BoilerplateSettings,
    SiteWindow,
    article_fingerprints,
    boilerplate_fingerprints,
    count_fingerprints,
    fingerprint,
    is_candidate,
    registrable_domain,
    remove_boilerplate,
    site_of,
)
from presspipe.schemas.records import Entity

from .boilerplate_sites import SITES, generate_site, make_article, prose

SETTINGS = BoilerplateSettings()


def _bounded(articles, settings=SETTINGS):
    """Two passes, by hand: count per site over all articles, then remove."""
    by_site: dict[str, list] = {}
    for article in articles:
        by_site.setdefault(site_of(article), []).append(article)
    cleaned = []
    for site_articles in by_site.values():
        counts = count_fingerprints((a.id, article_fingerprints(a.paragraphs, settings)) for a in site_articles)
        table = boilerplate_fingerprints(counts, settings)
        cleaned += [remove_boilerplate(a, table, settings) for a in site_articles]
    return cleaned


@pytest.mark.parametrize("url, site", [
    ("https://www.bbc.co.uk/news/world-1", "bbc.co.uk"),
    ("https://news.bbc.co.uk/x", "bbc.co.uk"),
    ("https://www.timeslive.co.za/x", "timeslive.co.za"),
    ("https://edition.cnn.com/2024/x", "cnn.com"),
    ("https://www.novosti.example/x", "novosti.example"),  # not in the public-suffix list: the host is the site
    ("http://intranet:8080/a", "intranet"),
])
def test_registrable_domain(url, site):
    assert registrable_domain(url) == site


def test_site_falls_back_to_canonical_then_url_then_source():
    article = make_article("a", "https://www.example.co.uk/a", ["x"])
    assert site_of(article) == "example.co.uk"
    from dataclasses import replace
    assert site_of(replace(article, canonical_url=None, url="https://m.other.com/x")) == "other.com"
    assert site_of(replace(article, canonical_url=None, url=None)) == "files:tests"


def test_candidates_are_short_and_never_quotations():
    assert is_candidate("Follow us on all channels", SETTINGS)
    assert is_candidate("関連記事", SETTINGS)
    assert not is_candidate("x" * 201, SETTINGS)
    assert is_candidate("x" * 200, SETTINGS)
    for quote in ('"We will not give up," she said.', "„Wir geben nicht auf“, sagte sie.", "«Nous tiendrons»",
                  "「頑張ります」と述べた", "“Enough is enough.”"):
        assert not is_candidate(quote, SETTINGS), quote
    assert fingerprint("", SETTINGS) is None


def test_fingerprint_ignores_case_digits_and_spacing_but_not_words():
    assert fingerprint("© 2024 Harbour Times", SETTINGS) == fingerprint("©  2025 harbour times", SETTINGS)
    assert fingerprint("3 comments", SETTINGS) == fingerprint("12 Comments", SETTINGS)
    assert fingerprint("Related stories", SETTINGS) != fingerprint("Related story", SETTINGS)


@pytest.mark.parametrize("spec", SITES, ids=[s.script for s in SITES])
def test_generated_site_loses_exactly_its_shared_blocks(spec):
    generated = generate_site(spec, seed=1)
    assert 20 <= len(generated) <= 50
    cleaned = _bounded([g.article for g in generated])
    shared = len(spec.before) + len(spec.middle) + len(spec.end)
    for article, expected in zip(cleaned, generated):
        assert article.paragraphs == expected.expected_paragraphs
        assert article.boilerplate_removed == shared
        assert article.body == "\n\n".join(expected.expected_paragraphs)
        assert article.id == expected.article.id


def test_sites_are_learnt_separately():
    """The same line on two sites, each below the threshold, is boilerplate on neither."""
    settings = BoilerplateSettings(min_articles=3)
    rng = random.Random(3)
    line = "Share this article"
    articles = [make_article(f"{host}-{n}", f"https://{host}/{n}", [prose(rng, "latin"), line])
                for host in ("one.example", "two.example") for n in range(2)]
    assert all(a.boilerplate_removed == 0 for a in _bounded(articles, settings))
    more = articles + [make_article("one.example-2", "https://one.example/2", [prose(rng, "latin"), line])]
    removed = {a.id: a.boilerplate_removed for a in _bounded(more, settings)}
    assert removed == {"one.example-0": 1, "one.example-1": 1, "one.example-2": 1, "two.example-0": 0, "two.example-1": 0}


def test_threshold_counts_distinct_articles_not_occurrences():
    """A line repeated inside one article, and the same article seen twice, stay below N distinct articles."""
    rng = random.Random(5)
    line = "Photo gallery"
    repeated = make_article("a1", "https://site.example/1", [prose(rng, "latin"), line, prose(rng, "latin"), line, line])
    other = make_article("a2", "https://site.example/2", [prose(rng, "latin"), line])
    cleaned = _bounded([repeated, repeated, other])  # a replay delivers a1 twice: still 2 distinct articles
    assert [a.boilerplate_removed for a in cleaned] == [0, 0, 0]
    third = make_article("a3", "https://site.example/3", [prose(rng, "latin"), line])
    assert [a.boilerplate_removed for a in _bounded([repeated, other, third])] == [3, 1, 1]


def test_a_quote_many_articles_share_survives():
    rng = random.Random(7)
    quote = '"We will rebuild the bridge," the mayor said.'
    articles = [make_article(f"q{n}", f"https://site.example/{n}", [prose(rng, "latin"), quote, prose(rng, "latin")])
                for n in range(10)]
    assert all(quote in a.paragraphs and a.boilerplate_removed == 0 for a in _bounded(articles))


def test_long_shared_paragraphs_are_never_removed():
    rng = random.Random(9)
    shared = prose(rng, "latin", words=40)  # a standing paragraph of prose, over the candidate length
    assert len(shared) > SETTINGS.max_chars
    articles = [make_article(f"l{n}", f"https://site.example/{n}", [prose(rng, "latin"), shared]) for n in range(6)]
    assert all(a.boilerplate_removed == 0 for a in _bounded(articles))


def test_an_article_that_is_all_boilerplate_is_left_unchanged():
    line, other = "Newsletter", "Cookie settings"
    articles = [make_article(f"e{n}", f"https://site.example/{n}", [line, other]) for n in range(4)]
    assert [a.paragraphs for a in _bounded(articles)] == [(line, other)] * 4


def test_entity_offsets_follow_the_kept_paragraphs():
    paragraphs = ["Follow us", "Anna Schneider met the council.", "Follow us", "Berlin voted."]
    # offsets in the body "Follow us\n\nAnna Schneider met the council.\n\nFollow us\n\nBerlin voted."
    entities = (Entity("Follow", "ORG", 0, 6, "follow"), Entity("Anna Schneider", "PER", 11, 25, "anna schneider"),
                Entity("Berlin", "LOC", 55, 61, "berlin"))
    article = make_article("x", "https://site.example/x", paragraphs, entities)
    assert all(article.body[e.start:e.end] == e.text for e in entities)
    table = frozenset({fingerprint("Follow us", SETTINGS)})
    cleaned = remove_boilerplate(article, table, SETTINGS)
    assert cleaned.body == "Anna Schneider met the council.\n\nBerlin voted."
    assert [(e.text, e.start, e.end) for e in cleaned.entities] == [("Anna Schneider", 0, 14), ("Berlin", 33, 39)]
    assert cleaned.boilerplate_removed == 2
    assert cleaned.word_count == 7


def test_site_window_is_bounded_and_warms_up():
    settings = BoilerplateSettings(min_articles=3, max_fingerprints_per_site=5)
    window = SiteWindow.empty()
    line = fingerprint("Subscribe now", settings)
    for number in range(2):
        window.observe(f"a{number}", {line}, settings)
        assert line not in window.boilerplate(settings)  # warm-up: the first N-1 articles keep it
    window.observe("a1", {line}, settings)  # the same article again does not count
    assert line not in window.boilerplate(settings)
    window.observe("a2", {line}, settings)
    assert line in window.boilerplate(settings)
    assert len(window.articles[line]) == 3
    for number in range(10):
        window.observe(f"b{number}", {f"fp{number}"}, settings)
    assert len(window.articles) == 5  # bounded: the least recently seen went first
    assert line not in window.articles


def test_settings_refuse_a_threshold_of_one():
    with pytest.raises(ValueError):
        BoilerplateSettings(min_articles=1)
