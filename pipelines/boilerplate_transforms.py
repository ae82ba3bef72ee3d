"""Site-level boilerplate removal in Beam: exact two-pass for bounded runs, per-site state for streaming runs.

The decisions are those of the pure :mod:`presspipe.pipelines.enrich.boilerplate`; this module only wires them.

* :class:`RemoveSiteBoilerplate` (bounded: backfills, replays). Pass one counts, per site and fingerprint, the
  *distinct* article ids that contain it (``Distinct`` then a count per key); the fingerprints reaching
  ``min_articles`` form a small per-site table, given to pass two as a side input, which removes them. Counts are
  over the whole input before anything is removed, so the output depends only on the input: the same for any runner,
  any number of workers and any order of arrival.
* :class:`LearnSiteBoilerplate` (streaming). A stateful DoFn keyed by site keeps a bounded
  :class:`~presspipe.pipelines.enrich.boilerplate.SiteWindow` per site (at most ``max_fingerprints_per_site``
  fingerprints, each with at most ``min_articles`` article ids). Each article is first counted, then cleaned with
  what the site's window knows. Warm-up: a line is removed from the ``min_articles``-th distinct article carrying it
  on; the articles before that (the first articles of a new site, or the first after a line appears) are cleaned by
  the per-article rules only. The state lives in the runner's state backend and survives restarts where the runner
  checkpoints it (Flink); the DirectRunner keeps it in memory for the life of the run.

Both take and return ``EncodedArticle``: an article that loses paragraphs is re-encoded; should that fail, the
article goes on as it was (counted in ``boilerplate.reencode_failed``): boilerplate removal never loses a record.
"""

from __future__ import annotations

import logging
from typing import Iterable, Iterator

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from presspipe.pipelines.enrich.boilerplate import (
    BoilerplateSettings,
    SiteWindow,
    article_fingerprints,
    remove_boilerplate,
    site_of,
)
from presspipe.pipelines.io.kafka import METRICS_NAMESPACE
from presspipe.pipelines.transforms import EncodedArticle
from presspipe.schemas import CodecError

log = logging.getLogger(__name__)

REMOVED_COUNTER = "boilerplate_paragraphs_removed"
CLEANED_COUNTER = "boilerplate_articles_cleaned"
REENCODE_FAILED_COUNTER = "boilerplate.reencode_failed"


def _cleaned(encoded: EncodedArticle, boilerplate: frozenset[str], settings: BoilerplateSettings) -> EncodedArticle:
    article = remove_boilerplate(encoded.article, boilerplate, settings)
    if article is encoded.article:
        return encoded
    try:
        cleaned = EncodedArticle(article, article.encode())
    except CodecError as error:
        Metrics.counter(METRICS_NAMESPACE, REENCODE_FAILED_COUNTER).inc()
        log.warning("boilerplate removal left an article that does not encode; kept as it was",
                    extra={"id": article.id, "url": article.url, "error": str(error)[:300]})
        return encoded
    removed = article.boilerplate_removed - encoded.article.boilerplate_removed
    Metrics.counter(METRICS_NAMESPACE, REMOVED_COUNTER).inc(removed)
    Metrics.counter(METRICS_NAMESPACE, CLEANED_COUNTER).inc()
    return cleaned


def _site_fingerprint_ids(encoded: EncodedArticle, settings: BoilerplateSettings) -> Iterator[tuple[tuple[str, str], str]]:
    site = site_of(encoded.article)
    for fp in sorted(article_fingerprints(encoded.article.paragraphs, settings)):
        yield (site, fp), encoded.article.id


def _boilerplate_table(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for site, fp in pairs:
        table.setdefault(site, set()).add(fp)
    return {site: frozenset(fps) for site, fps in table.items()}


class RemoveSiteBoilerplate(beam.PTransform):
    """Bounded: EncodedArticle → EncodedArticle without the site's boilerplate (exact, deterministic, two passes)."""

    def __init__(self, settings: BoilerplateSettings = BoilerplateSettings()):
        super().__init__()
        self.settings = settings

    def expand(self, articles):
        settings = self.settings
        boilerplate = (
            articles
            | "Fingerprints" >> beam.FlatMap(_site_fingerprint_ids, settings)
            | "OncePerArticle" >> beam.Distinct()
            | "Keys" >> beam.Keys()
            | "ArticlesPerFingerprint" >> beam.combiners.Count.PerElement()
            | "Repeated" >> beam.Filter(lambda pair: settings.is_repeated(pair[1]))
            | "SiteFingerprint" >> beam.Map(lambda pair: pair[0])
            | "Table" >> beam.combiners.ToList()
            | "PerSite" >> beam.Map(_boilerplate_table)
        )
        return articles | "Remove" >> beam.Map(
            lambda encoded, table: _cleaned(encoded, table.get(site_of(encoded.article), frozenset()), settings),
            table=beam.pvalue.AsSingleton(boilerplate))


class _LearnFn(beam.DoFn):
    WINDOW = ReadModifyWriteStateSpec("site_window", PickleCoder())

    def __init__(self, settings: BoilerplateSettings):
        self.settings = settings

    def process(self, element: tuple[str, EncodedArticle], window_state=beam.DoFn.StateParam(WINDOW)):
        _, encoded = element
        stored = window_state.read()
        site_window = SiteWindow(stored) if stored is not None else SiteWindow.empty()
        site_window.observe(encoded.article.id, article_fingerprints(encoded.article.paragraphs, self.settings),
                            self.settings)
        window_state.write(site_window.articles)
        yield _cleaned(encoded, site_window.boilerplate(self.settings), self.settings)


class LearnSiteBoilerplate(beam.PTransform):
    """Streaming: EncodedArticle → EncodedArticle, per-site counts in Beam state (bounded; warm-up documented)."""

    def __init__(self, settings: BoilerplateSettings = BoilerplateSettings()):
        super().__init__()
        self.settings = settings

    def expand(self, articles):
        return (articles
                | "BySite" >> beam.Map(lambda encoded: (site_of(encoded.article), encoded))
                | "Learn" >> beam.ParDo(_LearnFn(self.settings)))
