"""The tagger interface and its composition of model, gazetteer and combiner."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from presspipe.schemas.records import Entity

from .acronyms import find_acronyms
from .combine import combine
from .config import EntityConfig
from .errors import TooManyEntitiesError
from .gazetteer import Gazetteer, base_language, build_gazetteer
from .spacy_backend import SpacyRecognizer


@runtime_checkable
class EntityTagger(Protocol):
    """Tags PERSON, ORG and LOC in a cleaned article body.

    Returned entities are sorted, non-overlapping, and ``text[e.start:e.end] == e.text``.
    Failures raise :class:`~.errors.EntityTaggingError` subclasses.
    """

    def tag(self, text: str, language: str) -> tuple[Entity, ...]: ...


class CompositeTagger:
    """Per language: the configured spaCy model (if any), the gazetteer and the letter-name acronym
    rule (Devanagari only, so a no-op elsewhere), merged by :func:`combine`.

    Languages with neither a model nor gazetteer coverage yield no entities (not an error: the
    article is still valid, it just has nothing we can tag).
    """

    def __init__(self, recognizers: Mapping[str, SpacyRecognizer], gazetteer: Gazetteer | None, config: EntityConfig) -> None:
        self._recognizers = MappingProxyType(dict(recognizers))
        self._gazetteer = gazetteer
        self._config = config

    @property
    def languages_with_models(self) -> frozenset[str]:
        return frozenset(self._recognizers)

    def tag(self, text: str, language: str) -> tuple[Entity, ...]:
        language = base_language(language)
        recognizer = self._recognizers.get(language)
        model_mentions = recognizer.find(text) if recognizer is not None else ()
        gazetteer_mentions = self._gazetteer.find(text, language) if self._gazetteer is not None else ()
        acronym_mentions = find_acronyms(text) if self._config.acronyms else ()
        entities = combine(text, model_mentions, gazetteer_mentions, propagate=self._config.propagate,
                           acronyms=acronym_mentions)
        if len(entities) > self._config.max_entities:
            raise TooManyEntitiesError(len(entities), self._config.max_entities)
        return entities


def build_tagger(config: EntityConfig | None = None) -> EntityTagger:
    """Load every model and build the gazetteer once (Beam ``DoFn.setup``), never per element."""
    config = config if config is not None else EntityConfig()
    recognizers = {language: SpacyRecognizer(reference) for language, reference in config.models.items()}
    gazetteer = None
    if config.gazetteer or config.entity_lists:
        gazetteer = build_gazetteer(config.entity_lists, include_data_packages=config.gazetteer)
    return CompositeTagger(recognizers, gazetteer, config)
