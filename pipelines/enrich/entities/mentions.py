"""Candidate mentions and the word-boundary rule shared by the gazetteer and the combiner."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LABELS = ("PERSON", "ORG", "LOC")

SOURCE_MODEL = "model"
SOURCE_GAZETTEER = "gazetteer"
SOURCE_USER_LIST = "user_list"
SOURCE_PROPAGATION = "propagation"
SOURCE_ACRONYM = "acronym"  # letter-name acronyms (acronyms.py)


@dataclass(frozen=True)
class Mention:
    """A candidate span ``[start, end)`` of the text, before overlaps are resolved."""

    start: int
    end: int
    label: str
    source: str
    kb_id: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


@lru_cache(maxsize=8192)
def is_word_character(character: str) -> bool:
    """Letters, marks and digits belong to words.

    Marks matter for Indic scripts: Devanagari vowel signs (``ी``) and the virama (``्``) are
    category M, so ``भारतीय`` continues past ``भारत`` and is not a match for it. Cached: it is
    asked for the same few hundred characters of a script over and over.
    """
    return unicodedata.category(character)[0] in "LMN"


# Scripts written without spaces between words: a name there cannot be required to stand between
# non-letters. (Hangul is spaced but particles attach to the noun: only the left edge is checked.)
_UNSPACED_SCRIPT_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")


@lru_cache(maxsize=8192)
def _script_is_unspaced(character: str) -> bool:
    return unicodedata.name(character, "").startswith(_UNSPACED_SCRIPT_PREFIXES)


@lru_cache(maxsize=8192)
def _is_hangul(character: str) -> bool:
    return unicodedata.name(character, "").startswith("HANGUL")


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a whole word sequence, not part of a longer word.

    Both edges free is a match in every script; the script exceptions only matter when an edge
    touches a letter, so they are asked last (most gazetteer candidates in a long text are
    substrings of words and fail here).
    """
    left_ok = start == 0 or not is_word_character(text[start - 1])
    right_ok = end == len(text) or not is_word_character(text[end])
    if left_ok and right_ok:
        return True
    first, last = text[start], text[end - 1]
    if _script_is_unspaced(first) and _script_is_unspaced(last):
        return True
    return left_ok and _is_hangul(last)


@lru_cache(maxsize=64)
def spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of a base language, lowercased (empty when spaCy has no data for it): function words
    that are never a city (``gazetteer``) nor part of an organisation's name (``spans``)."""
    from spacy.util import get_lang_class

    try:
        return frozenset(word.lower() for word in get_lang_class(language).Defaults.stop_words)
    except ImportError:  # spaCy has no language data for it
        return frozenset()
