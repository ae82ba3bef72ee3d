"""Errors raised by entity tagging.

They extend the enrichment error hierarchy (``presspipe.pipelines.enrich.errors``), so the pipeline
dead-letters an article with the right ``stage`` without catching unrelated failures:
tagging failures carry ``stage="entities"``, the entity-count safety limit ``stage="limits"``.
"""

from __future__ import annotations

from presspipe.pipelines.enrich.errors import EntityTaggingError as _EnrichmentEntityTaggingError


class EntityTaggingError(_EnrichmentEntityTaggingError):
    """Tagging an article failed (a backend raised, or a limit was exceeded)."""

    stage = "entities"


class EntityConfigError(EntityTaggingError):
    """The configuration cannot be honoured: a model that is not installed, a malformed entity list."""


class TooManyEntitiesError(EntityTaggingError):
    """An article produced more entities than ``EntityConfig.max_entities`` allows."""

    stage = "limits"
    limit_name = "max_entities"

    def __init__(self, found: int, limit: int) -> None:
        super().__init__(f"{self.limit_name} exceeded: {found} > {limit}")
        self.found = found
        self.limit = limit
