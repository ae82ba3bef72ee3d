"""Errors raised by entity tagging; all derive from :class:`EntityTaggingError` so the pipeline can
dead-letter an article with ``stage="entities"`` without catching unrelated failures."""

from __future__ import annotations


class EntityTaggingError(Exception):
    """Tagging an article failed (a backend raised, or a limit was exceeded)."""

    stage = "entities"


class EntityConfigError(EntityTaggingError):
    """The configuration cannot be honoured: a model that is not installed, a malformed entity list."""


class TooManyEntitiesError(EntityTaggingError):
    """An article produced more entities than ``EntityConfig.max_entities`` allows."""

    limit_name = "max_entities"

    def __init__(self, found: int, limit: int) -> None:
        super().__init__(f"{found} entities exceed the limit {self.limit_name}={limit}")
        self.found = found
        self.limit = limit
