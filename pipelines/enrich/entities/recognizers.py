"""The statistical recogniser interface, model references, and loading a language's model on first use.

A model reference (``EntityConfig.models`` value) is a spaCy package name, a model directory, ``bundled:<name>``
(a model shipped in this package) or ``natasha`` (:mod:`.natasha_backend`). :func:`check_reference` says whether
one can be loaded *without* loading it (a launch refuses a bad reference before any worker starts);
:class:`LazyRecognizer` loads it the first time a document of its language arrives, so a worker that only sees
English never pays for the Hindi, French or Russian models (memory and start-up time).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import EntityConfigError
from .mentions import Mention
from .natasha_backend import NATASHA_REFERENCE
from .spacy_backend import BUNDLED_PREFIX, bundled_model_path

log = logging.getLogger(__name__)


@runtime_checkable
class Recognizer(Protocol):
    """A statistical model: mentions with character offsets into ``text``; failures raise ``EntityTaggingError``."""

    def find(self, text: str) -> tuple[Mention, ...]: ...


def check_reference(reference: str) -> str:
    """``reference`` if it names a model this machine can load; :class:`EntityConfigError` otherwise."""
    if reference == NATASHA_REFERENCE:
        if importlib.util.find_spec("natasha") is None:
            raise EntityConfigError("the Russian model 'natasha' needs the natasha package (pip install natasha)")
    elif reference.startswith(BUNDLED_PREFIX):
        bundled_model_path(reference[len(BUNDLED_PREFIX):])
    elif not Path(reference).is_dir() and importlib.util.find_spec(reference) is None:
        raise EntityConfigError(f"no installed spaCy package or model directory named {reference!r}")
    return reference


def load_recognizer(reference: str, language: str = "") -> Recognizer:
    """The loaded model named by ``reference`` (slow: seconds and tens of MB); ``language`` is the documents' base
    language, which selects the language's checks of a spaCy model's spans (``SpacyRecognizer``)."""
    if reference == NATASHA_REFERENCE:
        from .natasha_backend import NatashaRecognizer

        return NatashaRecognizer()
    from .spacy_backend import SpacyRecognizer

    return SpacyRecognizer(reference, language=language)


class LazyRecognizer:
    """A checked reference that becomes a loaded recogniser on the first :meth:`find` (once; thread-safe).

    A load that fails raises :class:`EntityConfigError` from that ``find`` (the document is dead-lettered at stage
    ``entities``) and is tried again on the next document: a transient failure does not disable the language.
    """

    def __init__(self, language: str, reference: str) -> None:
        self.language = language
        self.reference = check_reference(reference)
        self._loaded: Recognizer | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def get(self) -> Recognizer:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    started = time.monotonic()
                    self._loaded = load_recognizer(self.reference, self.language)
                    log.info("entity model loaded", extra={"language": self.language, "model": self.reference,
                                                           "seconds": round(time.monotonic() - started, 3)})
        return self._loaded

    def find(self, text: str) -> tuple[Mention, ...]:
        return self.get().find(text)
