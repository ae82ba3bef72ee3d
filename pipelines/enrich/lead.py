"""The standfirst: the lead the page shows above its article, which extractors leave out.

Publishers set the lead (standfirst, teaser, ``Vorspann``) apart from the body: in the article header next to the
headline, or in a block of its own before the text. trafilatura scores it as part of the header and drops it on
many pages, in both its modes. What tells the lead apart from any other short block is that the page states it
about itself: its text is one of the page's own descriptions (:func:`~.titles.stated_descriptions`). A description
alone is not enough (many are social-media teasers no reader sees): the page must also *show* it, as the text of a
visible element of the body that is no link, navigation, script, form or picture caption, before the article's text
begins (after it, the same words are a teaser of this article in a related box).

:func:`shown_lead` finds that text in the tree (extraction); :func:`with_lead` puts it before the body when the
body's first paragraphs do not hold it already (cleaning). Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex
from lxml import html as lxml_html

from presspipe.pipelines.enrich.clean import CAPTION_CLASS, PAGE_CONTAINER_TAGS, class_and_id
from presspipe.pipelines.enrich.words import comparable_words, reads_like_sentence

#: A shorter description is a kicker or a label, not a lead.
MIN_LEAD_WORDS = 8
#: Words at the start that must agree for a paragraph of the body to be the lead already.
_SAME_OPENING_WORDS = 8
#: The body's first paragraphs, where a lead it holds already stands.
_LEAD_WINDOW = 3
#: What closes a description cut to length.
_CUT_MARKS = ("…", "...", "[…]", "(…)")
_SECTION_LABEL = regex.compile(r"^[^:.!?]{1,40}:\s+(?=\S)")  # "Pakistan News: …", at most a few words
_MAX_LABEL_WORDS = 3
#: Elements whose text is never shown as the article's lead (and the text inside them).
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "a", "nav", "form",
                          "button", "select", "option", "textarea", "svg", "iframe", "figure", "figcaption"})


def _candidates(tree: lxml_html.HtmlElement):
    """The body's elements in document order, without those of :data:`_HIDDEN_TAGS` or ``hidden`` and what they hold
    (one pass: an element is skipped when its parent was)."""
    body = tree.find("body")
    if body is None:
        return
    skipped: set[lxml_html.HtmlElement] = set()
    for element in body.iterdescendants():
        if (not isinstance(element.tag, str) or element.tag in _HIDDEN_TAGS or element.get("hidden") is not None
                or element.getparent() in skipped):
            skipped.add(element)
            continue
        yield element


def _descriptions(text: str) -> list[tuple[list[str], bool]]:
    """The description's words, and whether it was cut to length (closed by an ellipsis); also without a short
    section label before a colon, which some sites put before it (``Pakistan News: …``)."""
    text = text.strip()
    cut_short = text.endswith(_CUT_MARKS)
    found = [(comparable_words(text), cut_short)]
    label = _SECTION_LABEL.match(text)
    if label is not None and len(comparable_words(label.group(0))) <= _MAX_LABEL_WORDS:
        found.append((comparable_words(text[label.end():]), cut_short))
    return found


def _is_description(text_tokens: list[str], description: tuple[list[str], bool]) -> bool:
    """The element says the description: the same words, or, for a description cut to length, the element's words
    begin with it (its last word may be cut). Cut to length means closed by an ellipsis, or ending in the first
    letters of the element's next word (``… This move, whic``). A complete description followed by more words (a
    credit) is not it."""
    description_tokens, cut_short = description
    if text_tokens == description_tokens:
        return True
    cut, last = description_tokens[:-1], description_tokens[-1]
    if not (MIN_LEAD_WORDS <= len(cut) < len(text_tokens) and text_tokens[:len(cut)] == cut):
        return False
    following = text_tokens[len(cut)]
    return cut_short or (following != last and following.startswith(last))


_CAPTION_ANCESTORS = 4


def _in_caption(element: lxml_html.HtmlElement) -> bool:
    """Inside a picture's caption (``class="caption"``, ``image-credit`` …; the element or one of its nearest
    ancestors, the page's own containers aside): a caption may repeat the description."""
    nodes = [element, *element.iterancestors()][:_CAPTION_ANCESTORS + 1]
    return any(CAPTION_CLASS.search(class_and_id(node)) for node in nodes if node.tag not in PAGE_CONTAINER_TAGS)


def shown_lead(tree: lxml_html.HtmlElement, descriptions: tuple[str | None, ...] | list[str | None],
               body: tuple[str, ...] | list[str] = ()) -> str | None:
    """The text (whitespace collapsed) of the first visible body element that says one of ``descriptions`` and comes
    before the article's text, or ``None``.

    ``body`` are the extracted paragraphs: the search ends at the first element that opens with the first of them
    that reads like a sentence (a lead follows the article's text nowhere but in a teaser of the article itself, in
    a related box). Captions are never leads: a picture's caption may say the description.
    """
    wanted = [found for d in descriptions if d for found in _descriptions(d) if len(found[0]) >= MIN_LEAD_WORDS]
    if not wanted:
        return None
    longest = max(len(tokens) for tokens, _ in wanted)
    first = next((p for p in body if reads_like_sentence(p, MIN_LEAD_WORDS)), None)
    opening = comparable_words(first)[:_SAME_OPENING_WORDS] if first else []
    openings = {tuple(tokens[:_SAME_OPENING_WORDS]) for tokens, _ in wanted}
    starts: dict[str, list[str]] = {}  # nested containers open with the same text: tokenised once
    for element in _candidates(tree):
        text_start = _text_start(element)
        start = starts.get(text_start)
        if start is None:
            start = starts[text_start] = comparable_words(text_start)[:_SAME_OPENING_WORDS]
        if opening and start[:len(opening)] == opening:
            return None  # the article's text begins here: no lead before it
        if tuple(start) not in openings:
            continue
        text = _says(element, wanted, longest)
        if text is not None and not _in_caption(element):
            # the innermost element that says it: a container may hold the lead and a short line more
            inner = (_says(node, wanted, longest) for node in element.iterdescendants()
                     if isinstance(node.tag, str) and node.tag not in _HIDDEN_TAGS)
            return [found for found in (text, *inner) if found is not None][-1]
    return None


#: A description cut to length may stand for a lead of many more words.
_MIN_LEAD_BOUND = 80


#: Elements whose text a reader never sees, inside an element that is shown.
_UNRENDERED_TAGS = frozenset({"script", "style", "noscript", "template"})


def _shown_text(element: lxml_html.HtmlElement) -> Iterator[str]:
    """The element's text pieces in document order, lazily, without what is not rendered (scripts, styles, comments,
    ``hidden`` elements; their tails are text): an inline script inside the lead's container is no part of the lead,
    and tokenising a 100 KB script once per enclosing container had made the search cost 100 ms on one real page."""
    if element.text:
        yield element.text
    stack = [(element, iter(element))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack and parent.tail:  # the tail of a descendant, read once its own text is
                yield parent.tail
        elif isinstance(child.tag, str) and child.tag not in _UNRENDERED_TAGS and child.get("hidden") is None:
            if child.text:
                yield child.text
            stack.append((child, iter(child)))
        elif child.tail:
            yield child.tail


def _says(element: lxml_html.HtmlElement, wanted: list[tuple[list[str], bool]], longest: int) -> str | None:
    """The element's text when it says one of the descriptions, else ``None``."""
    text = " ".join("".join(_shown_text(element)).split())
    tokens = comparable_words(text)
    if len(tokens) <= max(2 * longest, _MIN_LEAD_BOUND) and any(_is_description(tokens, d) for d in wanted):
        return text
    return None


_START_CHARS = 160


def _text_start(element: lxml_html.HtmlElement) -> str:
    """The first characters of the element's text (at least :data:`_START_CHARS`, enough for the words compared,
    when it has them), read lazily: a container's whole text is as long as the page."""
    pieces: list[str] = []
    size = 0
    for piece in _shown_text(element):
        pieces.append(piece)
        size += len(piece)
        if size >= _START_CHARS:
            break
    return "".join(pieces)


def opens_with(paragraphs: tuple[str, ...] | list[str], lead: str) -> bool:
    """The lead's first words occur in the first paragraphs (after a dateline, say): the body has it already."""
    opening = " " + " ".join(comparable_words(lead)[:_SAME_OPENING_WORDS]) + " "
    head = " " + " ".join(token for paragraph in paragraphs[:_LEAD_WINDOW] for token in comparable_words(paragraph)) + " "
    return opening in head


def with_lead(paragraphs: tuple[str, ...] | list[str], lead: str | None) -> tuple[str, ...]:
    """``paragraphs`` with ``lead`` before them, unless there is no lead or the body already opens with it."""
    if not lead or opens_with(paragraphs, lead):
        return tuple(paragraphs)
    return (lead, *paragraphs)
