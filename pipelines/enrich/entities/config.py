"""Typed, immutable configuration of entity tagging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import EntityConfigError
from .gazetteer import base_language, read_entity_list
from .natasha_backend import NATASHA_REFERENCE
from .recognizers import check_reference
from .spacy_backend import BUNDLED_PREFIX

#: Statistical models of a fresh install: the English and Hindi models shipped in this package, spaCy's French
#: pipeline and natasha for Russian (declared dependencies). Other languages use the gazetteer alone. Each is
#: loaded the first time a worker meets a document of its language (``recognizers.LazyRecognizer``).
DEFAULT_MODELS: Mapping[str, str] = MappingProxyType({
    "en": f"{BUNDLED_PREFIX}en_ner",
    "hi": f"{BUNDLED_PREFIX}hi_ner",
    "fr": "fr_core_news_sm",
    "ru": NATASHA_REFERENCE,
})


@dataclass(frozen=True)
class EntityConfig:
    """What :func:`~presspipe.pipelines.enrich.entities.build_tagger` loads.

    ``models`` maps a language (``hi``; region/script suffixes are ignored) to a spaCy package
    name, a model directory, ``bundled:<name>`` for a model shipped in this package, or ``natasha``.
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


def parse_model_override(text: str) -> tuple[str, str | None]:
    """``LANG=MODEL`` → (language, model); ``LANG=none`` → (language, None: the gazetteer alone).

    A model that cannot be found on this machine is refused here, before any worker tries to load it."""
    language, separator, model = (part.strip() for part in text.partition("="))
    if not separator or not language or not model:
        raise EntityConfigError("expected LANG=MODEL or LANG=none")
    if model.lower() == "none":
        return base_language(language), None
    return base_language(language), check_reference(model)


def check_entity_list(path: Path) -> Path:
    """``path`` once every line has parsed as a watch-list entry, so a bad list fails a launch, not a worker
    (:func:`~.gazetteer.read_entity_list` raises :class:`EntityConfigError` for an unreadable or malformed list)."""
    for _ in read_entity_list(path):
        pass
    return path


def configured(models: tuple[tuple[str, str | None], ...], lists: tuple[str, ...], max_entities: int) -> EntityConfig:
    """The default models with ``models`` applied (None removes a language's model), plus the watch-lists."""
    chosen = dict(DEFAULT_MODELS)
    for language, model in models:
        if model is None:
            chosen.pop(language, None)
        else:
            chosen[language] = model
    return EntityConfig(models=chosen, entity_lists=tuple(Path(path) for path in lists), max_entities=max_entities)
