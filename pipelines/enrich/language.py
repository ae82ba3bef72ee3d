"""Language identification with langdetect, made deterministic.

langdetect samples n-grams at random; its module-level factory is seeded through global state that any other code
in the process may change. presspipe builds its own :class:`langdetect.detector_factory.DetectorFactory` once per
process and seed (:func:`load_detector_factory`, an ``lru_cache``\\ d pure loader) and every detector it creates
re-seeds its private ``random.Random`` with that seed for each detection, so the same text always gets the same
answer, in any order, in any worker.

Decision rules (:func:`identify_language`): only the first ``text_cap`` characters are examined; fewer than
``min_letters`` letters gives ``und``; for texts shorter than ``short_text_chars`` the declared language wins when the
detector gives it at least ``declared_min_probability``; otherwise the top candidate is kept when its probability
reaches ``min_confidence``, else ``und``. Codes are ISO 639-1 (langdetect's ``zh-cn``/``zh-tw`` become ``zh``).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
from dataclasses import dataclass
from typing import Protocol

import regex
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException

from presspipe.pipelines.enrich.errors import LanguageDetectionError

UNDETERMINED = "und"
_LETTER = regex.compile(r"\p{L}")


AUTO = "auto"
BACKENDS = (AUTO, "langdetect", "langdetect_rs")


def rust_backend_available() -> bool:
    return importlib.util.find_spec("langdetect_rs") is not None


def resolve_backend(backend: str) -> str:
    """``auto`` → ``langdetect_rs`` when installed, else ``langdetect``; explicit names are kept as they are."""
    if backend == AUTO:
        return "langdetect_rs" if rust_backend_available() else "langdetect"
    return backend


@dataclass(frozen=True)
class LanguageSettings:
    """``backend="auto"`` (the default) uses ``langdetect_rs`` (the optional ``fast`` extra, a Rust port about 20x
    faster) when it is installed, else langdetect, which stays the reference: tests prove the port returns exactly
    langdetect's probabilities on the fixtures, the seeds and a subset of the benchmark corpus, and ``make bench``
    checks the whole corpus. Because the results are identical, workers with and without the extra agree."""

    backend: str = AUTO
    seed: int = 0
    text_cap: int = 2000
    min_letters: int = 12
    min_confidence: float = 0.80
    short_text_chars: int = 200
    declared_min_probability: float = 0.20


@dataclass(frozen=True)
class LanguageResult:
    language: str
    confidence: float  # probability of the reported language; of the best candidate when ``und``


@dataclass(frozen=True)
class Candidate:
    language: str
    probability: float


class LanguageDetector(Protocol):
    """Anything that ranks languages for a text; :class:`LangdetectDetector` is the reference implementation."""

    def candidates(self, text: str) -> list[Candidate]: ...


def iso639_1(code: str) -> str:
    return code.split("-", 1)[0].lower()


def load_detector_factory(seed: int, backend: str = "langdetect") -> DetectorFactory:
    """The language profiles, loaded once per process, seed and (resolved) backend; never mutated later."""
    return _load_detector_factory(seed, resolve_backend(backend))


@functools.lru_cache(maxsize=4)
def _load_detector_factory(seed: int, backend: str) -> DetectorFactory:
    if backend == "langdetect":
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
    elif backend == "langdetect_rs":
        try:
            import langdetect_rs
        except ImportError as error:
            raise ValueError("language backend langdetect_rs needs the 'fast' extra (pip install langdetect-rs)") from error
        factory = langdetect_rs.DetectorFactory()
        factory.load_profile(langdetect_rs.PROFILES_DIRECTORY)
    else:
        raise ValueError(f"unknown language backend {backend!r}; expected one of {BACKENDS}")
    factory.set_seed(seed)
    return factory


def _backend_exception(backend: str) -> type[Exception]:
    if backend == "langdetect_rs":
        from langdetect_rs.lang_detect_exception import LangDetectException as RustLangDetectException

        return RustLangDetectException
    return LangDetectException


@dataclass(frozen=True)
class LangdetectDetector:
    """Deterministic langdetect (or its Rust port): every call creates a detector from the seeded factory."""

    factory: DetectorFactory
    backend_error: type[Exception] = LangDetectException

    def candidates(self, text: str) -> list[Candidate]:
        detector = self.factory.create()
        detector.append(text)
        try:
            ranked = detector.get_probabilities()
        except self.backend_error as error:
            if getattr(error, "code", None) == ErrorCode.CantDetectError:  # no letters to go on: "und", not a failure
                return []
            raise LanguageDetectionError(f"language detection failed: {error}") from error
        merged: dict[str, float] = {}
        for language in ranked:
            code = iso639_1(language.lang)
            merged[code] = merged.get(code, 0.0) + language.prob
        return sorted((Candidate(code, prob) for code, prob in merged.items()), key=lambda c: -c.probability)


@functools.lru_cache(maxsize=8)
def default_detector(seed: int = 0, backend: str = AUTO) -> LangdetectDetector:
    """The detector of a seed and backend, built once per process (called for every article without a detector)."""
    backend = resolve_backend(backend)
    return LangdetectDetector(load_detector_factory(seed, backend), _backend_exception(backend))


def identify_language(
    text: str,
    *,
    declared: str | None,
    detector: LanguageDetector,
    settings: LanguageSettings = LanguageSettings(),
) -> LanguageResult:
    sample = text[: settings.text_cap]
    # Only whether there are min_letters letters matters: stop counting there instead of listing every letter.
    if sum(1 for _ in itertools.islice(_LETTER.finditer(sample), settings.min_letters)) < settings.min_letters:
        return LanguageResult(UNDETERMINED, 0.0)
    candidates = detector.candidates(sample)
    if not candidates:
        return LanguageResult(UNDETERMINED, 0.0)
    if declared and len(text) < settings.short_text_chars:
        for candidate in candidates:
            if candidate.language == declared and candidate.probability >= settings.declared_min_probability:
                return LanguageResult(declared, round(candidate.probability, 4))
    best = candidates[0]
    if best.probability < settings.min_confidence:
        return LanguageResult(UNDETERMINED, round(best.probability, 4))
    return LanguageResult(best.language, round(best.probability, 4))
