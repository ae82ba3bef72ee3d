"""Removal of photo captions, related-article links and page furniture, in the HTML tree and in the paragraphs.

Two passes, because captions and related links reach us in two shapes:

* :func:`find_prune_targets` works on the parsed HTML: ``<figcaption>``, caption/credit elements of common CMSs
  (WordPress ``wp-caption-text``, the ``image_caption`` table cells of Vietnamese CMSs, ``caption``, ``credit``,
  ``legende`` classes), related-news boxes found by class/id, link-only navigation blocks, and — by structure, in any
  language — headline-link lists (two or more links making at least 80% of a block's words) together with the short
  heading that introduces them (a line set like the article's own paragraphs, the list's lead-in, stays). Guards keep large or text-heavy containers out of reach. The targets are not removed
  before extraction: :func:`prune_extracted` removes their text from what trafilatura chose on the unpruned page
  (removing them first changes trafilatura's choice of the article container; see :mod:`.extract`).
* :func:`clean_paragraphs` works on paragraphs (from any input, including scraped plain text): image file-name
  lines, caption lines that end in a photo credit in any script, inline "read also" lines, subscriber/paywall lines
  (short lines, a phrase list per language: the one class structure cannot tell), and the scraped related-teaser runs
  at the end of an article (a headline repeated twice in a row, optionally followed by its one-paragraph teaser).
  :func:`trim_edge_furniture` then drops bylines, date lines, copyright notices, closing contribution credits and
  closing signatures (the authors' names alone) at the edges of the body only.

Invariant (property-tested): a paragraph is only dropped for a reason listed above, never for sharing words with a
related headline; every dropped paragraph is counted as a caption, as part of exactly one related block, or as a
subscriber line. Repetition across a site's articles is :mod:`.boilerplate`'s business, not this module's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import regex
from lxml import etree
from lxml import html as lxml_html


# --- tree pass ------------------------------------------------------------------------------------------------------

#: What class or id names a picture's caption or credit (also read by :mod:`.lead`).
CAPTION_CLASS = regex.compile(
    r"caption|credit|legende|légende|bildunterschrift|bildtext|photo[-_]?source|image[-_]?source|img[-_]?source|photo[-_]?desc|image[-_]?desc",
    regex.I,
)
_RELATED_CLASS = regex.compile(
    r"related|read[-_]?more|read[-_]?also|also[-_]?read|see[-_]?also|more[-_]?(?:news|stories|articles)"
    r"|lien[-_]?quan|tinlienquan|yarpp|outbrain|taboola|recommend|suggested|mehr[-_]?zum[-_]?thema|a[-_]?lire|baca[-_]?juga",
    regex.I,
)
# A caption element longer than this is more likely a content wrapper with an unlucky class name.
_MAX_CAPTION_CHARS = 600
_MAX_RELATED_CHARS = 3000
_MIN_RELATED_LINK_DENSITY = 0.35
PAGE_CONTAINER_TAGS = frozenset({"html", "body", "main", "article"})


def class_and_id(element: lxml_html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def _text_length(element: lxml_html.HtmlElement) -> int:
    return len(" ".join(element.itertext()).strip())


def _link_text_length(element: lxml_html.HtmlElement) -> int:
    return sum(len(" ".join(link.itertext()).strip()) for link in element.iter("a"))


def _is_caption_element(element: lxml_html.HtmlElement) -> bool:
    if element.tag == "figcaption":
        return True
    if element.tag in PAGE_CONTAINER_TAGS or not CAPTION_CLASS.search(class_and_id(element)):
        return False
    return _text_length(element) <= _MAX_CAPTION_CHARS and len(element.findall(".//p")) <= 2


_CREDIT_CLASS = regex.compile(r"credit|copyright|photographer|fotograf|autor[-_]?foto|source", regex.I)
_CAPTION_PARENT_TAGS = frozenset({"p", "div", "span", "td", "figcaption"})
_MIN_NAV_LINKS = 3
_MIN_NAV_LINK_DENSITY = 0.8
_MAX_NAV_CHARS = 300
_NOT_WORD_CHARS = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_NAV_TAGS = frozenset({"td", "div", "ul", "ol", "p", "nav", "span", "font", "center"})


def _caption_target(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A credit element that closes a short caption takes the caption with it (``<p>Text <span class=credit>``)."""
    parent = element.getparent()
    if (
        parent is not None
        and parent.tag in _CAPTION_PARENT_TAGS
        and _CREDIT_CLASS.search(class_and_id(element))
        and element.getnext() is None
        and not (element.tail or "").strip()
        and _text_length(parent) <= _MAX_CAPTION_CHARS
        and parent.find(".//p") is None
    ):
        return parent
    return element


def _word_chars(text: str) -> int:
    """Letters, marks and digits in ``text`` (what is left once everything else is cut out, in one C call)."""
    return len(_NOT_WORD_CHARS.sub("", text))


def _text(element: lxml_html.HtmlElement) -> str:
    """``"".join(element.itertext())``, serialised in C: one call instead of a Python step per text node."""
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def _non_space_chars(element: lxml_html.HtmlElement) -> int:
    """A lower bound of :func:`_text_length` computed in C: joining adds and stripping removes only whitespace."""
    return len("".join(etree.tostring(element, method="text", encoding="unicode", with_tail=False).split()))


# Link-count conditions of the two structural checks, asked in C before any text is measured: most candidates (an
# element with a class, a layout cell) hold fewer links than either check needs, and serialising their text was most
# of the tree pass's time.
_HAS_NAV_LINKS = etree.XPath(f"boolean(descendant::a[{_MIN_NAV_LINKS}])")


def _is_navigation_block(element: lxml_html.HtmlElement, non_space_chars: int | None = None) -> bool:
    """Short blocks that are nothing but links (menus, section lists), which layout tables leave in the body.

    ``non_space_chars`` is :func:`_non_space_chars` of ``element`` when the caller already has it."""
    if element.tag not in _NAV_TAGS or not _HAS_NAV_LINKS(element):
        return False
    if non_space_chars is None:
        non_space_chars = _non_space_chars(element)
    if non_space_chars > _MAX_NAV_CHARS:  # a large container: skip the exact (Python-side) measures
        return False
    links = element.findall(".//a")  # at least _MIN_NAV_LINKS: _HAS_NAV_LINKS said so
    pieces = list(element.itertext())
    text_length = len(" ".join(pieces).strip())  # == _text_length(element)
    if not 0 < text_length <= _MAX_NAV_CHARS:
        return False
    word_chars = _word_chars("".join(pieces))
    link_word_chars = _word_chars("".join(map(_text, links)))
    return word_chars > 0 and link_word_chars / word_chars >= _MIN_NAV_LINK_DENSITY


_LINK_LIST_TAGS = frozenset({"ul", "ol", "div", "section", "aside", "nav"})
_MAX_LINK_LIST_CHARS = 2500
_MIN_LINK_LIST_LINKS = 2
_HAS_LIST_LINKS = etree.XPath(f"boolean(descendant::a[{_MIN_LINK_LIST_LINKS}])")  # see _HAS_NAV_LINKS
_MIN_LINK_LIST_DENSITY = 0.8
_MAX_LIST_HEADING_CHARS = 80
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _is_headline_link_list(element: lxml_html.HtmlElement, non_space_chars: int | None = None) -> bool:
    """A list or box of headline links (``Mehr zum Thema``, "More on …", a teaser strip): two or more links, and
    their text is at least 80% of the block's words. Article prose is never that link-dense; whatever its heading
    says, in whatever language, the structure gives it away.

    ``non_space_chars`` is :func:`_non_space_chars` of ``element`` when the caller already has it."""
    if element.tag not in _LINK_LIST_TAGS or not _HAS_LIST_LINKS(element):
        return False
    if non_space_chars is None:
        non_space_chars = _non_space_chars(element)
    if non_space_chars > _MAX_LINK_LIST_CHARS:
        return False
    link_texts = [text for text in map(_text, element.iter("a")) if text.strip()]
    if len(link_texts) < _MIN_LINK_LIST_LINKS:
        return False
    word_chars = _word_chars(_text(element))
    link_word_chars = _word_chars("".join(link_texts))
    return word_chars > 0 and link_word_chars / word_chars >= _MIN_LINK_LIST_DENSITY


def _list_heading(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The short heading right before a headline list (an ``<h2>``–``<h6>`` or a short link-free block)."""
    previous = element.getprevious()
    if previous is None or (element.getparent() is not None and (element.getparent().text or "").strip()):
        return None
    if (previous.tail or "").strip() or previous.find(".//a") is not None:
        return None
    length = _text_length(previous)
    if not 0 < length <= _MAX_LIST_HEADING_CHARS:
        return None
    if previous.tag in _HEADING_TAGS:
        return previous
    if previous.tag in ("p", "div", "span", "strong", "b") and len(previous) <= 1 and not _styled_like_prose(previous):
        return previous
    return None


_MIN_PROSE_SIBLING_CHARS = 80
_PROSE_SIBLINGS_EXAMINED = 3


def _styled_like_prose(element: lxml_html.HtmlElement) -> bool:
    """``element`` has the tag and class of a preceding sibling that holds a paragraph of prose and is not set in bold
    as a whole: it is a line of the article (a list's lead-in, ``The figures:``), set like the text around it, not
    the heading of a box."""
    if any(_text_length(bold) == _text_length(element) for bold in element.iter("strong", "b")):
        return False  # set in bold as a whole: a heading, whatever its tag
    signature = (element.tag, element.get("class", ""))
    sibling = element.getprevious()
    for _ in range(_PROSE_SIBLINGS_EXAMINED):
        if sibling is None:
            return False
        if (isinstance(sibling.tag, str) and (sibling.tag, sibling.get("class", "")) == signature
                and _text_length(sibling) >= _MIN_PROSE_SIBLING_CHARS):
            return True
        sibling = sibling.getprevious()
    return False


def _is_related_box(element: lxml_html.HtmlElement) -> bool:
    if element.tag in PAGE_CONTAINER_TAGS or element.tag == "a" or not _RELATED_CLASS.search(class_and_id(element)):
        return False
    text_length = _text_length(element)
    if text_length == 0:
        return True
    if text_length > _MAX_RELATED_CHARS:
        return False
    return _link_text_length(element) / text_length >= _MIN_RELATED_LINK_DENSITY


# The only elements any check below can accept, selected in C and in document order: figcaptions, elements with a
# class or id (caption and related-box checks read those), and navigation-tag elements holding enough links.
_CANDIDATES = etree.XPath(
    "descendant::figcaption | descendant::*[@class or @id] | descendant::*[descendant::a[" + str(_MIN_NAV_LINKS) + "]]["
    + " or ".join(f"self::{tag}" for tag in sorted(_NAV_TAGS)) + "]"
    + " | descendant::*[descendant::a[" + str(_MIN_LINK_LIST_LINKS) + "]]["
    + " or ".join(f"self::{tag}" for tag in sorted(_LINK_LIST_TAGS)) + "]"
)
# Either class pattern: an element matching neither (and not a figcaption) is neither a caption nor a related box.
_CAPTION_OR_RELATED_CLASS = regex.compile(f"(?:{CAPTION_CLASS.pattern})|(?:{_RELATED_CLASS.pattern})", regex.I)
_STRUCTURE_TAGS = _NAV_TAGS | _LINK_LIST_TAGS  # the only tags the navigation and headline-list checks accept


def _inside(element: lxml_html.HtmlElement, ancestors: set[lxml_html.HtmlElement]) -> bool:
    return bool(ancestors) and any(ancestor in ancestors for ancestor in element.iterancestors())


@dataclass(frozen=True)
class PruneTargets:
    """Elements of one tree found to be captions, related-article boxes or link-only navigation blocks.

    Outermost elements only (one inside another accepted element goes with it), each counted once.
    """

    captions: tuple[lxml_html.HtmlElement, ...]
    related: tuple[lxml_html.HtmlElement, ...]
    navigation: tuple[lxml_html.HtmlElement, ...]


def find_prune_targets(tree: lxml_html.HtmlElement) -> PruneTargets:
    """Find (without changing ``tree``) the caption, related-box and navigation elements of the page."""
    captions: list[lxml_html.HtmlElement] = []
    related: list[lxml_html.HtmlElement] = []
    navigation: list[lxml_html.HtmlElement] = []
    navigation_set: set[lxml_html.HtmlElement] = set()
    class_answers: dict[str, bool] = {}
    body = tree.find("body")
    for element in _CANDIDATES(body if body is not None else tree):
        tag = element.tag
        classes = class_and_id(element)
        names_a_box = class_answers.get(classes)
        if names_a_box is None:  # a page repeats its class names: each is matched once per page
            names_a_box = class_answers[classes] = _CAPTION_OR_RELATED_CLASS.search(classes) is not None
        if tag == "figcaption" or names_a_box:
            if _is_caption_element(element):
                captions.append(element)
                continue
            if _is_related_box(element):
                related.append(element)
                continue
        if tag not in _STRUCTURE_TAGS or _inside(element, navigation_set):
            continue  # inside an accepted block it goes with that block: no need to measure it
        # Both structural checks bound the text length first; measure it (a serialisation in C) at most once.
        non_space = _non_space_chars(element) if (
            tag in _NAV_TAGS and tag in _LINK_LIST_TAGS and _HAS_LIST_LINKS(element)) else None
        if tag in _NAV_TAGS and _is_navigation_block(element, non_space):
            kind = navigation
        elif _is_headline_link_list(element, non_space):
            kind = related
        else:
            continue
        kind.append(element)
        navigation_set.add(element)
        heading = _list_heading(element)  # "a short heading followed by a run of links" goes with the run
        if heading is not None:
            kind.append(heading)
    captions = list(dict.fromkeys(_caption_target(element) for element in captions))
    caption_set = set(captions)
    removed = caption_set | set(related)
    # An element inside another accepted caption or box goes with it: keep the outermost ones only.
    outer_captions = tuple(e for e in captions if not _inside(e, removed))
    outer_related = tuple(e for e in related if not _inside(e, removed) and e not in caption_set)
    outer_navigation = tuple(e for e in navigation if not _inside(e, removed))
    return PruneTargets(outer_captions, outer_related, outer_navigation)


_SEGMENT_MIN_CONTAINED_CHARS = 30


def _normalised_text(element: lxml_html.HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


@dataclass(frozen=True)
class PrunedParagraphs:
    paragraphs: tuple[str, ...]
    captions_removed: int
    related_blocks_removed: int
    navigation_removed: int


# A paragraph opening with a clitic ("'s", "’re") or with punctuation that closes or continues a clause cannot start
# a sentence in any script: it is the rest of the paragraph before it.
_CONTINUATION = regex.compile(r"^(?:['’]\p{Ll}|[,;)\]}%])", regex.V1)


def join_split_sentences(paragraphs: list[str] | tuple[str, ...]) -> list[str]:
    """Paragraphs with the pieces of a sentence that trafilatura split around an inline link joined again.

    trafilatura sets loose text between blocks as a paragraph of its own, so ``<div>NEW DELHI: <a>Pakistan</a>'s
    army …<br/>…</div>`` comes out as ``NEW DELHI:`` / ``Pakistan`` / ``'s army …``. A paragraph that opens like a
    continuation (:data:`_CONTINUATION`) is appended, without a space, to the one before when that one does not end
    a sentence. Lower-case openings are left alone: list items and bylines (``von …``) start so too.
    """
    joined: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.lstrip()
        if joined and _CONTINUATION.match(text) and not joined[-1].rstrip().endswith(_SENTENCE_END):
            joined[-1] = joined[-1].rstrip() + text
        else:
            joined.append(paragraph)
    return joined


def prune_extracted(paragraphs: list[str] | tuple[str, ...], targets: PruneTargets) -> PrunedParagraphs:
    """Drop the extracted paragraphs that come from a caption, related box or navigation block of the page.

    This is pruning *inside* the content trafilatura chose on the unpruned page, so that it cannot change that
    choice. The pieces of a split sentence are joined first (:func:`join_split_sentences`): a piece of a sentence
    is never furniture, even when its words are those of a menu link (``Pakistan``). A paragraph goes when its
    whitespace-collapsed text is the text of a target or of one of a target's descendants (a headline link, a list
    item), or, when longer than 30 characters, lies inside a target's text (trafilatura joins inline pieces
    differently). A target is counted when at least one paragraph went with it.
    """
    paragraphs = join_split_sentences(paragraphs)
    kinds = ["caption"] * len(targets.captions) + ["related"] * len(targets.related) + ["navigation"] * len(targets.navigation)
    elements = targets.captions + targets.related + targets.navigation
    whole = [(text, index) for index, element in enumerate(elements) if (text := _normalised_text(element))]
    if not whole:
        return PrunedParagraphs(tuple(paragraphs), 0, 0, 0)
    # A descendant's collapsed text is a contiguous run of its target's collapsed words (itertext pieces are joined
    # by a space, so no word spans two pieces), hence a substring of the target's text: a target's descendants are
    # measured only when a paragraph occurs in its text, and each target's pieces at most once.
    pieces: dict[int, set[str]] = {}

    def target_pieces(index: int) -> set[str]:
        if index not in pieces:
            pieces[index] = {piece for descendant in elements[index].iter()
                             if isinstance(descendant.tag, str) and (piece := _normalised_text(descendant))}
        return pieces[index]

    kept: list[str] = []
    hit: set[int] = set()
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        containing = [i for whole_text, i in whole if text in whole_text] if text else []
        index = next((i for i in containing if text in target_pieces(i)), None)  # the text of a target's element
        if index is None and len(text) > _SEGMENT_MIN_CONTAINED_CHARS and containing:
            index = containing[0]  # lies inside a target's text
        if index is None:
            kept.append(paragraph)
        else:
            hit.add(index)
    counts = Counter(kinds[i] for i in hit)
    return PrunedParagraphs(tuple(kept), counts["caption"], counts["related"], counts["navigation"])


# --- paragraph pass -------------------------------------------------------------------------------------------------

_IMAGE_FILE_LINE = regex.compile(
    r"^[\w\s.,()\[\]~%+=&-]{0,200}\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?|svg|heic)(?:\?\S*)?$", regex.I
)
_CREDIT_WORDS = (
    r"photos?|photograph|photo\s+credit|image|images|picture|pic|credit|credits|crédit(?:\s+photo)?|crédito(?:\s+foto)?"
    r"|foto|fotos|fotó|fotografia|fotografía|bild|bildquelle|imagen|zdjęcie|ảnh|nguồn\s+ảnh|фото|фотография|снимок"
    r"|写真|照片|图片|图|圖|사진|फोटो|फ़ोटो|तस्वीर|चित्र|ছবি|ফটো|படம்|ఫోటో|ಫೋಟೋ|ഫോട്ടോ|ફોટો|ਫੋਟੋ|صورة|تصوير|عکس|φωτογραφία|kuva"
)
# "<caption text>. Photo: Reuters" / "(Ảnh: TTXVN)" / "Фото: РИА Новости" — the credit closes the paragraph.
_CAPTION_CREDIT_LINE = regex.compile(
    r"(?:^|[\s(\[।.!?,;|/—–（［「。、-])(?:" + _CREDIT_WORDS + r")\s*(?:by\s+)?[:：|/]\s*"
    r"(?P<credit>[^:：.!?।。\n]{1,60}?)\s*[)\]）］」]?\s*[.。]?$",
    regex.I | regex.V1,
)
_CAPTION_BY_LINE = regex.compile(r"[(\[]?\b(?i:photo|picture|image)\s+(?i:by)\s+[\p{Lu}][^.!?]{0,50}[)\]]?\.?$", regex.V1)
# Wire-agency picture signatures: "... in Hanoi, June 20, 2024. REUTERS/Minh Hoang"
_AGENCY_SIGNATURE = regex.compile(
    r"(?:REUTERS|AFP|AP|EPA(?:-EFE)?|ANADOLU|XINHUA|SPUTNIK|TASS|GETTY IMAGES|AAP)(?:\s+PHOTO)?\s*/\s*[\p{L} .'-]{2,50}$",
    regex.V1,
)
_MAX_CAPTION_PARAGRAPH_CHARS = 400
_MAX_CREDIT_WORDS = 6

_READ_ALSO_PHRASES = (
    r"read\s+also|also\s+read|read\s+more|see\s+also|related|more\s+on\s+this|recommended|watch"
    r"|यह\s+भी\s+पढ़ें|ये\s+भी\s+पढ़ें|इसे\s+भी\s+पढ़ें|यह\s+भी\s+देखें|और\s+पढ़ें|पढ़ें\s+भी"
    r"|xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|bài\s+liên\s+quan"
    r"|(?:à\s+)?lire\s+(?:aussi|également)|voir\s+aussi|sur\s+le\s+même\s+sujet"
    r"|читайте\s+также|смотрите\s+также|по\s+теме|читать\s+также"
    r"|lesen\s+sie\s+(?:auch|mehr)|auch\s+interessant|mehr\s+zum\s+thema"
    r"|baca\s+juga|simak\s+juga|lihat\s+juga|baca\s+selengkapnya"
    r"|lee\s+también|leer\s+también|lea\s+también|te\s+puede\s+interesar|ver\s+también|leia\s+também|veja\s+também"
    r"|leggi\s+anche|czytaj\s+(?:też|także)|devamını\s+oku|ayrıca\s+okuyun|اقرأ\s+أيضا|اقرأ\s+أيضًا|اقرأ\s+المزيد"
    r"|另请阅读|延伸阅读|相关阅读|相關閱讀|関連記事|관련기사|함께\s+보면\s+좋은"
)
# Marker at the start of a paragraph, with an explicit separator (or alone on its line).
_READ_ALSO_LINE = regex.compile(
    r"^[\s\-–—•*»>|\[(]*(?:" + _READ_ALSO_PHRASES + r")\s*(?:[)\]]\s*)?(?P<rest>(?:[:：\-–—»>|]|\.{3}|…).*|)$",
    regex.I | regex.V1,
)
# Phrases specific enough to need no separator ("Baca juga Judul berita"), never the generic English words.
_READ_ALSO_BARE = regex.compile(
    r"^[\s\-–—•*»>|\[(]*(?:यह\s+भी\s+पढ़ें|ये\s+भी\s+पढ़ें|इसे\s+भी\s+पढ़ें|xem\s+thêm|đọc\s+thêm|lire\s+aussi"
    r"|читайте\s+также|lesen\s+sie\s+auch|baca\s+juga|simak\s+juga|lee\s+también|leia\s+também|leggi\s+anche)\s+\S",
    regex.I | regex.V1,
)
_SENTENCE_END = (".", "!", "?", "।", "。", "！", "？", "…", "\"", "”", "»")
_MAX_READ_ALSO_CHARS = 300
_MAX_RELATED_HEADLINE_CHARS = 200
_MAX_TEASER_CHARS = 1200
_MAX_BARE_MARKER_HEADLINES = 5
_MAX_BARE_MARKER_HEADLINE_CHARS = 160


# Subscriber/paywall furniture: the one class where structure cannot tell (a plain short paragraph), so a phrase list,
# per language, of what such lines say. Only short paragraphs are tested (an article about subscriptions stays).
_SUBSCRIBER_PHRASES = (
    r"reserved\s+for\s+(?:our\s+)?subscribers|for\s+subscribers\s+only|subscribers?\s+only|exclusive\s+to\s+subscribers"
    r"|already\s+a\s+subscriber|subscribe\s+(?:now\s+)?to\s+(?:continue|keep)\s+reading|to\s+continue\s+reading,?\s+(?:please\s+)?(?:subscribe|log\s*in|sign\s+in)"
    r"|réservée?\s+aux\s+abonnés|déjà\s+abonné|abonnez-vous\s+pour\s+(?:lire|continuer)"
    r"|nur\s+für\s+abonnenten|exklusiv\s+für\s+abonnenten|bereits\s+abonnent|jetzt\s+(?:weiter)?lesen\s+mit|für\s+abonnenten\s+(?:freigeschaltet|reserviert)"
    r"|exclusivo\s+para\s+(?:suscriptores|assinantes|abonados)|solo\s+para\s+suscriptores|ya\s+eres\s+suscriptor|já\s+é\s+assinante"
    r"|riservat[oa]\s+agli\s+abbonati|solo\s+per\s+(?:gli\s+)?abbonati|sei\s+già\s+abbonato"
    r"|alleen\s+voor\s+abonnees|kun\s+for\s+abonnenter|for\s+abonnenter|för\s+prenumeranter|er\s+du\s+allerede\s+abonnent"
    r"|tylko\s+dla\s+(?:subskrybentów|prenumeratorów)|pouze\s+pro\s+předplatitele|pro\s+předplatitele|abonelere\s+özel"
    r"|только\s+для\s+подписчиков|доступно\s+(?:только\s+)?подписчикам"
    r"|有料会員|会員限定|この記事は会員|유료\s*회원|구독자\s*전용|订阅用户专享|付费会员|訂閱會員"
)
_SUBSCRIBER_LINE = regex.compile(r"(?:" + _SUBSCRIBER_PHRASES + r")", regex.I | regex.V1)
_MAX_SUBSCRIBER_LINE_CHARS = 200


def is_subscriber_line(paragraph: str) -> bool:
    """A short paywall/subscription line (``Article réservé aux abonnés``, ``Already a subscriber? Log in``)."""
    return len(paragraph) <= _MAX_SUBSCRIBER_LINE_CHARS and _SUBSCRIBER_LINE.search(paragraph) is not None


@dataclass(frozen=True)
class CleanedParagraphs:
    paragraphs: tuple[str, ...]
    captions_removed: int
    related_blocks_removed: int
    subscriber_lines_removed: int = 0


def is_image_file_line(paragraph: str) -> bool:
    """A line that is only an image file name or image URL (a scraped ``<img>`` title or alt)."""
    return bool(_IMAGE_FILE_LINE.match(paragraph)) or (
        " " not in paragraph and regex.search(r"\.(?:jpe?g|png|gif|webp|avif)(?:\?\S*)?$", paragraph, regex.I) is not None
    )


def is_caption_line(paragraph: str) -> bool:
    """A short paragraph closed by a photo credit in any script (``…। फोटो: स्पुतनिक``, ``Photo: Reuters``)."""
    if len(paragraph) > _MAX_CAPTION_PARAGRAPH_CHARS:
        return False
    match = _CAPTION_CREDIT_LINE.search(paragraph)
    if match is not None and len(match.group("credit").split()) <= _MAX_CREDIT_WORDS:
        return True
    return bool(_CAPTION_BY_LINE.search(paragraph) or _AGENCY_SIGNATURE.search(paragraph))


def read_also_kind(paragraph: str) -> str | None:
    """``"inline"`` for a read-also line carrying its headline, ``"bare"`` for a marker alone, else ``None``."""
    if len(paragraph) > _MAX_READ_ALSO_CHARS:
        return None
    match = _READ_ALSO_LINE.match(paragraph)
    if match is not None:
        rest = match.group("rest").lstrip(":：-–—»>|.… ")
        return "inline" if rest else "bare"
    return "inline" if _READ_ALSO_BARE.match(paragraph) else None


def _related_run_start(paragraphs: list[str]) -> int:
    """Index where the trailing run of repeated-headline blocks begins (``len(paragraphs)`` when there is none).

    A block is a headline repeated twice in a row (image title + link) optionally followed by one teaser paragraph
    that is not itself the start of another block. The run must reach the end of the article: repeated paragraphs
    in the middle of an article are left to the reader.
    """
    count = len(paragraphs)

    def parses_to_end(start: int) -> bool:
        index = start
        while index < count:
            if not (
                index + 1 < count
                and paragraphs[index] == paragraphs[index + 1]
                and len(paragraphs[index]) <= _MAX_RELATED_HEADLINE_CHARS
            ):
                return False
            index += 2
            if index < count and not (index + 1 < count and paragraphs[index] == paragraphs[index + 1]):
                if len(paragraphs[index]) > _MAX_TEASER_CHARS:
                    return False
                index += 1
        return True

    for start in range(count - 1):
        if paragraphs[start] == paragraphs[start + 1] and parses_to_end(start):
            return start
    return count


def _count_related_blocks(run: list[str]) -> int:
    blocks, index = 0, 0
    while index < len(run):
        blocks += 1
        index += 2
        if index < len(run) and not (index + 1 < len(run) and run[index] == run[index + 1]):
            index += 1
    return blocks


def clean_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> CleanedParagraphs:
    """Drop caption, image-file-name and related-link paragraphs from already normalised ``paragraphs``."""
    kept: list[str] = []
    captions = related = subscriber = 0
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        index += 1
        if not paragraph:
            continue
        if is_image_file_line(paragraph) or is_caption_line(paragraph):
            captions += 1
            continue
        if is_subscriber_line(paragraph):
            subscriber += 1
            continue
        kind = read_also_kind(paragraph)
        if kind is not None:
            related += 1
            if kind == "bare":
                # The headlines follow the marker on their own lines: the first short line always, then more short
                # lines as long as they end like headlines (without a sentence-final mark).
                taken = 0
                while (
                    index < len(paragraphs)
                    and taken < _MAX_BARE_MARKER_HEADLINES
                    and len(paragraphs[index]) <= _MAX_BARE_MARKER_HEADLINE_CHARS
                    and (taken == 0 or not paragraphs[index].endswith(_SENTENCE_END))
                ):
                    index += 1
                    taken += 1
            continue
        kept.append(paragraph)
    run_start = _related_run_start(kept)
    related += _count_related_blocks(kept[run_start:])
    return CleanedParagraphs(tuple(kept[:run_start]), captions, related, subscriber)


# --- page furniture at the edges of the body ------------------------------------------------------------------------

_COPYRIGHT_LINE = regex.compile(r"^(?:©|\(c\)|copyright\b)|all rights reserved|tous droits réservés|alle rechte vorbehalten"
                                r"|todos los derechos reservados|bản quyền|सर्वाधिकार सुरक्षित", regex.I)
_BYLINE_OR_DATE_PREFIX = regex.compile(
    r"^(?:by|por|par|von|oleh|di|da|door|av|автор|tác giả|posted|published|publicado|publié|veröffentlicht|updated"
    r"|actualizado|atualizado|mis à jour|aktualisiert|cập nhật|đăng|अपडेटेड|प्रकाशित|обновлено|опубликовано)\b",
    regex.I,
)
_DATE_LIKE = regex.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:19|20)\d{2}\b|\b\d{1,2}:\d{2}\b")
_MAX_FURNITURE_CHARS = 80
_MAX_FRAGMENT_WORDS = 3


def is_edge_furniture(paragraph: str) -> bool:
    """Bylines, date lines, copyright notices and bare name fragments that extractors leave at the body's edges.

    (A dateline set as a block of its own, ``BERLIN, dpa –``, is taken as the dateline before this runs.)
    """
    if len(paragraph) > 200:
        return False
    if _COPYRIGHT_LINE.search(paragraph):
        return True
    if len(paragraph) > _MAX_FURNITURE_CHARS or paragraph.endswith(_SENTENCE_END):
        return False
    words = paragraph.split()
    if _BYLINE_OR_DATE_PREFIX.match(paragraph) and len(words) <= 10:
        return True
    if _DATE_LIKE.search(paragraph) and len(words) <= 8:
        return True
    return len(words) <= _MAX_FRAGMENT_WORDS


# The contribution credit that closes a story ("With files from The Associated Press", "Mit Agenturmaterial",
# "MDR (dst)"): tested only at the end of the body, on short lines.
_AGENCY = r"(?:dpa|afp|ap|apa|sda|epd|kna|efe|ansa|reuters|associated\s+press|the\s+canadian\s+press|kyodo|xinhua)"
_CONTRIBUTION_LINE = regex.compile(
    r"contributed\s+to\s+this\s+(?:report|story|article)|^[—–-]?\s*(?:with\s+(?:files|reporting|reports)\s+(?:from|by)"
    r"|additional\s+reporting\s+by|mit\s+(?:agentur)?material\s+(?:von|der)|^mit\s+agenturmaterial"
    r"|mit\s+informationen\s+(?:von|der)|con\s+información\s+de|avec\s+(?:l'|l’)?(?:afp|agences))"
    r"|^\(?" + _AGENCY + r"(?:\s*[/,]\s*" + _AGENCY + r")*\)?\.?$"
    r"|^[\p{Lu}\p{N}]{2,12}\s*\([\p{L} ,.]{2,40}\)\.?$",  # OUTLET (initials or names)
    regex.I | regex.V1,
)
_MAX_CONTRIBUTION_CHARS = 160


# The authors' signature that closes a story, names only: "Anna Nowak, Jan Kowalski", "Ana Ruiz y Luis Gómez".
_NAME = r"\p{Lu}[\p{Ll}\p{M}'’-]+(?:[ -]\p{Lu}[\p{Ll}\p{M}'’-]+){1,2}"
_NAME_JOIN = r"(?:\s*[,;&]\s*|\s+(?:and|und|et|y|e|i|и|та|і|a|og|och|en|ve)\s+)"
_SIGNATURE_LINE = regex.compile(r"^" + _NAME + r"(?:" + _NAME_JOIN + _NAME + r"){1,5}$", regex.V1)


def is_closing_credit(paragraph: str) -> bool:
    """A short contribution or agency credit line, or the authors' names alone (end of the body only)."""
    if len(paragraph) > _MAX_CONTRIBUTION_CHARS:
        return False
    return _CONTRIBUTION_LINE.search(paragraph) is not None or _SIGNATURE_LINE.match(paragraph.strip()) is not None


def trim_edge_furniture(paragraphs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Drop furniture paragraphs at the start and end only; the middle of an article is never touched."""
    start, end = 0, len(paragraphs)
    while start < end and is_edge_furniture(paragraphs[start]):
        start += 1
    while end > start and (is_edge_furniture(paragraphs[end - 1]) or is_closing_credit(paragraphs[end - 1])):
        end -= 1
    return tuple(paragraphs[start:end])
