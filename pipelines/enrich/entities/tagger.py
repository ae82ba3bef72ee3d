"""The tagger interface and its composition of model, gazetteer and combiner."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from presspipe.schemas.records import Entity

from .acronyms import find_acronyms, find_latin_acronyms
from .combine import combine
from .config import EntityConfig
from .errors import TooManyEntitiesError
from .mentions import Mention
from .gazetteer import Gazetteer, base_language, build_gazetteer, language_script
from .recognizers import LazyRecognizer, Recognizer


def find_all_acronyms(text: str, language: str) -> tuple[Mention, ...]:
    """The acronym rules for a document of ``language`` (base code): Devanagari letter-name acronyms in any text,
    Latin acronyms only where the language is written in another (known) script."""
    script = language_script(language)
    latin = find_latin_acronyms(text) if script and script != ("LATIN",) else ()
    return find_acronyms(text) + latin


@runtime_checkable
class EntityTagger(Protocol):
    """Tags PERSON, ORG and LOC in a cleaned article body.

    Returned entities are sorted, non-overlapping, and ``text[e.start:e.end] == e.text``.
    Failures raise :class:`~.errors.EntityTaggingError` subclasses.
    """

    def tag(self, text: str, language: str) -> tuple[Entity, ...]: ...


class CompositeTagger:
    """Per language: the configured statistical model (if any), the gazetteer and the acronym rules
    (Devanagari letter names, and Latin acronyms in a text of another script), merged by :func:`combine`.

    Models given as :class:`~.recognizers.LazyRecognizer` (what :func:`build_tagger` does) load on the first
    document of their language; :attr:`loaded_languages` says which have.

    Languages with neither a model nor gazetteer coverage yield no entities (not an error: the
    article is still valid, it just has nothing we can tag).
    """

    def __init__(self, recognizers: Mapping[str, Recognizer], gazetteer: Gazetteer | None, config: EntityConfig) -> None:
        self._recognizers = MappingProxyType(dict(recognizers))
        self._gazetteer = gazetteer
        self._config = config

    @property
    def languages_with_models(self) -> frozenset[str]:
        return frozenset(self._recognizers)

    @property
    def loaded_languages(self) -> frozenset[str]:
        """Languages whose model is in memory (a recogniser given already loaded counts as loaded)."""
        return frozenset(language for language, recognizer in self._recognizers.items()
                         if not isinstance(recognizer, LazyRecognizer) or recognizer.loaded)

    def tag(self, text: str, language: str) -> tuple[Entity, ...]:
        language = base_language(language)
        recognizer = self._recognizers.get(language)
        model_mentions = recognizer.find(text) if recognizer is not None else ()
        gazetteer_mentions = self._gazetteer.find(text, language) if self._gazetteer is not None else ()
        acronym_mentions = find_all_acronyms(text, language) if self._config.acronyms else ()
        entities = combine(text, model_mentions, gazetteer_mentions, propagate=self._config.propagate,
                           acronyms=acronym_mentions, language=language)
        if len(entities) > self._config.max_entities:
            raise TooManyEntitiesError(len(entities), self._config.max_entities)
        return entities


def build_tagger(config: EntityConfig | None = None) -> CompositeTagger:
    """The tagger of a worker (Beam ``DoFn.setup``), never per element: model references are checked now (a missing
    model fails here, with :class:`~.errors.EntityConfigError`) and loaded on the first document of their language;
    user lists are read now, the gazetteer's data packages per language on first use."""
    config = config if config is not None else EntityConfig()
    recognizers = {language: LazyRecognizer(language, reference) for language, reference in config.models.items()}
    gazetteer = None
    if config.gazetteer or config.entity_lists:
        gazetteer = build_gazetteer(config.entity_lists, include_data_packages=config.gazetteer)
    return CompositeTagger(recognizers, gazetteer, config)
