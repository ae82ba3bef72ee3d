"""The failures of enrichment, one class per kind, each carrying the pipeline stage it happened in.

The pipeline turns any :class:`EnrichmentError` into a dead letter whose ``stage`` is the error's ``stage``; anything
else escaping :func:`presspipe.pipelines.enrich.record.enrich_article` is a bug, dead-lettered at stage
:data:`UNEXPECTED_STAGE`, and an article that cannot be encoded is dead-lettered at :data:`ENCODE_STAGE`. Stages are
the fixed vocabulary in :data:`STAGES` -- every stage a dead letter can name, as the ``stage`` field's doc in
``schemas/dead_letter.avsc`` lists them -- so that dead-letter counts by stage stay comparable across releases.
"""

from __future__ import annotations

#: An exception that is no EnrichmentError escaped enrichment: a bug (logged with its traceback).
UNEXPECTED_STAGE = "enrich"
#: The enriched article could not be encoded with the article schema.
ENCODE_STAGE = "encode"
STAGES = ("decode", "extract", "clean", "language", "entities", "limits", UNEXPECTED_STAGE, ENCODE_STAGE)


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


class DecodingError(EnrichmentError):
    """The raw bytes could not be turned into text (undecodable, corrupt compression)."""

    stage = "decode"


class ExtractionError(EnrichmentError):
    """The document could not be parsed or the extractor failed on it."""

    stage = "extract"


class EmptyArticleError(ExtractionError):
    """Nothing that looks like article text is left after extraction and cleaning."""

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
