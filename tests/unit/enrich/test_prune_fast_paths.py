"""The tree pass's shortcuts (:mod:`presspipe.pipelines.enrich.clean`) decide exactly what the plain rules decide.

``find_prune_targets`` asks link counts in C before measuring text, measures text once for both structural checks,
keeps class-pattern answers per class string and skips tags no structural check accepts; ``prune_extracted`` measures
a target's descendants only when a paragraph occurs in its text. The references below are the rules written plainly
(the code before those shortcuts); both must give the same targets and the same pruning on the HTML fixtures and on
generated pages of every layout.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest
from lxml import html as lxml_html

from benchmarks.corpus import generate_page
from presspipe.pipelines.enrich import clean
from presspipe.pipelines.enrich.charset import decode_body
from presspipe.pipelines.enrich.extract import ExtractionOptions, _body_paragraphs, _run_trafilatura, parse_html

from .conftest import HTML_FIXTURES


def _pages() -> list[tuple[str, str]]:
    pages = [(path.name, decode_body(path.read_bytes(), declared_charset=None, is_html=True).text)
             for path in sorted(HTML_FIXTURES.glob("*.html"))]
    for index in range(25):  # the five layouts, several languages and legacy charsets
        page = generate_page(0, index)
        pages.append((page.name, decode_body(page.body, declared_charset=page.charset, is_html=True).text))
    return pages


PAGES = _pages()


def reference_targets(tree) -> clean.PruneTargets:
    """``find_prune_targets`` without its shortcuts: every candidate through every check, in document order."""
    captions, related, navigation, navigation_set = [], [], [], set()
    body = tree.find("body")
    for element in clean._CANDIDATES(body if body is not None else tree):
        if element.tag == "figcaption" or clean._CAPTION_OR_RELATED_CLASS.search(clean.class_and_id(element)):
            if clean._is_caption_element(element):
                captions.append(element)
                continue
            if clean._is_related_box(element):
                related.append(element)
                continue
        if clean._inside(element, navigation_set):
            continue
        if _plain_navigation_block(element):
            kind = navigation
        elif _plain_headline_link_list(element):
            kind = related
        else:
            continue
        kind.append(element)
        navigation_set.add(element)
        heading = clean._list_heading(element)
        if heading is not None:
            kind.append(heading)
    captions = list(dict.fromkeys(clean._caption_target(element) for element in captions))
    removed = set(captions) | set(related)
    return clean.PruneTargets(tuple(e for e in captions if not clean._inside(e, removed)),
                              tuple(e for e in related if not clean._inside(e, removed) and e not in set(captions)),
                              tuple(e for e in navigation if not clean._inside(e, removed)))


def _plain_word_chars(text: str) -> int:
    """Letters, marks and digits, one character at a time (no regular expression)."""
    return sum(unicodedata.category(character)[0] in "LMN" for character in text)


def _plain_navigation_block(element) -> bool:
    if element.tag not in clean._NAV_TAGS:
        return False
    links = element.findall(".//a")
    text = "".join(element.itertext())
    length = len(" ".join(element.itertext()).strip())
    if len(links) < clean._MIN_NAV_LINKS or not 0 < length <= clean._MAX_NAV_CHARS:
        return False
    words = _plain_word_chars(text)
    return words > 0 and _plain_word_chars("".join(t for link in links for t in link.itertext())) / words >= 0.8


def _plain_headline_link_list(element) -> bool:
    if element.tag not in clean._LINK_LIST_TAGS:
        return False
    if len("".join("".join(element.itertext()).split())) > clean._MAX_LINK_LIST_CHARS:  # letters, not spaces
        return False
    links = [link for link in element.iter("a") if "".join(link.itertext()).strip()]
    if len(links) < clean._MIN_LINK_LIST_LINKS:
        return False
    words = _plain_word_chars("".join(element.itertext()))
    return words > 0 and _plain_word_chars("".join(t for link in links for t in link.itertext())) / words >= 0.8


def reference_prune(paragraphs, targets: clean.PruneTargets) -> clean.PrunedParagraphs:
    """``prune_extracted`` measuring every descendant of every target first."""
    exact, whole = {}, []
    elements = targets.captions + targets.related + targets.navigation
    kinds = ["caption"] * len(targets.captions) + ["related"] * len(targets.related) + ["navigation"] * len(
        targets.navigation)
    for index, element in enumerate(elements):
        text = clean._normalised_text(element)
        if not text:
            continue
        whole.append((text, index))
        for descendant in element.iter():
            if isinstance(descendant.tag, str) and (piece := clean._normalised_text(descendant)):
                exact.setdefault(piece, index)
    kept, hit = [], set()
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        index = exact.get(text)
        if index is None and len(text) > 30:
            index = next((i for whole_text, i in whole if text in whole_text), None)
        if index is None:
            kept.append(paragraph)
        else:
            hit.add(index)
    counts = Counter(kinds[i] for i in hit)
    return clean.PrunedParagraphs(tuple(kept), counts["caption"], counts["related"], counts["navigation"])


@pytest.mark.parametrize("name,text", PAGES, ids=[name for name, _ in PAGES])
def test_targets_and_pruning_match_the_plain_rules(name, text):
    tree = parse_html(text, max_dom_nodes=200_000)
    targets = clean.find_prune_targets(tree)
    expected = reference_targets(tree)
    assert (targets.captions, targets.related, targets.navigation) == (
        expected.captions, expected.related, expected.navigation)
    # the extracted paragraphs, plus every text a target holds (the exact-match path) and pieces of them
    paragraphs = _body_paragraphs(_run_trafilatura(tree, ExtractionOptions(), url=None, precision=True,
                                                   with_metadata=False))
    for element in targets.captions + targets.related + targets.navigation:
        for descendant in element.iter():
            if isinstance(descendant.tag, str) and (piece := clean._normalised_text(descendant)):
                paragraphs += [piece, piece[: len(piece) // 2], f"  {piece}\n"]
    assert clean.prune_extracted(paragraphs, targets) == reference_prune(paragraphs, targets)


def test_link_conditions_asked_in_c_are_the_python_counts():
    for _, text in PAGES[:20]:
        for element in parse_html(text, max_dom_nodes=200_000).iter():
            if isinstance(element.tag, str):
                links = len(element.findall(".//a"))
                assert clean._HAS_NAV_LINKS(element) == (links >= clean._MIN_NAV_LINKS)
                assert clean._HAS_LIST_LINKS(element) == (links >= clean._MIN_LINK_LIST_LINKS)


def _links(count: int, words: str) -> str:
    return "".join(f'<li><a href="/{i}">{words} {i}</a></li>' for i in range(count))


SYNTHETIC = {
    # link-dense but longer than any headline list may be: not a target, however link-dense
    "long link box": f"<div><ul>{_links(60, 'Ein langer verlinkter Titel über die Lage der Stadt und des Landes')}</ul></div>",
    "short menu": f"<div><p>Article text that is long enough to be prose, with words.</p><ul>{_links(4, 'Home')}</ul></div>",
    "related box named by id": f'<div id="related-stories"><h3>More</h3><ul>{_links(2, "A headline")}</ul></div>',
    "caption named by id": '<figure><img src="a.jpg"><div id="photo-caption">The mayor. Photo: AP</div></figure>',
    "two-link teaser strip": f"<section><ul>{_links(2, 'Teaser headline of another story')}</ul></section>",
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_constructed_blocks_match_the_plain_rules(name):
    tree = parse_html(f"<html><body><article><p>{'Prose of the article. ' * 20}</p>{SYNTHETIC[name]}"
                      f"<p>{'More prose follows here. ' * 20}</p></article></body></html>", max_dom_nodes=10_000)
    targets, expected = clean.find_prune_targets(tree), reference_targets(tree)
    assert (targets.captions, targets.related, targets.navigation) == (
        expected.captions, expected.related, expected.navigation)


def test_words_after_a_link_are_not_link_text():
    """The text after a link (its tail) counts for the block, not for the link: 39 of 49 letters linked is below
    the 80 % of a headline list; counted as link text it would be all of them."""
    block = lxml_html.fromstring("<ul><li><a href='/1'>Ferry timetable agreed</a> today</li>"
                                 "<li><a href='/2'>Harbour council meets</a> again</li></ul>")
    assert not clean._is_headline_link_list(block)
    assert clean._is_headline_link_list(lxml_html.fromstring(
        "<ul><li><a href='/1'>Ferry timetable agreed today</a></li><li><a href='/2'>Harbour council meets again</a></li></ul>"))


def test_word_characters_are_letters_marks_and_digits_of_any_script():
    for text in ("", "  -- | · ", "Ferry 42", "हिंदी समाचार", "Tiếng Việt", "ニュース、速報", "Ёжик — 7"):
        assert clean._word_chars(text) == _plain_word_chars(text), text
