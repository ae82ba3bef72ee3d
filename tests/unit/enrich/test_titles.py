"""Site names off the title, headline repeats off the body (pure functions, hand-written cases)."""

from __future__ import annotations

import pytest

from presspipe.pipelines.enrich.extract import parse_html
from presspipe.pipelines.enrich.titles import (
    site_names,
    stated_descriptions,
    stated_headlines,
    strip_site_name,
    without_headline_repeat,
)


@pytest.mark.parametrize("title, names, expected", [
    ("Budget talks stall | Example News", ("Example News",), "Budget talks stall"),
    ("Example News - Budget talks stall", ("Example News",), "Budget talks stall"),
    ("Nennen wir ihn doch Golf von Nordamerika | DiePresse.com", ("Die Presse",), "Nennen wir ihn doch Golf von Nordamerika"),
    ("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", ("boersen-zeitung.de",), "Steigende US-Zinsen setzen Dax zu"),
    ("Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | DW | 28.04.2023", ("DW.COM",),
     "Ukrainische Gegenoffensive: Ziele, Chancen, Risiken"),
    ("Post-Vac-Syndrom: Was wissen wir? – DW – 13.06.2023", ("Deutsche Welle",), "Post-Vac-Syndrom: Was wissen wir?"),
    ("Bennett: „Ich bin nicht\u201c - Israel Nachrichten - Chadashoth Israel",
     ("Israel Nachrichten - Chadashoth Israel",), "Bennett: „Ich bin nicht\u201c"),
    # left alone: no stated site name, a section, the site name alone, a separator inside the headline
    ("Budget talks stall | Example News", (), "Budget talks stall | Example News"),
    ("Russia hits Kyiv with a missile - National", ("Global News",), "Russia hits Kyiv with a missile - National"),
    ("Example News", ("Example News",), "Example News"),
    ("Gaza: what comes next - and why", ("Example News",), "Gaza: what comes next - and why"),
    ("Newsroom cuts at Example News", ("Example News",), "Newsroom cuts at Example News"),
])
def test_strip_site_name(title, names, expected):
    assert strip_site_name(title, names) == expected


def test_site_names_and_headlines_the_page_states():
    tree = parse_html(
        '<html><head><meta property="og:site_name" content="Example News">'
        '<meta property="og:title" content="Budget talks stall | Example News">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget talks stall",'
        ' "publisher": {"@type": "Organization", "name": "Example Media Group"}}</script></head>'
        '<body><h1>Budget  talks stall</h1><p>Text</p></body></html>', max_dom_nodes=1000)
    assert site_names(tree, "example.test") == ("Example News", "Example Media Group", "example.test")
    assert stated_headlines(tree) == ("Budget talks stall | Example News", "Budget talks stall")


def test_descriptions_the_page_states_all_count():
    """Publishers word their descriptions differently per audience; every one is a candidate for the lead."""
    tree = parse_html(
        '<html><head><meta name="description" content="Budget talks stalled again.">'
        '<meta property="og:description" content="Why the council could not agree">'
        '<meta name="twitter:description" content="The council met for six  hours and did not agree on a budget.">'
        '<meta property="og:title" content="Budget talks stall">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "description": "Budget talks stalled again."}'
        '</script></head><body><p>Text</p><meta name="description" content="Not in the head"></body></html>',
        max_dom_nodes=1000)
    assert stated_descriptions(tree) == ("Budget talks stalled again.", "Why the council could not agree",
                                         "The council met for six hours and did not agree on a budget.")


BODY = ("The council met on Monday.", "Residents asked for more buses.", "The mayor answered.", "Budget talks stall")


@pytest.mark.parametrize("paragraphs, titles, expected", [
    (("Budget talks stall",) + BODY[:3], ("Budget talks stall",), BODY[:3]),
    (("Budget talks stall", "Budget talks stall.") + BODY[:3], ("Budget talks stall",), BODY[:3]),  # twice
    (("By A. Writer", "BUDGET TALKS STALL") + BODY[:3], ("Budget talks stall",), ("By A. Writer",) + BODY[:3]),
    (("Budget talks stall",) + BODY[:3], ("Council: Budget talks stall",), BODY[:3]),  # title with a kicker
    (BODY, ("Budget talks stall",), BODY),  # the repeat far down the body is the article's own sentence
    (BODY[:3], ("Something else entirely",), BODY[:3]),
])
def test_without_headline_repeat(paragraphs, titles, expected):
    assert without_headline_repeat(paragraphs, titles) == expected


def test_extraction_parses_the_json_ld_once(monkeypatch):
    """Publication time, site names and headlines all read the page's JSON-LD; extract_html hands them one parse."""
    from presspipe.pipelines.enrich import extract, jsonld, published, titles

    calls = []

    def counting(tree):
        calls.append(tree)
        return jsonld.json_ld_objects(tree)

    for module in (extract, published, titles):
        monkeypatch.setattr(module, "json_ld_objects", counting)
    tree = parse_html(
        '<html><head><title>Budget talks stall | Example News</title>'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget talks stall",'
        ' "datePublished": "2024-05-02T14:46:12+02:00", "publisher": {"@type": "Organization", "name": "Example News"}}'
        '</script></head><body><article><h1>Budget talks stall</h1>'
        + "<p>The council met on Monday and could not agree on the budget for next year, again.</p>" * 4
        + '</article></body></html>', max_dom_nodes=1000)
    document = extract.extract_html(tree, url="https://example.test/budget")
    assert len(calls) == 1
    assert document.published.at.isoformat() == "2024-05-02T12:46:12+00:00"
    assert "Example News" in document.site_names and "Budget talks stall" in document.headlines
