"""The standfirst the page shows and states as its description (hand-written pages)."""

from __future__ import annotations

import pytest

from presspipe.pipelines.enrich.extract import parse_html
from presspipe.pipelines.enrich.lead import shown_lead, with_lead
from presspipe.pipelines.enrich.record import Provenance, enrich_article

from .conftest import FIXED_TIME, make_raw

LEAD = "The council approved the tram line after six hours of debate, and the works start in spring."
BODY = [
    "The regional council approved the budget for the new tram line on Tuesday after a debate of six hours.",
    "Opponents said the route would cut through a park that residents have used for more than a century.",
    "The mayor promised that every tree removed for the works would be replaced by two new ones nearby.",
    "Construction is due to start next spring and the first trams should run before the end of next year.",
]


def _page(header: str, *, description: str = LEAD, after: str = "") -> str:
    return (f"<html><head><title>Tram line approved</title><meta property='og:description' content='{description}'>"
            f"</head><body><nav><a href='/'>Home</a></nav><article><header><h1>Tram line approved</h1>{header}"
            f"</header>{''.join(f'<p>{p}</p>' for p in BODY)}{after}</article></body></html>")


def _lead(html_text: str, body=tuple(BODY)) -> str | None:
    return shown_lead(parse_html(html_text, max_dom_nodes=10_000), (LEAD,), body)


def test_the_standfirst_the_page_shows_and_states_is_found():
    assert _lead(_page(f"<p class='standfirst'>{LEAD}</p>")) == LEAD
    assert _lead(_page(f"<div class='x1'><span>{LEAD[:40]}</span> <b>{LEAD[40:]}</b></div>")) == LEAD


def test_what_the_page_does_not_render_is_no_part_of_the_lead():
    """A script, a style, a comment or a hidden element inside the standfirst's container is not text a reader sees."""
    unrendered = ("<script>window.dataLayer = window.dataLayer || [];</script><style>.x{color:red}</style>"
                  "<!-- teaser --><span hidden>Share this</span>")
    assert _lead(_page(f"<p class='standfirst'>{unrendered}{LEAD}</p>")) == LEAD
    assert _lead(_page(f"<div class='intro'><p>{LEAD[:40]}{unrendered}{LEAD[40:]}</p>{unrendered}</div>")) == LEAD


@pytest.mark.parametrize("header, after", [
    ("", ""),  # stated, never shown: a social-media teaser
    (f"<figure><img src='t.jpg'><figcaption>{LEAD}</figcaption></figure>", ""),  # a caption says it
    (f"<div class='image-credit'><span>{LEAD}</span></div>", ""),
    (f"<a href='/tram'>{LEAD}</a>", ""),  # a link: a teaser pointing elsewhere
    (f"<p hidden>{LEAD}</p>", ""),
    ("", f"<aside><h3>Related</h3><div class='teaser'><p>{LEAD}</p></div></aside>"),  # after the article's text
    (f"<p class='standfirst'>{LEAD} Photo archive / City Paper</p>", ""),  # a complete description and more words
])
def test_no_lead_where_the_page_does_not_show_it_before_the_text(header, after):
    assert _lead(_page(header, after=after)) is None


def test_a_description_cut_to_length_finds_the_whole_standfirst():
    cut = LEAD[:70].rsplit(" ", 1)[0] + " wor…"
    tree = parse_html(_page(f"<p class='standfirst'>{LEAD}</p>", description=cut), max_dom_nodes=10_000)
    assert shown_lead(tree, (cut,), BODY) == LEAD


def test_a_description_cut_mid_word_with_a_section_label_finds_the_longer_summary():
    """``City News: The council approved … and the wo`` (a label, cut at a fixed length inside a word) stands for a
    summary box of many more words; the innermost element saying it is the lead, not the box around it."""
    summary = LEAD + " " + " ".join(f"Point {n} of the summary adds a detail about the tram and its cost." for n in range(3))
    cut = "City News: " + summary[:80]
    assert not cut.endswith(("…", ".")) and summary[80] != " "  # cut inside a word
    box = f"<h3>In short</h3><div class='synopsis'><div class='inner'><div>{summary}</div></div><span>2 min</span></div>"
    tree = parse_html(_page(box, description=cut), max_dom_nodes=10_000)
    assert shown_lead(tree, (cut,), BODY) == summary
    complete_word = "City News: " + summary[:summary.index(" ", 80)]  # cut after a whole word, no ellipsis
    tree = parse_html(_page(box, description=complete_word), max_dom_nodes=10_000)
    assert shown_lead(tree, (complete_word,), BODY) is None


def test_short_descriptions_are_labels_not_leads():
    tree = parse_html(_page("<p>Tram line approved today</p>", description="Tram line approved today"),
                      max_dom_nodes=10_000)
    assert shown_lead(tree, ("Tram line approved today",), BODY) is None


def test_the_body_that_already_has_the_lead_gets_it_once():
    assert _lead(_page(f"<p class='standfirst'>{LEAD}</p>"), body=(LEAD, *BODY)) is None
    assert with_lead(BODY, LEAD) == (LEAD, *BODY)
    assert with_lead((f"BERLIN – {LEAD}", *BODY), LEAD) == (f"BERLIN – {LEAD}", *BODY)
    assert with_lead(BODY, None) == tuple(BODY)


def test_the_article_opens_with_the_standfirst_exactly_once():
    html_text = _page(f"<div class='meta'><p class='standfirst'>{LEAD}</p><span>By A. Writer</span></div>")
    article = enrich_article(make_raw(html_text.encode("utf-8")), provenance=Provenance(), processed_at=FIXED_TIME)
    assert article.paragraphs[0] == LEAD
    assert article.body.count(LEAD) == 1
    assert list(article.paragraphs[1:]) == BODY


def test_the_standfirst_goes_first_after_the_edges_are_trimmed():
    """A byline opening the extracted body is still edge furniture: the standfirst is put before the body after."""
    from presspipe.pipelines.enrich.extract import ExtractedDocument
    from presspipe.pipelines.enrich.record import EnrichSettings, clean_document

    cleaned = clean_document(ExtractedDocument(paragraphs=("By Anna Writer", *BODY), lead=LEAD), EnrichSettings())
    assert cleaned.paragraphs == (LEAD, *BODY)
    assert cleaned.lead_restored
    unchanged = clean_document(ExtractedDocument(paragraphs=(LEAD, *BODY), lead=LEAD), EnrichSettings())
    assert unchanged.paragraphs == (LEAD, *BODY) and not unchanged.lead_restored
