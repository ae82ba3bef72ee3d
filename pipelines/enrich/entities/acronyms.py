"""Devanagari acronyms spelled with the Hindi names of Latin letters (एपीईसी = A-P-E-C) as ORG.

Hindi news writes English acronyms letter by letter: ``बीबीसी`` (BBC), ``सीबीआई`` (CBI),
``एपीईसी`` (APEC). A statistical model sees such a word as one rare token and misses the ones it
never saw in training; the spelling itself is a strong signal, because ordinary Hindi words are
almost never a chain of letter names. Measured on all of HiNER (``hiner-collapsed-validation``,
every bucket, no training involved): 548 tokens are made entirely of three or more letter names,
487 of them (89%) are annotated as a one-token ORG; the misses are mostly non-organisation
acronyms such as ``एफ़आईआर`` (FIR), ``एचआईवी`` (HIV), ``एसएमएस`` (SMS). Two-letter chains are
not matched: they collide with ordinary words (``एक``-like short words) and abbreviations of
offices (``पीएम``).

The recogniser proposes mentions with ``source="acronym"``; the combiner lets a model mention of
the same span keep its label (the model also sees the context, e.g. ``वीवीएस`` is a person's
initials), and a longer model span containing the acronym wins as usual.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .mentions import SOURCE_ACRONYM, Mention, on_word_boundaries

#: How Hindi writes the names of the Latin letters (standard news spellings, with the common
#: variants: एफ/एफ़, डब्ल्यू/डबल्यू, ज़ेड/जेड/ज़ैड/जैड).
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "A": ("ए",), "B": ("बी",), "C": ("सी",), "D": ("डी",), "E": ("ई",), "F": ("एफ", "एफ़"),
    "G": ("जी",), "H": ("एच",), "I": ("आई",), "J": ("जे",), "K": ("के",), "L": ("एल",),
    "M": ("एम",), "N": ("एन",), "O": ("ओ",), "P": ("पी",), "Q": ("क्यू",), "R": ("आर",),
    "S": ("एस",), "T": ("टी",), "U": ("यू",), "V": ("वी",), "W": ("डब्ल्यू", "डबल्यू"),
    "X": ("एक्स",), "Y": ("वाई",), "Z": ("ज़ेड", "जेड", "ज़ैड", "जैड"),
}

#: Fewest letter names a word must consist of (two-letter chains are too often ordinary words).
MINIMUM_LETTERS = 3

#: Devanagari letters and signs (without the danda, double danda and digits, which end a word).
_DEVANAGARI_LETTER = r"[\u0900-\u0963\u0966-\u097F]"


def _spellings(name: str) -> set[str]:
    """A letter name with its nukta both precomposed (``फ़`` U+095E) and decomposed (``फ`` + U+093C).

    NFC leaves the decomposed form (U+0958-U+095F are composition exclusions) while many sites
    publish the precomposed one, so both occur in real text.
    """
    decomposed = unicodedata.normalize("NFD", name)
    composed = decomposed
    for code_point in range(0x0958, 0x0960):
        composed = composed.replace(unicodedata.normalize("NFD", chr(code_point)), chr(code_point))
    return {name, decomposed, composed}


@lru_cache(maxsize=1)
def _acronym_pattern() -> re.Pattern[str]:
    spellings = {spelling for names in LETTER_NAMES.values() for name in names for spelling in _spellings(name)}
    # Longest first, so एफ़ is tried before ए and एक्स before ए.
    alternatives = "|".join(re.escape(spelling) for spelling in sorted(spellings, key=len, reverse=True))
    return re.compile(f"(?:{alternatives}){{{MINIMUM_LETTERS},}}")


@lru_cache(maxsize=1)
def _acronym_word_pattern() -> re.Pattern[str]:
    """The acronym pattern spanning a whole Devanagari run: one regex scan of the text instead of
    a Python loop over its words (the same matches as :func:`is_letter_name_acronym` per run)."""
    return re.compile(f"(?<!{_DEVANAGARI_LETTER})(?:{_acronym_pattern().pattern})(?!{_DEVANAGARI_LETTER})")


def is_letter_name_acronym(word: str) -> bool:
    """Whether ``word`` is entirely a chain of at least :data:`MINIMUM_LETTERS` Latin letter names."""
    return _acronym_pattern().fullmatch(word) is not None


#: A Latin-script acronym: three or more capitals (an inner ``&`` or digit allowed, ``G20`` is two letters and no).
_LATIN_ACRONYM = re.compile(r"(?<![\w&])[A-Z][A-Z&]*[A-Z](?:[0-9]+)?(?![\w&])")
MINIMUM_LATIN_LETTERS = 3


def find_latin_acronyms(text: str) -> tuple[Mention, ...]:
    """ORG mentions for Latin-script acronyms (``APEC``, ``ISEAS``) in a text of a non-Latin script.

    Hindi, Russian or Chinese news writes an organisation's English acronym in Latin letters inside its own script,
    where no model of that language was trained to read it; the letter-name rule above finds the same acronyms
    spelled in Devanagari. Only for documents whose language is written in another script (the tagger decides):
    in English text capitals mean many things.
    """
    return tuple(Mention(match.start(), match.end(), "ORG", SOURCE_ACRONYM)
                 for match in _LATIN_ACRONYM.finditer(text)
                 if sum(character.isalpha() for character in match.group()) >= MINIMUM_LATIN_LETTERS)


def find_acronyms(text: str) -> tuple[Mention, ...]:
    """ORG mentions for every whole Devanagari word of ``text`` that is a letter-name acronym."""
    return tuple(Mention(match.start(), match.end(), "ORG", SOURCE_ACRONYM)
                 for match in _acronym_word_pattern().finditer(text)
                 if on_word_boundaries(text, match.start(), match.end()))
