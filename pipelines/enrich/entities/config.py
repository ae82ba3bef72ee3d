"""Typed, immutable configuration of entity tagging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import EntityConfigError
from .gazetteer import base_language
from .spacy_backend import BUNDLED_PREFIX

#: Statistical models of a fresh install: the Hindi model shipped in this package and spaCy's
#: French pipeline (a declared dependency). Other languages use the gazetteer alone.
DEFAULT_MODELS: Mapping[str, str] = MappingProxyType({
    "hi": f"{BUNDLED_PREFIX}hi_ner",
    "fr": "fr_core_news_sm",
})


@dataclass(frozen=True)
class EntityConfig:
    """What :func:`~pipelines.enrich.entities.build_tagger` loads.

    ``models`` maps a language (``hi``; region/script suffixes are ignored) to a spaCy package
    name, a model directory, or ``bundled:<name>`` for a model shipped in this package.
    ``entity_lists`` are JSON-lines watch-lists (see :mod:`.gazetteer`). ``acronyms`` tags Devanagari
    acronyms spelled with Latin letter names (``एपीईसी``) as ORG (see :mod:`.acronyms`). An article yielding more
    than ``max_entities`` entities raises :class:`~.errors.TooManyEntitiesError`.
    """

    models: Mapping[str, str] = field(default_factory=lambda: DEFAULT_MODELS)
    gazetteer: bool = True
    entity_lists: tuple[Path, ...] = ()
    max_entities: int = 1000
    propagate: bool = True
    acronyms: bool = True

    def __post_init__(self) -> None:
        if self.max_entities < 0:
            raise EntityConfigError(f"max_entities must be >= 0, got {self.max_entities}")
        normalized = {base_language(language): str(model) for language, model in self.models.items()}
        object.__setattr__(self, "models", MappingProxyType(normalized))
        object.__setattr__(self, "entity_lists", tuple(Path(path) for path in self.entity_lists))
