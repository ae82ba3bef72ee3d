"""The failures of enrichment, one class per kind, each carrying the pipeline stage it happened in.

The pipeline turns any :class:`EnrichmentError` into a dead letter whose ``stage`` is the error's ``stage``; anything
else escaping :func:`presspipe.pipelines.enrich.record.enrich_article` is a bug, dead-lettered at stage
:data:`UNEXPECTED_STAGE`, and an article that cannot be encoded is dead-lettered at :data:`ENCODE_STAGE`. Stages are
the fixed vocabulary in :data:`STAGES` -- every stage a dead letter can name, as the ``stage`` field's doc in
``schemas/dead_letter.avsc`` lists them -- so that dead-letter counts by stage stay comparable across releases.
"""

from __future__ import annotations

#: A connector could not read an input (a damaged WARC record): its dead letter never passed through enrichment.
CONNECT_STAGE = "connect"
#: An exception that is no EnrichmentError escaped enrichment: a bug (logged with its traceback).
UNEXPECTED_STAGE = "enrich"
#: The enriched article could not be encoded with the article schema.
ENCODE_STAGE = "encode"
STAGES = (CONNECT_STAGE, "status", "decode", "extract", "clean", "language", "entities", "limits", UNEXPECTED_STAGE,
          ENCODE_STAGE)


class EnrichmentError(Exception):
    """Base of every enrichment failure; ``stage`` names where it happened (one of :data:`STAGES`)."""

    stage: str = "extract"

    def __init__(self, message: str, *, stage: str | None = None) -> None:
        super().__init__(message)
        if stage is not None:
            if stage not in STAGES:
                raise ValueError(f"unknown enrichment stage {stage!r}; expected one of {STAGES}")
            self.stage = stage

    def __reduce__(self):
        # Keyword-only constructors defeat Exception's default pickling; workers may ship errors between processes.
        return (_restore_error, (type(self), str(self), dict(self.__dict__)))


def _restore_error(cls: type[EnrichmentError], message: str, state: dict) -> EnrichmentError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class HttpStatusError(EnrichmentError):
    """The raw record is the answer to a request that did not return the page (an HTTP status outside 2xx):
    its body is an error page, not an article. Stage ``status``, before anything is decoded."""

    stage = "status"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class RedirectResponseError(HttpStatusError):
    """A redirect (3xx) with a ``Location``: the article is at ``location``, not in this record. Recorded as a
    redirect, with its target, so that a backfill can fetch the target instead of counting an extraction failure."""

    def __init__(self, message: str, *, status: int, location: str) -> None:
        super().__init__(message, status=status)
        self.location = location


class DecodingError(EnrichmentError):
    """The raw bytes could not be turned into text (undecodable, corrupt compression)."""

    stage = "decode"


class ExtractionError(EnrichmentError):
    """The document could not be parsed or the extractor failed on it."""

    stage = "extract"


class EmptyArticleError(ExtractionError):
    """Nothing that looks like article text is left after extraction and cleaning."""

    stage = "extract"


class TruncatedArticleError(EmptyArticleError):
    """A body cut before its end (WARC-Truncated, a connector's size cap) whose text is too short to be the
    article: the cut came before the story. A truncated body that still holds an article is kept, flagged."""

    stage = "extract"


class CleaningError(EnrichmentError):
    """Caption, related-link or normalisation passes failed."""

    stage = "clean"


class LanguageDetectionError(EnrichmentError):
    """The language detector failed for a reason other than "not enough text" (which yields ``und``)."""

    stage = "language"


class EntityTaggingError(EnrichmentError):
    """The entity tagger given to :func:`enrich_article` raised."""

    stage = "entities"


class LimitExceededError(EnrichmentError):
    """A per-article safety limit was exceeded; ``limit_name`` is the :class:`EnrichSettings` field that tripped."""

    stage = "limits"

    def __init__(self, limit_name: str, *, limit: int, actual: int | None) -> None:
        # ``actual`` is None where the overshoot cannot be measured (a refused memory allocation)
        super().__init__(f"{limit_name} exceeded: {actual} > {limit}" if actual is not None
                         else f"{limit_name} exceeded (limit {limit})")
        self.limit_name = limit_name
        self.limit = limit
        self.actual = actual
