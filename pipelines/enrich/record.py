"""``RawArticle`` → ``Article``: the whole enrichment as one pure function, :func:`enrich_article`.

Stages, in order (each a public function, so the benchmark can time them one by one), each raising its own :class:`~presspipe.pipelines.enrich.errors.EnrichmentError` subclass:
status (an HTTP status outside 2xx, unless accepted: the body is an error page or a redirect) → limits (raw size)
→ decode (gunzip, charset) → extract (parse once, prune captions/related boxes, trafilatura, or
plain-text splitting) → clean (normalise paragraphs, drop caption and related-link paragraphs, title and dateline,
put back the standfirst the page shows) →
limits (text length) → language → entities (only when a tagger is given).

Truncated bodies (``raw.truncated``: WARC-Truncated, a connector's size cap) are enriched like the others and
flagged on the article, with an id of their own (:func:`~presspipe.pipelines.enrich.ids.article_id`); one whose text
is shorter than ``EnrichSettings.min_truncated_words`` is a :class:`TruncatedArticleError` dead letter: the cut came
before the story.

Determinism: for the same ``raw``, ``provenance``, ``settings``, tagger and ``processed_at`` the output is identical
across runs and workers (language detection is seeded, ids are content hashes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Protocol

import regex

from presspipe.core.version import __version__
from presspipe.pipelines.enrich.body import PARAGRAPH_SEPARATOR, word_count
from presspipe.pipelines.enrich.charset import decode_body
from presspipe.pipelines.enrich.clean import clean_paragraphs, trim_edge_furniture
from presspipe.pipelines.enrich.dateline import bare_dateline, split_dateline
from presspipe.pipelines.enrich.errors import (
    EmptyArticleError,
    EnrichmentError,
    EntityTaggingError,
    HttpStatusError,
    LimitExceededError,
    RedirectResponseError,
    TruncatedArticleError,
)
from presspipe.pipelines.enrich.extract import (
    ExtractedDocument,
    ExtractionOptions,
    extract_html,
    extract_plain_text,
    gunzip_if_compressed,
    language_code,
    parse_html,
    refuse_binary,
)
from presspipe.pipelines.enrich.ids import article_id, content_hash, normalize_url
from presspipe.pipelines.enrich.lead import with_lead
from presspipe.pipelines.enrich.language import (
    LanguageDetector,
    LanguageResult,
    LanguageSettings,
    default_detector,
    identify_language,
)
from presspipe.pipelines.enrich.normalize import normalize_paragraph
from presspipe.pipelines.enrich.published import DATETIME, PublicationTime, from_hint
from presspipe.pipelines.enrich.titles import strip_site_name, without_headline_repeat
from presspipe.schemas.records import Article, RawArticle, utc_now

__all__ = [
    "CleanedBody", "DecodedDocument", "EnrichSettings", "EntityTagger", "Provenance", "article_id", "assemble_article",
    "check_http_status", "clean_document", "content_hash", "declared_language_of", "decode_document", "detect_language",
    "enrich_article", "extract_document", "is_html", "normalize_url", "publication_of", "tag_entities", "word_count",
]

if TYPE_CHECKING:
    from presspipe.schemas.records import Entity


class EntityTagger(Protocol):
    """What :func:`enrich_article` needs from the taggers in ``pipelines/enrich/entities/``."""

    def tag(self, body: str, language: str) -> tuple["Entity", ...]: ...


@dataclass(frozen=True)
class Provenance:
    """Where the raw record was read from; copied to the article so that it can be traced back and replayed."""

    raw_topic: str | None = None
    raw_partition: int | None = None
    raw_offset: int | None = None


@dataclass(frozen=True)
class EnrichSettings:
    """Per-article limits (safe defaults for untrusted input) and the options of each stage."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_decompressed_bytes: int = 50 * 1024 * 1024
    max_dom_nodes: int = 200_000
    max_text_chars: int = 1_000_000
    # Enforced by the caller, not here: the entity tagger (EntityConfig.max_entities) and the pipeline's extraction
    # worker (pipelines/guard.py; a pure function cannot interrupt itself; 0 extracts in-process, unlimited).
    # Dead letters name them like the others.
    max_entities: int = 1000
    extract_timeout_ms: int = 10_000
    extract_memory_mb: int = 2048  # address-space cap of the extraction worker process (0: none); needs the worker
    # HTTP statuses outside 2xx whose bodies are still enriched (--accept_http_status, e.g. a site that serves its
    # articles with 404); every other status outside 2xx is a dead letter at stage "status".
    accepted_http_statuses: tuple[int, ...] = ()
    # A truncated body whose cleaned text has fewer words is a dead letter (TruncatedArticleError), not an article.
    min_truncated_words: int = 100
    extraction: ExtractionOptions = field(default_factory=ExtractionOptions)
    language: LanguageSettings = field(default_factory=LanguageSettings)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # re: 5x faster than regex here
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_HTML_SNIFF = regex.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<body|<\?xml|<!--|<(?:div|p|article|meta)\b)", regex.I)


def is_html(content_type: str, text_start: str) -> bool:
    """HTML by content type; an unknown or generic type is sniffed from the first characters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _HTML_TYPES:
        return True
    if media_type == "text/plain":
        return False
    return bool(_HTML_SNIFF.match(text_start))


@dataclass(frozen=True)
class DecodedDocument:
    """The body as text, and whether it is HTML (by content type, else sniffed)."""

    text: str
    is_html: bool


def check_http_status(raw: RawArticle, settings: EnrichSettings) -> None:
    """Stage *status*: a response outside 2xx (and not in ``accepted_http_statuses``) is not an article.

    A redirect that names its target (``Location``) raises :class:`RedirectResponseError` with it; every other
    status :class:`HttpStatusError`. A record without a status (a local file, a push) passes.
    """
    status = raw.http_status
    if status is None or 200 <= status < 300 or status in settings.accepted_http_statuses:
        return
    location = next((value for name, value in raw.headers.items() if name.lower() == "location"), None)
    if 300 <= status < 400 and location and location.strip():
        raise RedirectResponseError(f"HTTP {status} redirect to {location.strip()[:1000]}", status=status,
                                    location=location.strip())
    raise HttpStatusError(f"HTTP {status}: the body is not the article (error page)", status=status)


def decode_document(raw: RawArticle, settings: EnrichSettings) -> DecodedDocument:
    """Stages *status* (:func:`check_http_status`) and *decode*: size limit, gunzip, charset → text."""
    check_http_status(raw, settings)
    if len(raw.body) > settings.max_body_bytes:
        raise LimitExceededError("max_body_bytes", limit=settings.max_body_bytes, actual=len(raw.body))
    data = gunzip_if_compressed(raw.body, max_decompressed_bytes=settings.max_decompressed_bytes)
    refuse_binary(data)
    looks_html = is_html(raw.content_type, data[:256].decode("latin-1"))
    decoded = decode_body(data, declared_charset=raw.charset, is_html=looks_html)
    # libxml2 ends a document at a NUL; C0/C1 controls and lone surrogates are invalid in Avro strings and in XML.
    return DecodedDocument(_CONTROL_CHARACTERS.sub(" ", decoded.text), looks_html)


def extract_document(document: DecodedDocument, *, url: str | None, settings: EnrichSettings) -> ExtractedDocument:
    """Stage *extract*: parse once, prune, trafilatura (HTML), or line splitting (plain text)."""
    if document.is_html:
        tree = parse_html(document.text, max_dom_nodes=settings.max_dom_nodes)
        return extract_html(tree, url=url, options=settings.extraction)
    return extract_plain_text(document.text)


_DATELINE_PARAGRAPHS = 2


@dataclass(frozen=True)
class CleanedBody:
    """The article text after normalisation and cleaning: what language detection and entity tagging read."""

    title: str | None
    dateline: str | None
    paragraphs: tuple[str, ...]
    body: str
    captions_removed: int
    related_blocks_removed: int
    subscriber_lines_removed: int = 0  # not an article field: reported by the quality benchmark
    lead_restored: bool = False  # the page's standfirst put before the body (lead.with_lead); reported likewise


def clean_document(extracted: ExtractedDocument, settings: EnrichSettings) -> CleanedBody:
    """Stage *clean*: normalise paragraphs, drop captions/related links/title repeat/edge furniture, put the page's
    standfirst first when the body lacks it (:mod:`.lead`), split the dateline, strip the site name from the title.
    Raises when nothing is left or the text is over the limit."""
    stated_title = normalize_paragraph(extracted.title) if extracted.title else None
    title = strip_site_name(stated_title, extracted.site_names) if stated_title else None
    paragraphs = [p for p in (normalize_paragraph(p) for p in extracted.paragraphs) if p]
    cleaned = clean_paragraphs(paragraphs)
    headlines = tuple(dict.fromkeys(t for t in (title, stated_title, *(
        strip_site_name(normalize_paragraph(h), extracted.site_names) for h in extracted.headlines)) if t))
    paragraphs = list(without_headline_repeat(cleaned.paragraphs, headlines))
    dateline = None
    for index in range(min(_DATELINE_PARAGRAPHS, len(paragraphs))):  # a dateline set as a block of its own
        if (bare := bare_dateline(paragraphs[index])) is not None:
            dateline = bare
            del paragraphs[index]
            break
    paragraphs = list(trim_edge_furniture(paragraphs))
    # The standfirst goes first once the edges are trimmed (a byline before the text is no longer at an edge after).
    lead = normalize_paragraph(extracted.lead) if extracted.lead else None
    with_standfirst = with_lead(paragraphs, lead)
    lead_restored = len(with_standfirst) > len(paragraphs)
    paragraphs = list(with_standfirst)
    if dateline is None:  # else a dateline opening one of the first paragraphs (the second after a standfirst)
        for index in range(min(_DATELINE_PARAGRAPHS, len(paragraphs))):
            split = split_dateline(paragraphs[index])
            if split.dateline is not None:
                dateline, paragraphs[index] = split.dateline, split.paragraph
                break
    if not paragraphs:
        raise EmptyArticleError("no article text left after removing captions and related links")
    body = PARAGRAPH_SEPARATOR.join(paragraphs)
    if len(body) > settings.max_text_chars:
        raise LimitExceededError("max_text_chars", limit=settings.max_text_chars, actual=len(body))
    return CleanedBody(title, dateline, tuple(paragraphs), body, extracted.captions_removed + cleaned.captions_removed,
                       extracted.related_blocks_removed + cleaned.related_blocks_removed,
                       cleaned.subscriber_lines_removed, lead_restored)


def tag_entities(body: str, language: str, tagger: EntityTagger) -> tuple["Entity", ...]:
    """Stage *entities*; any tagger failure becomes an :class:`EntityTaggingError`."""
    try:
        return tuple(tagger.tag(body, language))
    except EnrichmentError:
        raise
    except Exception as error:  # third-party boundary: a tagger failure dead-letters the article at "entities"
        raise EntityTaggingError(f"entity tagger failed: {type(error).__name__}: {error}") from error


def declared_language_of(raw: RawArticle, extracted: ExtractedDocument) -> str | None:
    """What the page says about its language, else what the feed or caller said."""
    return extracted.declared_language or (language_code(raw.hints.language) if raw.hints else None)


def detect_language(body: str, *, declared: str | None, settings: EnrichSettings,
                    detector: LanguageDetector | None = None) -> LanguageResult:
    """Stage *language*; without an explicit detector, the process-wide one for the configured backend and seed."""
    return identify_language(
        body, declared=declared, settings=settings.language,
        detector=detector or default_detector(settings.language.seed, settings.language.backend))


def publication_of(raw: RawArticle, extracted: ExtractedDocument) -> PublicationTime | None:
    """What the page states about its publication, else the feed's or caller's timestamp (exact), else nothing.

    A page stating only a date keeps it as a date even when a feed gave a time: the page is the authority on its
    own date, and the feed's time is used only when it falls on that date.
    """
    stated = extracted.published
    hint = from_hint(raw.hints.published_at) if raw.hints and raw.hints.published_at else None
    if stated is None and extracted.published_at is not None:  # an extractor that fills only the instant
        stated = from_hint(extracted.published_at)
    if stated is None:
        return hint
    if stated.precision != DATETIME and hint is not None and hint.date == stated.date:
        return hint
    return stated


def check_truncated(raw: RawArticle, cleaned: "CleanedBody", settings: EnrichSettings) -> None:
    """A truncated body that kept fewer than ``min_truncated_words`` words is no longer the article."""
    if raw.truncated:
        words = word_count(cleaned.body)
        if words < settings.min_truncated_words:
            raise TruncatedArticleError(
                f"body truncated ({raw.truncation_reason or 'unspecified'}) before the article: {words} words left, "
                f"fewer than min_truncated_words={settings.min_truncated_words}")


def assemble_article(
    raw: RawArticle,
    extracted: ExtractedDocument,
    cleaned: CleanedBody,
    *,
    declared: str | None,
    detected: LanguageResult,
    entities: tuple["Entity", ...],
    provenance: Provenance,
    processed_at: datetime | None,
    pipeline_version: str,
) -> Article:
    """The ``Article`` record from the stages' results; the feed's hints fill what the page does not state."""
    hints = raw.hints
    published = publication_of(raw, extracted)
    return Article(
        id=article_id(extracted.canonical_url, raw.url, cleaned.body, truncated=raw.truncated),
        url=raw.url,
        canonical_url=extracted.canonical_url,
        source=raw.source,
        title=cleaned.title or (normalize_paragraph(hints.title) if hints and hints.title else None) or None,
        dateline=cleaned.dateline,
        body=cleaned.body,
        paragraphs=cleaned.paragraphs,
        language=detected.language,
        language_confidence=detected.confidence,
        language_source=detected.source,
        declared_language=declared,
        published_at=published.at if published else None,
        fetched_at=raw.fetched_at,
        processed_at=processed_at or utc_now(),
        authors=extracted.authors or (hints.authors if hints else ()),
        site_name=extracted.site_name,
        description=normalize_paragraph(extracted.description) if extracted.description else None,
        entities=entities,
        captions_removed=cleaned.captions_removed,
        related_blocks_removed=cleaned.related_blocks_removed,
        word_count=word_count(cleaned.body),
        content_hash=content_hash(cleaned.body),
        raw_topic=provenance.raw_topic,
        raw_partition=provenance.raw_partition,
        raw_offset=provenance.raw_offset,
        pipeline_version=pipeline_version,
        http_status=raw.http_status,
        truncated=raw.truncated,
        truncation_reason=raw.truncation_reason if raw.truncated else None,
        published_at_precision=published.precision if published else None,
        published_date=published.date if published else None,
    )


def enrich_article(
    raw: RawArticle,
    *,
    provenance: Provenance,
    settings: EnrichSettings = EnrichSettings(),
    tagger: EntityTagger | None = None,
    processed_at: datetime | None = None,
    pipeline_version: str = __version__,
    detector: LanguageDetector | None = None,
    extract: Callable[..., ExtractedDocument] = extract_document,
) -> Article:
    """Enrich one raw article; raises only :class:`EnrichmentError` subclasses (their ``stage`` says where).

    The composition of the stage functions above, which the benchmark times one by one. ``extract`` replaces the
    extract stage with a function of the same signature (the pipeline runs it in a time-limited worker process).
    """
    try:
        extracted = extract(decode_document(raw, settings), url=raw.url, settings=settings)
        cleaned = clean_document(extracted, settings)
    except EmptyArticleError as error:
        if raw.truncated and not isinstance(error, TruncatedArticleError):
            raise TruncatedArticleError(f"body truncated ({raw.truncation_reason or 'unspecified'}) before the "
                                        f"article: {error}") from error
        raise
    check_truncated(raw, cleaned, settings)
    declared = declared_language_of(raw, extracted)
    detected = detect_language(cleaned.body, declared=declared, settings=settings, detector=detector)
    entities = tag_entities(cleaned.body, detected.language, tagger) if tagger is not None else ()
    return assemble_article(raw, extracted, cleaned, declared=declared, detected=detected, entities=entities,
                            provenance=provenance, processed_at=processed_at, pipeline_version=pipeline_version)
