"""Language identification: langdetect, made deterministic, with a second opinion for the languages it lacks.

langdetect samples n-grams at random; its module-level factory is seeded through global state that any other code
in the process may change. presspipe builds its own :class:`langdetect.detector_factory.DetectorFactory` once per
process and seed (:func:`load_detector_factory`, an ``lru_cache``\\ d pure loader) and every detector it creates
re-seeds its private ``random.Random`` with that seed for each detection, so the same text always gets the same
answer, in any order, in any worker.

langdetect's rules (:func:`langdetect_decision`): only the first ``text_cap`` characters are examined; fewer than
``min_letters`` letters gives ``und``; for texts shorter than ``short_text_chars`` the declared language wins when the
detector gives it at least ``declared_min_probability``; otherwise the top candidate is kept when its probability
reaches ``min_confidence``, else ``und``. Codes are ISO 639-1 (langdetect's ``zh-cn``/``zh-tw`` become ``zh``).

The second opinion (:mod:`presspipe.pipelines.enrich.second_opinion`, lingua) is asked only where langdetect cannot
be right, and only to choose among a few languages (:func:`identify_language`):

* langdetect's answer is a *stand-in*, a language it gives for text in languages it lacks (:data:`CONFUSED_WITH`,
  measured, not guessed: see ``docs/language.md``), or it is undetermined with a stand-in among its candidates.
  lingua then chooses between the stand-in and the languages it stands in for; its answer replaces langdetect's only
  when it is one of the languages langdetect lacks, with at least ``second_opinion_min_confidence``. So Swahili stays
  langdetect's Swahili, and the isiZulu pages that declare ``en`` become ``zu``.
* the page declares a language langdetect does not know. A declaration is contradicted only by a detector that knows
  the declared language: lingua chooses between it and langdetect's candidates (and the stand-ins' languages); a
  confident other answer wins (a language langdetect lacks from lingua, otherwise langdetect's own result), anything
  else keeps the declaration (``language_source`` ``declared``, confidence = lingua's probability for it). A language
  neither detector knows (Faroese) is trusted as declared, with confidence 0.0: no detector gave it a probability.

A declared language langdetect knows is treated as before: the text overrides it (the isiZulu pages that declare
``en``). ``LanguageResult.source`` records which one decided (the ``language_source`` field of the article).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

import regex
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException

from presspipe.pipelines.enrich.errors import LanguageDetectionError

if TYPE_CHECKING:
    from presspipe.pipelines.enrich.second_opinion import SecondOpinion

UNDETERMINED = "und"
SOURCE_LANGDETECT, SOURCE_LINGUA, SOURCE_DECLARED = "langdetect", "lingua", "declared"
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
    second_opinion: bool = True  # False: langdetect alone, as before language_source existed
    second_opinion_min_confidence: float = 0.80


@dataclass(frozen=True)
class LanguageResult:
    language: str
    confidence: float  # probability of the reported language; of the best candidate when ``und``
    source: str = SOURCE_LANGDETECT  # which detector decided: langdetect | lingua | declared


@dataclass(frozen=True)
class Candidate:
    language: str
    probability: float


class LanguageDetector(Protocol):
    """Anything that ranks languages for a text; :class:`LangdetectDetector` is the reference implementation."""

    def candidates(self, text: str) -> list[Candidate]: ...


def iso639_1(code: str) -> str:
    return code.split("-", 1)[0].lower()


#: langdetect's languages (ISO 639-1), from its profiles.
LANGDETECT_LANGUAGES = frozenset(iso639_1(name) for name in os.listdir(PROFILES_DIRECTORY))
#: Codes langdetect knows under another code: its ``no`` profile covers both written standards of Norwegian.
LANGDETECT_ALIASES: Mapping[str, str] = MappingProxyType({"nb": "no", "nn": "no"})
#: The same language in lingua's codes: lingua tells Bokmål from Nynorsk.
LINGUA_CODES: Mapping[str, tuple[str, ...]] = MappingProxyType({"no": ("nb", "nn")})

#: Stand-ins: langdetect's answer → the languages it lacks whose text it answers that way, confidently. Measured on
#: the real pages of data/news-pages (isiZulu, isiXhosa) and on sentences in tests/unit/enrich/test_language_lacking.py
#: and spaCy's example sentences (docs/language.md has the table). Left out on purpose: answers that are large
#: languages (en for Irish, tr for Azerbaijani, ru for Kyrgyz, hr for Serbian in Latin script, ca for Latin), where a
#: second opinion on every page would cost more than it fixes; those pages are covered when they declare their
#: language (the declared rule below).
CONFUSED_WITH: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "no": ("is",),                                  # Icelandic (and Faroese, which lingua lacks too: it says is)
    "sw": ("zu", "xh", "st", "tn", "sn", "lg"),     # isiZulu, isiXhosa, Sesotho, Setswana, chiShona, Luganda
    "id": ("ms", "eu"),                             # Malay, Basque
    "tl": ("tn", "st"),                             # Setswana, Sesotho
})


def langdetect_knows(language: str) -> bool:
    return LANGDETECT_ALIASES.get(language, language) in LANGDETECT_LANGUAGES


def _lingua_codes(language: str) -> tuple[str, ...]:
    return LINGUA_CODES.get(language, (language,))


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


def langdetect_decision(text: str, candidates: Sequence[Candidate], *, declared: str | None,
                        settings: LanguageSettings) -> LanguageResult:
    """langdetect's answer from its ranked ``candidates`` (non-empty) for ``text`` (langdetect's rules above)."""
    if declared and len(text) < settings.short_text_chars:
        for candidate in candidates:
            if candidate.language == declared and candidate.probability >= settings.declared_min_probability:
                return LanguageResult(declared, round(candidate.probability, 4))
    best = candidates[0]
    if best.probability < settings.min_confidence:
        return LanguageResult(UNDETERMINED, round(best.probability, 4))
    return LanguageResult(best.language, round(best.probability, 4))


def identify_language(
    text: str,
    *,
    declared: str | None,
    detector: LanguageDetector,
    settings: LanguageSettings = LanguageSettings(),
    second_opinion: "SecondOpinion | None" = None,
) -> LanguageResult:
    """The language of ``text`` (module docstring: langdetect, then lingua only where langdetect cannot be right).

    ``second_opinion`` defaults to the process-wide lingua (:func:`default_second_opinion`), loaded when first asked;
    ``settings.second_opinion=False`` gives langdetect's answer alone.
    """
    sample = text[: settings.text_cap]
    # Only whether there are min_letters letters matters: stop counting there instead of listing every letter.
    if sum(1 for _ in itertools.islice(_LETTER.finditer(sample), settings.min_letters)) < settings.min_letters:
        return LanguageResult(UNDETERMINED, 0.0)
    candidates = detector.candidates(sample)
    if not candidates:
        return LanguageResult(UNDETERMINED, 0.0)
    first = langdetect_decision(text, candidates, declared=declared, settings=settings)
    if not settings.second_opinion:
        return first
    if first.language in CONFUSED_WITH:
        stand_ins = [first.language]
    elif first.language == UNDETERMINED:
        stand_ins = [candidate.language for candidate in candidates if candidate.language in CONFUSED_WITH]
    else:
        stand_ins = []
    declared_unknown = bool(declared) and not langdetect_knows(declared)
    if not stand_ins and not declared_unknown:
        return first
    if second_opinion is None:
        from presspipe.pipelines.enrich.second_opinion import default_second_opinion

        second_opinion = default_second_opinion()
    pool: set[str] = set()
    for stand_in in stand_ins:
        pool.update(_lingua_codes(stand_in), CONFUSED_WITH[stand_in])
    if declared_unknown:
        if not second_opinion.knows(declared):
            return LanguageResult(declared, 0.0, SOURCE_DECLARED)  # no detector knows it, none can contradict it
        pool.add(declared)
        pool.update(code for candidate in candidates for code in _lingua_codes(candidate.language)
                    if second_opinion.knows(code))
        if len(pool) < 2:
            return LanguageResult(declared, 0.0, SOURCE_DECLARED)
    ranked = second_opinion.rank(sample, frozenset(pool))
    best = ranked[0] if ranked else None
    confident = best is not None and best.probability >= settings.second_opinion_min_confidence
    if declared_unknown and not (confident and best.language != declared):
        # Confirmed by lingua, or not contradicted: the declaration stands.
        probability = next((c.probability for c in ranked if c.language == declared), 0.0)
        return LanguageResult(declared, round(probability, 4), SOURCE_LINGUA if confident else SOURCE_DECLARED)
    if confident and not langdetect_knows(best.language):
        return LanguageResult(best.language, round(best.probability, 4), SOURCE_LINGUA)
    return first
