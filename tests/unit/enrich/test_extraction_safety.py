"""Pruning inside trafilatura's choice, the precision-mode recall safety net, and the structural per-article rules."""

from __future__ import annotations

import gzip
import json

import pytest
from lxml import etree
from lxml import html as lxml_html

from presspipe.pipelines.enrich.clean import (
    PruneTargets,
    clean_paragraphs,
    find_prune_targets,
    is_closing_credit,
    is_subscriber_line,
    join_split_sentences,
    prune_extracted,
)
from presspipe.pipelines.enrich.dateline import DatelineSplit, bare_dateline, split_dateline
from presspipe.pipelines.enrich.extract import ExtractionOptions, extract_html, parse_html, restore_dropped_paragraphs
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, clean_document, enrich_article
from presspipe.pipelines.enrich.extract import ExtractedDocument

from tests.support.pages import ARTICLE, HEADLINE, LINKED_SENTENCE, linked_sentence_page

from .conftest import FIXED_TIME, REPOSITORY, make_raw

PROSE = [
    "The regional council approved the budget for the new tram line on Tuesday after a debate of six hours.",
    "Opponents said the route would cut through a park that residents have used for more than a century.",
    "The mayor promised that every tree removed for the works would be replaced by two new ones nearby.",
    "Construction is due to start next spring and the first trams should run before the end of next year.",
    "Shop owners along the route asked for compensation for the months when the street will be closed.",
    "A citizens' group said it would collect signatures for a referendum on the project in the autumn.",
]


def _page(body_html: str, description: str = "") -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (f"<html lang='en'><head><title>Tram line approved</title>{meta}</head><body>"
            f"<nav><ul><li><a href='/a'>Home</a></li><li><a href='/b'>News</a></li><li><a href='/c'>Sport</a></li></ul></nav>"
            f"<main><article><h1>Tram line approved</h1>{body_html}</article></main>"
            f"<footer><p>© 2024 City Paper</p></footer></body></html>")


def _article(html_text: str):
    return enrich_article(make_raw(html_text.encode("utf-8")), provenance=Provenance(), processed_at=FIXED_TIME)


# --- the real regression case ---------------------------------------------------------------------------------------

NEWS_PAGES = REPOSITORY / ".." / "shared" / "data" / "news-pages"


def test_mid_body_related_widget_no_longer_loses_the_article():
    """The South African page of issue #14: pruning its related widget before extraction kept 3 of ~30 paragraphs."""
    page = NEWS_PAGES / "za" / "TimesLive_2025_05_22.html.gz"
    if not page.exists():
        pytest.skip("shared news pages not found")
    truth = json.loads((NEWS_PAGES / "za" / "TimesLive.json").read_text(encoding="utf-8"))["V1"]["body"]
    reference = [p for section in truth["sections"] for p in section["paragraphs"]]
    article = enrich_article(make_raw(gzip.decompress(page.read_bytes())), provenance=Provenance(),
                             processed_at=FIXED_TIME)
    body = " ".join(article.body.split())
    found = [p for p in reference if " ".join(p.split())[:80] in body]
    assert len(reference) >= 15
    assert len(found) >= 0.9 * len(reference), len(found)


def test_extraction_leaves_the_parsed_tree_unchanged():
    html_text = _page("".join(f"<p>{p}</p>" for p in PROSE) + "<figure><img src='a.jpg'><figcaption>A tram. Photo: AFP</figcaption></figure>")
    tree = parse_html(html_text, max_dom_nodes=10_000)
    before = etree.tostring(tree)
    extract_html(tree, url=None)
    assert etree.tostring(tree) == before


# --- pruning inside the chosen content ------------------------------------------------------------------------------


def test_prune_extracted_drops_target_text_and_its_pieces_and_counts_each_target_once():
    tree = lxml_html.fromstring(
        "<div><p>Kept paragraph one with enough words.</p>"
        "<div class='related-articles'><h3>Related</h3><ul><li><a href='/1'>First related headline here</a></li>"
        "<li><a href='/2'>Second related headline here</a></li></ul></div>"
        "<figure><figcaption>The caption text of the photo</figcaption></figure></div>")
    targets = find_prune_targets(tree)
    assert len(targets.related) == 1 and len(targets.captions) == 1
    paragraphs = ["Kept paragraph one with enough words.", "Related", "First related headline here",
                  "Second related headline here", "The caption text of the photo", "Another kept one."]
    pruned = prune_extracted(paragraphs, targets)
    assert pruned.paragraphs == ("Kept paragraph one with enough words.", "Another kept one.")
    assert (pruned.captions_removed, pruned.related_blocks_removed) == (1, 1)


@pytest.mark.parametrize("pieces, joined", [
    (["Harbour", "'s new ferry starts on Monday.", "Next paragraph."], ["Harbour's new ferry starts on Monday.", "Next paragraph."]),
    (["The mayor of Brightwater", "’s office said so.", "Tickets cost", ", the council said, far more."],
     ["The mayor of Brightwater’s office said so.", "Tickets cost, the council said, far more."]),
    # left alone: a sentence that ended, lower-case openings (list items, bylines), quotations opening a paragraph
    (["It ended.", ", then this"], ["It ended.", ", then this"]),
    (["Exports", "machinery", "chemicals"], ["Exports", "machinery", "chemicals"]),
    (["Why Putin warns", "by Anna Writer"], ["Why Putin warns", "by Anna Writer"]),
    (["The council said", "'Not now,' the mayor answered."], ["The council said", "'Not now,' the mayor answered."]),
])
def test_join_split_sentences(pieces, joined):
    assert join_split_sentences(pieces) == joined


def test_a_piece_of_a_split_sentence_is_not_furniture_even_when_a_menu_links_its_words():
    """trafilatura splits ``<div>DOVER: <a>Harbour</a>'s …</div>`` into three lines; the menu's "Harbour" link must not
    take the article's word with it."""
    menu = lxml_html.fromstring("<nav><a href='/h'>Harbour</a> <a href='/s'>Sport</a> <a href='/w'>Weather</a></nav>")
    targets = PruneTargets(captions=(), related=(), navigation=(menu,))
    pruned = prune_extracted(["DOVER: ", "Harbour", "'s new ferry starts on Monday.", "Harbour"], targets)
    assert pruned.paragraphs == ("DOVER: ", "Harbour's new ferry starts on Monday.")
    assert pruned.navigation_removed == 1


def test_prune_extracted_counts_nothing_when_trafilatura_left_the_furniture_out():
    tree = lxml_html.fromstring("<div><p>Body.</p><figure><figcaption>Caption words</figcaption></figure></div>")
    pruned = prune_extracted(["Body."], find_prune_targets(tree))
    assert pruned.paragraphs == ("Body.",) and pruned.captions_removed == 0


# --- structure: headline-link lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("heading", ["More on the tram saga", "Weitere Nachrichten aus der Region", "もっと読む"])
def test_headline_link_list_and_its_heading_go_whatever_the_heading_says(heading):
    links = "".join(f"<li><a href='/{n}'>Headline number {n} about something else entirely</a></li>" for n in range(4))
    html_text = _page("".join(f"<p>{p}</p>" for p in PROSE[:3]) + f"<h3>{heading}</h3><ul>{links}</ul>"
                      + "".join(f"<p>{p}</p>" for p in PROSE[3:]))
    article = _article(html_text)
    assert list(article.paragraphs) == PROSE


def _lead_in_page(lead_in: str) -> lxml_html.HtmlElement:
    links = "".join(f"<li><a href='/{n}'>Report number {n} on the district</a></li>" for n in range(3))
    prose = "".join(f"<div class='text-block'><p>{p}</p></div>" for p in PROSE[:2])
    return lxml_html.fromstring(f"<html><body><article>{prose}{lead_in}<div class='list-block'><ul>{links}</ul></div>"
                                f"<div class='text-block'><p>{PROSE[2]}</p></div></article></body></html>")


def _pruned_texts(tree: lxml_html.HtmlElement) -> set[str]:
    targets = find_prune_targets(tree)
    return {" ".join(e.text_content().split()) for e in targets.related + targets.navigation}


def test_a_lead_in_set_like_the_prose_stays_while_its_link_list_goes():
    """A short line introducing a list ("The figures of the survey:"), with the tag and class of the article's own
    paragraphs, is article text; the same words set apart (a heading tag, another class, bold as a whole) head a box."""
    pruned = _pruned_texts(_lead_in_page("<div class='text-block'><p>The district figures of the survey:</p></div>"))
    assert "The district figures of the survey:" not in pruned
    assert any(text.startswith("Report number 0") for text in pruned)
    for heading in ("<h3>The district figures of the survey:</h3>",
                    "<div class='box-title'><p>The district figures of the survey:</p></div>",
                    "<div class='text-block'><p><strong>The district figures of the survey:</strong></p></div>"):
        assert "The district figures of the survey:" in _pruned_texts(_lead_in_page(heading)), heading


def test_prose_with_links_is_not_a_link_list():
    # links are about half of the words: dense for prose, far below a headline list
    linked = ("The <a href='/c'>regional council of the northern district</a> approved the budget for the "
              "<a href='/t'>new tram line to the airport</a> on Tuesday after six hours.")
    tree = lxml_html.fromstring(f"<div><h3>Budget</h3><div><p>{linked}</p><p>{linked}</p></div></div>")
    assert find_prune_targets(tree).related == ()


def test_markup_split_read_also_marker_and_headline_go():
    split = "<p><strong>Read also</strong>: <a href='/x'>Ferry timetable changes from Monday</a></p>"
    html_text = _page("".join(f"<p>{p}</p>" for p in PROSE[:3]) + split + "".join(f"<p>{p}</p>" for p in PROSE[3:]))
    article = _article(html_text)
    assert list(article.paragraphs) == PROSE
    assert "Ferry timetable" not in article.body


# --- recall safety net ----------------------------------------------------------------------------------------------


def test_restore_takes_back_sentences_in_short_gaps_only():
    precise = [PROSE[0], PROSE[2], PROSE[5]]
    default = ["Menu Home News", PROSE[0], PROSE[1], PROSE[2], "Ad", "x " * 3, PROSE[3], PROSE[4],
               "Another sentence that is long enough and ends properly.", PROSE[5], "Footer text that reads like a sentence here."]
    merged, restored = restore_dropped_paragraphs(precise, default)
    # PROSE[1] fills a one-paragraph gap; the gap between PROSE[2] and PROSE[5] holds six paragraphs: left alone
    assert merged == [PROSE[0], PROSE[1], PROSE[2], PROSE[5]]
    assert restored == 1


def test_restore_prefers_the_fuller_version_and_skips_repeats_and_non_sentences():
    shortened = PROSE[1].replace(" that residents", "")  # precision mode dropped the text of an inline link
    default = [PROSE[0], "Short line", PROSE[1], PROSE[3], PROSE[3], PROSE[4]]
    merged, restored = restore_dropped_paragraphs([PROSE[0], shortened, PROSE[4]], default)
    assert merged == [PROSE[0], PROSE[1], PROSE[4]]  # PROSE[3] twice on the page: not restored
    assert restored == 0


def test_restore_takes_back_the_lead_stated_by_the_description_only():
    lead = "Six hours of debate ended with a clear vote for the tram line that the city has discussed for years."
    default = ["Subscribe to our newsletter for the latest news every morning.", lead, PROSE[0], PROSE[1]]
    assert restore_dropped_paragraphs([PROSE[0], PROSE[1]], default, descriptions=(lead[:60],))[0] == [lead, PROSE[0], PROSE[1]]
    assert restore_dropped_paragraphs([PROSE[0], PROSE[1]], default, descriptions=())[0] == [PROSE[0], PROSE[1]]


def test_restore_takes_back_the_lead_stated_by_any_of_the_descriptions():
    """og:description may be a social teaser while twitter:description (or the meta description) is the lead."""
    lead = "Six hours of debate ended with a clear vote for the tram line that the city has discussed for years."
    default = ["Tram: the vote", lead, PROSE[0], PROSE[1]]
    teaser = "Why the city finally said yes to the tram line and what it will cost"
    assert restore_dropped_paragraphs([PROSE[0], PROSE[1]], default, descriptions=(teaser,))[0] == [PROSE[0], PROSE[1]]
    merged, restored = restore_dropped_paragraphs([PROSE[0], PROSE[1]], default, descriptions=(teaser, None, lead))
    assert (merged, restored) == ([lead, PROSE[0], PROSE[1]], 1)


def test_extraction_hands_the_safety_net_every_stated_description(monkeypatch):
    from presspipe.pipelines.enrich import extract

    seen = []

    def spy(precise, default, *, descriptions=()):
        seen.append(descriptions)
        return restore_dropped_paragraphs(precise, default, descriptions=descriptions)

    monkeypatch.setattr(extract, "restore_dropped_paragraphs", spy)
    lead = "Six hours of debate ended with a clear vote for the tram line that the city has discussed for years."
    html_text = _page("".join(f"<p>{p}</p>" for p in PROSE)).replace(
        "<head>", f'<head><meta property="og:description" content="Why the city said yes">'
                  f'<meta name="twitter:description" content="{lead}">')
    extract_html(parse_html(html_text, max_dom_nodes=10_000), url=None)
    assert len(seen) == 1 and "Why the city said yes" in seen[0] and lead in seen[0]



def test_the_safety_net_restores_a_linked_sentence_and_can_be_turned_off():
    tree = parse_html(linked_sentence_page(), max_dom_nodes=10_000)
    with_net = extract_html(tree, url=None)
    without = extract_html(tree, url=None, options=ExtractionOptions(recall_safety_net=False))
    assert list(with_net.paragraphs) == [HEADLINE, *ARTICLE[:2], LINKED_SENTENCE, *ARTICLE[2:]]
    assert with_net.paragraphs_restored == 1
    assert list(without.paragraphs) == [HEADLINE, *ARTICLE] and without.paragraphs_restored == 0

# --- subscriber lines, datelines ------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "This article is reserved for subscribers.", "Article réservé aux abonnés", "Nur für Abonnenten",
    "Exclusivo para suscriptores", "Already a subscriber? Log in", "この記事は会員限定です", "Только для подписчиков",
])
def test_subscriber_lines(line):
    assert is_subscriber_line(line)
    assert clean_paragraphs([PROSE[0], line, PROSE[1]]).paragraphs == (PROSE[0], PROSE[1])
    assert clean_paragraphs([PROSE[0], line, PROSE[1]]).subscriber_lines_removed == 1


def test_an_article_about_subscriptions_is_not_furniture():
    long_line = ("The newspaper said the share of articles reserved for subscribers rose to forty per cent last year, "
                 "and that digital subscriptions now bring in more money than advertising for the first time in its history.")
    assert not is_subscriber_line(long_line)


@pytest.mark.parametrize("paragraph, dateline", [
    ("BERLIN, dpa –", "BERLIN, dpa"), ("WASHINGTON (Reuters) -", "WASHINGTON (Reuters)"),
    ("ROMA, Agenzia Nova –", "ROMA, Agenzia Nova"), ("BREAKING:", None), ("NEWS", None),
    ("BERLIN, dpa – Die Regierung", None),
])
def test_bare_dateline(paragraph, dateline):
    assert bare_dateline(paragraph) == dateline


_STORY = "The government announced on Monday a new plan for the city budget."


@pytest.mark.parametrize("paragraph, dateline, rest", [
    (f"HANOI - {_STORY}", "HANOI", _STORY),
    (f"NEW DELHI (Reuters): {_STORY}", "NEW DELHI (Reuters)", _STORY),
    ("नई दिल्ली: सरकार ने सोमवार को शहर के बजट के लिए एक नई योजना की घोषणा की।", "नई दिल्ली",
     "सरकार ने सोमवार को शहर के बजट के लिए एक नई योजना की घोषणा की।"),
    # a label in capitals is no place; a "story" too short to be one keeps its opening
    (f"BREAKING: {_STORY}", None, f"BREAKING: {_STORY}"),
    (f"UPDATE - {_STORY}", None, f"UPDATE - {_STORY}"),
    ("NEW DELHI (Reuters): Too short to be a story.", None, "NEW DELHI (Reuters): Too short to be a story."),
])
def test_split_dateline(paragraph, dateline, rest):
    assert split_dateline(paragraph) == DatelineSplit(dateline, rest)


def test_a_wire_dateline_block_fills_the_dateline_and_the_story_stays():
    cleaned = clean_document(ExtractedDocument(paragraphs=("BERLIN, dpa –", PROSE[0], PROSE[1])), EnrichSettings())
    assert cleaned.dateline == "BERLIN, dpa"
    assert cleaned.paragraphs == (PROSE[0], PROSE[1])
    short = "MADRID, EFE – El Gobierno aprobó hoy"
    kept = clean_document(ExtractedDocument(paragraphs=(short, PROSE[0])), EnrichSettings())
    assert kept.paragraphs[0] == short  # a short story opening is not furniture
    opening = "HAMBURG (Reuters) - The port workers accepted the new pay deal on Friday after a long meeting."
    block_first = clean_document(ExtractedDocument(paragraphs=("BERLIN, dpa –", opening, PROSE[0])), EnrichSettings())
    assert block_first.dateline == "BERLIN, dpa"  # one dateline: the block's; the next paragraph is left whole
    assert block_first.paragraphs == (opening, PROSE[0])


@pytest.mark.parametrize("paragraph, repeat", [
    ("Port strike ends after workers accept new pay deal", True),
    ("Harbour Port strike ends after workers accept new pay deal", True),  # kicker before the headline
    ("Port strike ends after workers accept new pay deal - Business", True),
    ("Port strike ends after workers accept new pay deal, the union said on Friday after a long meeting.", False),
    ("Port strike ends quickly in the north", False),
])
def test_title_repeat_with_kicker(paragraph, repeat):
    title = "Port strike ends after workers accept new pay deal"
    extracted = ExtractedDocument(paragraphs=(paragraph, PROSE[0], PROSE[1]), title=title)
    cleaned = clean_document(extracted, EnrichSettings())
    assert (paragraph not in cleaned.paragraphs) == repeat


@pytest.mark.parametrize("line", ["With files from The Associated Press", "Mit Agenturmaterial.", "MDR (dst)",
                                  "—Associated Press writer Maria Olsen in Lisbon contributed to this report.", "dpa/AFP",
                                  "With reports from The Harbour Herald and Radio North",
                                  "Olena Marchuk, Petro Savchenko, Iryna Bondar", "Ана Руис и Луис Гомес",
                                  "Marie Dubois et Jean-Luc Martin"])
def test_closing_credit_lines_go_at_the_end_only(line):
    cleaned = clean_document(ExtractedDocument(paragraphs=(PROSE[0], line, PROSE[1], line)), EnrichSettings())
    assert cleaned.paragraphs == (PROSE[0], line, PROSE[1])


@pytest.mark.parametrize("last", ["Kyiv, Lviv, Odesa and Kharkiv", "Thanks to Olena Marchuk and Petro Savchenko.",
                                  "Olena Marchuk, Petro Savchenko and the city council", "Olena Marchuk"])
def test_a_closing_line_that_is_not_only_names_is_no_signature(last):
    # one-word places, a sentence, names with other words, one name (a fragment the edge rule judges on its own)
    assert not is_closing_credit(last)


def test_a_closing_sentence_naming_an_agency_stays():
    last = "The AP said the vote was close."
    assert clean_document(ExtractedDocument(paragraphs=(PROSE[0], last)), EnrichSettings()).paragraphs == (PROSE[0], last)
