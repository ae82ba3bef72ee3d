"""Site-level boilerplate: paragraphs a site repeats across its articles, learnt per site with no word list.

What a site prints around every article — "follow us" lines, newsletter and app boxes, subscription notes, the
heading of its related-links block, a standing disclaimer — survives the per-article rules whenever its wording or
markup is new to them. Across articles it gives itself away: the same short paragraph in many articles of one site.

Definitions (each tested in ``tests/unit/enrich/test_boilerplate.py``):

* **Site**: the registrable domain (public-suffix aware: ``www.bbc.co.uk`` → ``bbc.co.uk``) of the canonical URL, else
  of the fetch URL; a host the suffix list does not know (``*.example``, an intranet name) is its own site; an article
  with neither URL falls back to its source (``files:name``).
* **Candidate paragraph**: at most :attr:`BoilerplateSettings.max_chars` characters and no quotation mark of any
  script (so a quote that several articles share is never a candidate, however short). Longer paragraphs are article
  prose and never candidates.
* **Fingerprint**: a candidate case-folded, digit runs replaced by ``0`` (``© 2024`` and ``© 2025``, "3 comments" and
  "12 comments" are one line), whitespace collapsed, hashed (BLAKE2b, 8 bytes, hex).
* **Boilerplate**: a fingerprint found in at least :attr:`BoilerplateSettings.min_articles` *distinct* articles
  (distinct ids) of the same site. A paragraph repeated inside one article counts once, so an article cannot make
  its own text boilerplate.

Removal takes the paragraphs out, rebuilds ``body``, ``word_count`` and ``content_hash``, moves entity offsets, and
adds the number removed to ``boilerplate_removed``. The article ``id`` is not changed (it names the article; for an
article without URLs it was computed from the per-article body) and neither are the language fields (the text that
goes is too short to change them). An article that would be left empty is returned unchanged.

Everything here is pure and Beam-free; :mod:`presspipe.pipelines.boilerplate_transforms` runs it in a pipeline.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import regex
from tld import get_fld

from presspipe.pipelines.enrich.body import PARAGRAPH_SEPARATOR, word_count
from presspipe.pipelines.enrich.ids import content_hash
from presspipe.schemas.records import Article, Entity

_QUOTATION_MARKS = regex.compile(r"[\"“”„‟«»‹›「」『』〝〞＂]")
_DIGITS = regex.compile(r"\p{Nd}+")
_WHITESPACE = regex.compile(r"\s+")


@dataclass(frozen=True)
class BoilerplateSettings:
    """How much repetition makes boilerplate, and (streaming) how much a site's state may hold."""

    #: Distinct articles of one site that must contain a paragraph before it is removed.
    min_articles: int = 3
    #: Longest paragraph that can be boilerplate; longer ones are article prose.
    max_chars: int = 200
    #: Streaming only: fingerprints kept per site (the least recently seen go first).
    max_fingerprints_per_site: int = 20_000

    def __post_init__(self) -> None:
        if self.min_articles < 2:
            raise ValueError("min_articles must be at least 2: one article cannot make its own text boilerplate")
        if self.max_chars < 1 or self.max_fingerprints_per_site < 1:
            raise ValueError("max_chars and max_fingerprints_per_site must be positive")

    def is_repeated(self, distinct_articles: int) -> bool:
        """The one threshold rule, for the bounded count and the streaming window alike."""
        return distinct_articles >= self.min_articles


def site_of(article: Article) -> str:
    """The site an article belongs to: registrable domain of its canonical URL or URL, else its source."""
    for url in (article.canonical_url, article.url):
        if url:
            domain = registrable_domain(url)
            if domain:
                return domain
    return f"{article.source.connector}:{article.source.name}"


def registrable_domain(url: str) -> str | None:
    """``https://www.bbc.co.uk/x`` → ``bbc.co.uk``; a host outside the public-suffix list is returned as is."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if not host:
        return None
    domain = get_fld(f"http://{host}/", fail_silently=True)
    if domain:
        return domain
    return host.removeprefix("www.")


def is_candidate(paragraph: str, settings: BoilerplateSettings) -> bool:
    """Short enough to be page furniture, and not a quotation."""
    return 0 < len(paragraph) <= settings.max_chars and not _QUOTATION_MARKS.search(paragraph)


def fingerprint(paragraph: str, settings: BoilerplateSettings) -> str | None:
    """The fingerprint of a candidate paragraph, ``None`` for a paragraph that cannot be boilerplate."""
    if not is_candidate(paragraph, settings):
        return None
    key = _WHITESPACE.sub(" ", _DIGITS.sub("0", paragraph.casefold())).strip()
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def article_fingerprints(paragraphs: Iterable[str], settings: BoilerplateSettings) -> frozenset[str]:
    """The distinct fingerprints of one article (a paragraph it repeats counts once)."""
    return frozenset(fp for fp in (fingerprint(p, settings) for p in paragraphs) if fp is not None)


def count_fingerprints(per_article: Iterable[tuple[str, frozenset[str]]]) -> Counter:
    """For one site: in how many distinct articles (by id; an article seen twice counts once) each fingerprint occurs."""
    counts: Counter = Counter()
    seen: set[str] = set()
    for article_id, fingerprints in per_article:
        if article_id not in seen:
            seen.add(article_id)
            counts.update(fingerprints)
    return counts


def boilerplate_fingerprints(counts: Mapping[str, int], settings: BoilerplateSettings) -> frozenset[str]:
    return frozenset(fp for fp, count in counts.items() if settings.is_repeated(count))


def remove_boilerplate(article: Article, boilerplate: frozenset[str] | set[str], settings: BoilerplateSettings) -> Article:
    """The article without its paragraphs whose fingerprint is in ``boilerplate`` (unchanged if none, or if all)."""
    if not boilerplate:
        return article
    keep = [fingerprint(p, settings) not in boilerplate for p in article.paragraphs]
    removed = keep.count(False)
    if removed == 0 or removed == len(keep):
        return article
    kept: list[str] = []
    shifts: list[tuple[int, int, int]] = []  # (old start, old end, new start) of each kept paragraph
    old_start = new_start = 0
    for paragraph, stays in zip(article.paragraphs, keep):
        if stays:
            if kept:
                new_start += len(PARAGRAPH_SEPARATOR)
            shifts.append((old_start, old_start + len(paragraph), new_start))
            kept.append(paragraph)
            new_start += len(paragraph)
        old_start += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    body = PARAGRAPH_SEPARATOR.join(kept)
    return replace(
        article,
        paragraphs=tuple(kept),
        body=body,
        entities=_shift_entities(article.entities, shifts),
        word_count=word_count(body),
        content_hash=content_hash(body),
        boilerplate_removed=article.boilerplate_removed + removed,
    )


def _shift_entities(entities: tuple[Entity, ...], shifts: list[tuple[int, int, int]]) -> tuple[Entity, ...]:
    """Entities inside kept paragraphs, moved to the new body; those inside removed paragraphs go with them."""
    moved = []
    for entity in entities:
        for old_start, old_end, new_start in shifts:
            if old_start <= entity.start and entity.end <= old_end:
                delta = new_start - old_start
                moved.append(replace(entity, start=entity.start + delta, end=entity.end + delta))
                break
    return tuple(moved)


@dataclass
class SiteWindow:
    """Streaming state of one site: per fingerprint, the distinct articles that contained it (at most N ids).

    Bounded: at most ``max_fingerprints_per_site`` fingerprints, the least recently seen evicted first; each keeps at
    most ``min_articles`` article ids, all the decision needs. Plain dicts and lists, so a Beam state coder can hold it.
    """

    articles: dict[str, list[str]]

    @classmethod
    def empty(cls) -> "SiteWindow":
        return cls({})

    def observe(self, article_id: str, fingerprints: Iterable[str], settings: BoilerplateSettings) -> None:
        for fp in sorted(fingerprints):  # sorted: the same input evicts the same entries
            ids = self.articles.pop(fp, [])  # re-inserted last: dict order is recency
            if article_id not in ids and len(ids) < settings.min_articles:
                ids.append(article_id)
            self.articles[fp] = ids
        while len(self.articles) > settings.max_fingerprints_per_site:
            del self.articles[next(iter(self.articles))]

    def boilerplate(self, settings: BoilerplateSettings) -> frozenset[str]:
        return frozenset(fp for fp, ids in self.articles.items() if settings.is_repeated(len(ids)))
