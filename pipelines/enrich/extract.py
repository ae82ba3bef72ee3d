"""HTML and plain-text extraction: body paragraphs plus the metadata the page states about itself.

The HTML is parsed once with lxml; the same tree goes through our own metadata pass (canonical URL, ``<html lang>``),
the search for captions/related boxes/navigation blocks (:mod:`.clean`) and trafilatura (body and the remaining
metadata), which copies the tree it is given instead of re-parsing. Paragraph boundaries come from trafilatura's output
tree: each ``<p>``, heading, list item, quotation and table row is one paragraph, and an explicit line break inside one
of them also separates paragraphs (scraped text treats lines the same way).

Two decisions keep trafilatura's choice of the article safe (measured with ``make bench-quality`` on real pages):

* trafilatura runs on the *unpruned* tree and the caption/related/navigation blocks are removed from what it chose
  (:func:`~.clean.prune_extracted`). Removing a block before extraction changes trafilatura's scores of the
  containers, and on some pages it then picks another one (a South African page lost 27 of 30 paragraphs so).
* ``favor_precision`` drops link-dense or short paragraphs inside the article on some pages; a second, default-mode
  pass is the recall safety net (:func:`restore_dropped_paragraphs`): its paragraphs that fill a short gap between
  two paragraphs both modes kept, and read like sentences, are put back; a fuller version of a kept paragraph (the
  same words plus the text of its inline links) replaces it. When the precision pass finds nothing, the default
  pass's text is used. The second pass is about a third of the extraction's time; ``--no_recall_safety_net`` turns
  it off (``docs/performance.md`` has what that costs in quality on real pages).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import regex
import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Extractor

from presspipe.pipelines.enrich.clean import find_prune_targets, prune_extracted
from presspipe.pipelines.enrich.ids import normalize_url
from presspipe.pipelines.enrich.jsonld import json_ld_objects
from presspipe.pipelines.enrich.lead import shown_lead
from presspipe.pipelines.enrich.errors import DecodingError, EmptyArticleError, ExtractionError, LimitExceededError
from presspipe.pipelines.enrich.published import PublicationTime, from_fallback, publication_time
from presspipe.pipelines.enrich.titles import site_names, stated_descriptions, stated_headlines
from presspipe.pipelines.enrich.words import comparable_words, reads_like_sentence
from presspipe.core.compression import CorruptGzipError, InflateLimitError, gunzip_capped, is_gzip


@dataclass(frozen=True)
class ExtractionOptions:
    """trafilatura options; the defaults are the best-scoring combination on public news benchmarks."""

    favor_precision: bool = True
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True
    fast: bool = False
    extensive_date_search: bool = True
    #: With ``favor_precision``: run trafilatura's default mode as well and restore the article paragraphs that
    #: precision mode dropped (see the module docstring). Costs a second extraction pass; ``--no_recall_safety_net``
    #: turns it off for sources where it was measured to restore nothing (docs/performance.md has the trade).
    recall_safety_net: bool = True


@dataclass(frozen=True)
class ExtractedDocument:
    paragraphs: tuple[str, ...]
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    site_name: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    declared_language: str | None = None
    captions_removed: int = 0
    related_blocks_removed: int = 0
    navigation_removed: int = 0
    paragraphs_restored: int = 0
    # What the page states about its publication (precision, date), ``published_at`` being its instant when exact.
    published: PublicationTime | None = None
    # The names the page gives its site (og:site_name, JSON-LD publisher): what a title suffix may be stripped of.
    site_names: tuple[str, ...] = ()
    # Headlines the page states besides the title (og:title, JSON-LD headline, <h1>): what a body may repeat.
    headlines: tuple[str, ...] = ()
    # The standfirst the page shows and states as its description (lead.shown_lead): what a body may lack.
    lead: str | None = None


# --- bytes ----------------------------------------------------------------------------------------------------------



def gunzip_if_compressed(data: bytes, *, max_decompressed_bytes: int) -> bytes:
    """Decompress a gzip body (``.html.gz`` files, servers that ignore Accept-Encoding) without a zip-bomb risk."""
    if not is_gzip(data):
        return data
    try:
        return gunzip_capped(data, max_decompressed_bytes)
    except InflateLimitError as error:
        raise LimitExceededError("max_decompressed_bytes", limit=max_decompressed_bytes,
                                 actual=error.inflated) from error
    except CorruptGzipError as error:
        raise DecodingError(f"corrupt gzip body: {error}") from error


# Formats that servers and feeds mislabel as text/html; none of them starts a text document, so their signature
# alone refuses them (otherwise a PDF's ASCII syntax would come out as an "article").
_BINARY_SIGNATURES = (
    (b"%PDF-", "PDF"), (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"), (b"PK\x03\x04", "ZIP/Office"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE/Office"),
    (b"RIFF", "RIFF (WebP/AVI/WAV)"), (b"\x7fELF", "ELF executable"), (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"wOFF", "WOFF font"), (b"wOF2", "WOFF2 font"),
)


def refuse_binary(data: bytes) -> None:
    """Raise ``DecodingError`` for a known binary format, whatever the content type claimed."""
    for signature, name in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise DecodingError(f"binary content ({name}), not a text document")
    if data[4:8] == b"ftyp":
        raise DecodingError("binary content (ISO media: MP4/HEIF/AVIF), not a text document")


# --- HTML -----------------------------------------------------------------------------------------------------------

_XML_DECLARATION = regex.compile(r"^\s*<\?xml[^>]*\?>", regex.I)


# lxml.html's parser asks a Python callback for the class of every element proxy it creates (to give forms and
# inputs their own classes); trafilatura walks the tree many times, so that callback was a third of extraction time.
# A C-level default lookup gives every element the same HtmlElement class and no callback (identical extraction on the
# whole benchmark corpus: presspipe never uses the form-specific classes).
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)
_NODE_COUNT = etree.XPath("count(descendant-or-self::node()[not(self::text())])")


def _html_parser() -> etree.HTMLParser:
    """A new parser per document (lxml parsers must not be shared by concurrent threads)."""
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


def parse_html(text: str, *, max_dom_nodes: int) -> lxml_html.HtmlElement:
    """Parse once; the caller prunes and extracts from this tree. Raises on unparseable or oversized documents."""
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses str input that declares its own encoding
    if not text.strip():
        raise EmptyArticleError("empty document")
    try:
        tree = lxml_html.document_fromstring(text, parser=_html_parser())
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unparseable HTML: {error}") from error
    node_count = int(_NODE_COUNT(tree))  # elements, comments, PIs and entities, like tree.iter(), counted in C
    if node_count > max_dom_nodes:
        raise LimitExceededError("max_dom_nodes", limit=max_dom_nodes, actual=node_count)
    return tree


def _http_url(candidate: str | None, base: str | None) -> str | None:
    if not candidate or not candidate.strip():
        return None
    try:
        url = urljoin(base or "", candidate.strip())
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 literal in a scraped link
        return None
    return normalize_url(url) if parts.scheme in ("http", "https") and parts.netloc else None


def canonical_url(tree: lxml_html.HtmlElement, base_url: str | None) -> str | None:
    """``<link rel=canonical>``, else ``og:url``, resolved against the fetch URL; only absolute http(s) URLs."""
    for href in tree.xpath("//head/link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"):
        if (url := _http_url(href, base_url)) is not None:
            return url
    for content in tree.xpath("//head/meta[@property='og:url' or @name='og:url'][@content]/@content"):
        if (url := _http_url(content, base_url)) is not None:
            return url
    return None


_LANGUAGE_TAG = regex.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$", regex.I)


def language_code(tag: str | None) -> str | None:
    """``en-US`` → ``en``; ``None`` for anything that is not a BCP-47-looking tag."""
    match = _LANGUAGE_TAG.match((tag or "").strip())
    return match.group(1).lower() if match else None


def declared_language(tree: lxml_html.HtmlElement) -> str | None:
    """``<html lang>`` (or ``xml:lang``), else ``Content-Language`` meta, else ``og:locale``."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang"), tree.get("xml:lang")]
    candidates += tree.xpath("//head/meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content")
    candidates += tree.xpath("//head/meta[@property='og:locale']/@content")
    for candidate in candidates:
        if (code := language_code(candidate)) is not None:
            return code
    return None


_CONTAINER_TAGS = frozenset({"list", "table", "row", "cell", "quote", "div", "body"})
_BLOCK_CHILD_TAGS = frozenset({"p", "head", "list", "table", "row", "cell", "item", "quote", "div", "code"})


def _element_lines(element: etree._Element) -> list[str]:
    """Lines of one leaf block; ``<lb/>`` splits lines, nested inline markup is flattened, cells joined by a space."""
    lines: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            lines.append(child.tail or "")
            continue
        child_lines = _element_lines(child)
        separator = " " if child.tag == "cell" else ""
        lines[-1] += separator + child_lines[0]
        lines.extend(child_lines[1:])
        lines[-1] += separator + (child.tail or "") if child.tag == "cell" else (child.tail or "")
    return lines


def paragraphs_from_body(body: etree._Element) -> list[str]:
    """One paragraph per leaf block of trafilatura's output tree.

    A container (list, table, row, cell, quotation) whose children include blocks is split: its loose text and tails
    become paragraphs of their own, each block child is visited. A row of plain cells stays one paragraph.
    """
    paragraphs: list[str] = []

    def visit(element: etree._Element) -> None:
        if element.tag in ("graphic", "ref") and not "".join(element.itertext()).strip():
            return
        has_blocks = any(child.tag in _BLOCK_CHILD_TAGS for child in element)
        if element.tag in _CONTAINER_TAGS and has_blocks and not (
            element.tag == "row" and all(child.tag == "cell" and not len(child) for child in element)
        ):
            pending = [element.text or ""]
            for child in element:
                if child.tag in _BLOCK_CHILD_TAGS:
                    paragraphs.extend(pending)
                    pending = []
                    visit(child)
                    pending = [child.tail or ""]
                elif child.tag == "lb":
                    pending.append(child.tail or "")
                else:
                    pending[-1] += "".join(_element_lines(child)) + (child.tail or "")
            paragraphs.extend(pending)
            return
        paragraphs.extend(_element_lines(element))

    visit(body)
    return [paragraph for paragraph in paragraphs if paragraph.strip()]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def _date_from_page_text(tree: lxml_html.HtmlElement) -> PublicationTime | None:
    """htmldate's extensive search over visible text and URLs, used only when neither the markup nor trafilatura's
    metadata pass found a date (the last resort: the slowest search, and the least trusted).

    Its coarse guesses (a year from a copyright line, a year/month from an image path) come back as midnight on the
    first of a month; a wrong date is worse than none, so those are discarded.
    """
    if tree.xpath("//head/meta[@property='article:published_time' or @itemprop='datePublished' or @name='date']"):
        return None  # the page states its date in a tag neither we nor trafilatura could read: no guessing
    try:
        found = htmldate.find_date(tree, extensive_search=True, original_date=True, outputformat=_DATE_FORMAT)
    except ValueError:
        return None
    parsed = _parse_date(found)
    if parsed is None or (parsed.day == 1 and (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0)):
        return None
    return from_fallback(parsed.strftime("%Y-%m-%d"))


def _authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(dict.fromkeys(name.strip() for name in regex.split(r";|\s+\|\s+", value) if name.strip()))


# --- recall safety net ---------------------------------------------------------------------------------------------

_ALIGN_WINDOW = 4  # how far ahead in the precise paragraphs a default-mode paragraph may find its counterpart
_MAX_RESTORED_GAP = 3  # a longer run of default-only paragraphs is a block precision mode rightly dropped
_MIN_RESTORED_WORDS = 8
_FULLER_MIN_SHARED = 0.9  # share of a kept paragraph's words its fuller version must contain


def _same_or_fuller(kept: str, candidate: str) -> bool:
    """``candidate`` is ``kept``, or ``kept`` with words added (precision mode drops the text of inline links)."""
    if kept == candidate:
        return True
    kept_words, candidate_words = comparable_words(kept), comparable_words(candidate)
    if not kept_words or not len(kept_words) <= len(candidate_words) <= 2 * len(kept_words):
        return False
    shared = Counter(kept_words) & Counter(candidate_words)
    return sum(shared.values()) >= _FULLER_MIN_SHARED * len(kept_words)


_MIN_LEAD_PREFIX_WORDS = 6
_LEAD_PREFIX_WORDS = 20


def _is_stated_lead(paragraph: str, descriptions: Sequence[str | None]) -> bool:
    """The paragraph opens with the words of one of the page's own descriptions (``og:description``,
    ``twitter:description``, …; :func:`~.titles.stated_descriptions`): the article's lead."""
    lead = comparable_words(paragraph)
    for text in descriptions:
        if not text:
            continue
        stated = comparable_words(text)
        if len(stated) < len(lead):
            stated = stated[:-1]  # a description cut to length ends in a partial word
        size = min(len(lead), len(stated), _LEAD_PREFIX_WORDS)
        if size >= _MIN_LEAD_PREFIX_WORDS and lead[:size] == stated[:size]:
            return True
    return False


def restore_dropped_paragraphs(precise: list[str], default: list[str], *,
                               descriptions: Sequence[str | None] = ()) -> tuple[list[str], int]:
    """Merge a default-mode extraction into a precision-mode one; returns the paragraphs and how many were restored.

    The default paragraphs are aligned, in order, to the precise ones (equal, or a fuller version). A default-only
    paragraph is restored when it sits in a gap of at most three paragraphs between two aligned ones, occurs once on
    the page and reads like a sentence (eight words or more, closed by a sentence mark). Before the first aligned
    paragraph (where default mode picks up page furniture) only the lead is taken back: a paragraph, at most three
    before it, that opens with the words of one of the page's descriptions. Nothing after
    the last aligned one is taken.
    """
    collapsed_precise = [" ".join(p.split()) for p in precise]
    collapsed_default = [" ".join(p.split()) for p in default]
    alignment: dict[int, int] = {}
    next_precise = 0
    for index, paragraph in enumerate(collapsed_default):
        for candidate in range(next_precise, min(len(collapsed_precise), next_precise + _ALIGN_WINDOW)):
            if _same_or_fuller(collapsed_precise[candidate], paragraph):
                alignment[index] = candidate
                next_precise = candidate + 1
                break
    if not alignment:
        return list(precise), 0
    merged = list(precise)
    for index, candidate in alignment.items():
        merged[candidate] = default[index]
    occurrences = Counter(collapsed_default)
    inserted: dict[int, list[str]] = {}
    aligned = sorted(alignment)
    for before, after in zip(aligned, aligned[1:]):
        gap = range(before + 1, after)
        if not 0 < len(gap) <= _MAX_RESTORED_GAP:
            continue
        for index in gap:
            if occurrences[collapsed_default[index]] == 1 and reads_like_sentence(collapsed_default[index], _MIN_RESTORED_WORDS):
                inserted.setdefault(alignment[before], []).append(default[index])
    first = aligned[0]
    lead = next((index for index in range(max(0, first - _MAX_RESTORED_GAP), first)
                 if _is_stated_lead(collapsed_default[index], descriptions)), None)
    result: list[str] = [] if lead is None else [default[lead]]
    for position, paragraph in enumerate(merged):
        result.append(paragraph)
        result.extend(inserted.get(position, ()))
    return result, sum(map(len, inserted.values())) + (lead is not None)


def _run_trafilatura(tree: lxml_html.HtmlElement, options: ExtractionOptions, *, url: str | None, precision: bool,
                     with_metadata: bool):
    extractor = Extractor(
        output_format="python",
        fast=options.fast,
        precision=precision,
        recall=options.favor_recall,
        comments=options.include_comments,
        tables=options.include_tables,
        with_metadata=with_metadata,
        url=url,
        date_params={"extensive_search": False, "original_date": True, "outputformat": _DATE_FORMAT},
    )
    try:
        return trafilatura.bare_extraction(tree, options=extractor)
    except MemoryError:  # not the page's fault but the worker's cap: the guard turns it into a "limits" dead letter
        raise
    except Exception as error:  # third-party boundary: any extractor failure becomes a dead letter at "extract"
        raise ExtractionError(f"trafilatura failed: {type(error).__name__}: {error}") from error


def _body_paragraphs(document) -> list[str]:
    return paragraphs_from_body(document.body) if document is not None and document.body is not None else []


def extract_html(
    tree: lxml_html.HtmlElement, *, url: str | None, options: ExtractionOptions = ExtractionOptions()
) -> ExtractedDocument:
    """Body paragraphs and metadata of a parsed page; ``tree`` is not modified (trafilatura works on copies)."""
    page_language = declared_language(tree)
    json_ld = json_ld_objects(tree)  # parsed once: publication time, site names and headlines all read it
    stated_time = publication_time(tree, json_ld=json_ld)  # the markup's own statement wins over any guess below
    canonical = canonical_url(tree, url)
    page_headlines = stated_headlines(tree, json_ld=json_ld)
    targets = find_prune_targets(tree)
    document = _run_trafilatura(tree, options, url=url, precision=options.favor_precision, with_metadata=True)
    # Every description the page states (trafilatura's pick first): the lead the safety net and the standfirst look for.
    descriptions = tuple(dict.fromkeys(d for d in (document.description if document else None,
                                                   *stated_descriptions(tree, json_ld=json_ld)) if d))
    paragraphs = _body_paragraphs(document)
    restored = 0
    if options.favor_precision and options.recall_safety_net:
        fallback = _body_paragraphs(_run_trafilatura(tree, options, url=url, precision=False, with_metadata=False))
        if not paragraphs:
            paragraphs, restored = fallback, len(fallback)
        else:
            paragraphs, restored = restore_dropped_paragraphs(paragraphs, fallback, descriptions=descriptions)
    if document is None or not paragraphs:
        raise EmptyArticleError("trafilatura found no article text")
    pruned = prune_extracted(paragraphs, targets)
    published = stated_time or from_fallback(document.date) or (
        _date_from_page_text(tree) if options.extensive_date_search else None)
    return ExtractedDocument(
        paragraphs=pruned.paragraphs,
        title=document.title or None,
        authors=_authors(document.author),
        published_at=published.at if published else None,
        site_name=document.sitename or None,
        description=document.description or None,
        canonical_url=canonical,
        declared_language=page_language,
        captions_removed=pruned.captions_removed,
        related_blocks_removed=pruned.related_blocks_removed,
        navigation_removed=pruned.navigation_removed,
        paragraphs_restored=restored,
        published=published,
        site_names=site_names(tree, document.sitename, json_ld=json_ld),
        headlines=page_headlines,
        lead=shown_lead(tree, descriptions, pruned.paragraphs),
    )


# --- plain text -----------------------------------------------------------------------------------------------------

_SENTENCE_FINAL = ".!?।॥。！？…\"'”’»)"
_MAX_TITLE_CHARS = 200
_MAX_TITLE_WORDS = 30


def split_plain_text(text: str) -> list[str]:
    """Paragraphs of scraped text: every non-blank line is one (blank lines and line breaks both separate)."""
    return [line for line in text.splitlines() if line.strip()]


def looks_like_title(first_line: str, following: list[str]) -> bool:
    """A short first line without a sentence-final mark, followed by more text, is a headline."""
    line = first_line.strip()
    return (
        bool(following)
        and len(line) <= _MAX_TITLE_CHARS
        and len(line.split()) <= _MAX_TITLE_WORDS
        and not line.endswith(tuple(_SENTENCE_FINAL))
        and not line.endswith(":")
    )


def extract_plain_text(text: str) -> ExtractedDocument:
    """Scraped plain text: the title, when the first line is one, and the remaining lines as paragraphs."""
    lines = split_plain_text(text)
    if not lines:
        raise EmptyArticleError("empty text")
    title = None
    if looks_like_title(lines[0], lines[1:]):
        title, lines = lines[0].strip(), lines[1:]
    return ExtractedDocument(paragraphs=tuple(lines), title=title)
