"""The second opinion on language: lingua, asked only to choose among a few named languages.

langdetect knows 55 languages and always answers one of them, so text in a language it lacks comes out, confidently,
as its nearest neighbour among the 55 (Icelandic as Norwegian, isiZulu as Swahili). `lingua-language-detector`
(Apache-2.0, by Peter M. Stahl, models embedded in the wheel, no randomness) knows 75 languages, among them most of
those. :func:`presspipe.pipelines.enrich.language.identify_language` decides *when* to ask it and *which* languages to
offer; this module only answers "which of these languages is this text in, and how sure are you".

A lingua detector is built per set of candidate languages (two to eight of them): a detector restricted that way only
loads and scores those languages' models, which keeps each call around a millisecond and the loaded models to a few
megabytes, where a detector over all 75 languages would load and score every model sharing the text's script.
Detectors are built on first use and cached per process (:func:`lingua_detector`); lingua itself is imported only
then, so a worker that never meets such a page never loads it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from presspipe.pipelines.enrich.errors import LanguageDetectionError
from presspipe.pipelines.enrich.language import Candidate

if TYPE_CHECKING:
    from lingua import Language, LanguageDetector as LinguaLanguageDetector


class SecondOpinion(Protocol):
    """Ranks a text among a given set of ISO 639-1 languages, each of which :meth:`knows`."""

    def knows(self, language: str) -> bool: ...

    def rank(self, text: str, languages: frozenset[str]) -> list[Candidate]:
        """``languages`` ranked for ``text``, best first, probabilities summing to 1 (or empty: nothing to go on)."""


@functools.lru_cache(maxsize=1)
def lingua_languages() -> dict[str, "Language"]:
    """lingua's languages by ISO 639-1 code (lower case); imports lingua on the first call."""
    try:
        from lingua import Language
    except ImportError as error:  # a core dependency: only a broken install gets here
        raise LanguageDetectionError(
            "the second language opinion needs lingua-language-detector (pip install lingua-language-detector)"
        ) from error
    return {language.iso_code_639_1.name.lower(): language for language in Language.all()}


@functools.lru_cache(maxsize=64)
def lingua_detector(languages: frozenset[str]) -> "LinguaLanguageDetector":
    """A lingua detector restricted to ``languages`` (each one lingua knows), built once per process and set."""
    from lingua import LanguageDetectorBuilder

    known = lingua_languages()
    unknown = sorted(languages - known.keys())
    if unknown or len(languages) < 2:
        raise ValueError(f"lingua needs at least two languages it knows; got {sorted(languages)} (unknown: {unknown})")
    return LanguageDetectorBuilder.from_languages(*(known[code] for code in sorted(languages))).build()


@dataclass(frozen=True)
class LinguaSecondOpinion:
    """lingua in high-accuracy mode (the default): deterministic, thread-safe, about 1 ms per 2,000 characters."""

    def knows(self, language: str) -> bool:
        return language in lingua_languages()

    def rank(self, text: str, languages: frozenset[str]) -> list[Candidate]:
        detector = lingua_detector(languages)
        try:
            values = detector.compute_language_confidence_values(text)
        except Exception as error:  # third-party boundary: the article dead-letters at stage "language"
            raise LanguageDetectionError(f"second language opinion (lingua) failed: {type(error).__name__}: {error}") \
                from error
        return [Candidate(value.language.iso_code_639_1.name.lower(), value.value) for value in values]


@functools.lru_cache(maxsize=1)
def default_second_opinion() -> LinguaSecondOpinion:
    """The process-wide second opinion; creating it loads nothing (lingua loads on its first :meth:`rank`)."""
    return LinguaSecondOpinion()
