"""Text normalisation applied to every paragraph before cleaning, language detection and entity tagging.

Contract of :func:`normalize_paragraph` (property-tested): the result is NFC, has no control characters, no
leading/trailing whitespace and no run of whitespace other than a single ASCII space, and applying it again changes
nothing (idempotence). It never joins or splits paragraphs; paragraph boundaries are the caller's business.

The missing space after a sentence mark is restored only where it is unambiguous: after a danda (``।``/``॥``) before
any letter or digit, and after ``.``/``!``/``?`` when the mark ends a word of at least two letters and the next word
starts like a sentence (an upper-case letter followed by a lower-case one, or a letter of a caseless script that
separates words with spaces, such as Devanagari). Numbers (``3.14``), abbreviations (``U.S.``, ``e.g.``), domain
names (``example.com``), URLs and e-mail addresses are left alone.
"""

from __future__ import annotations

import unicodedata

import regex

# Characters removed outright: controls other than whitespace, byte-order marks, zero-width space, soft hyphen.
# Zero-width (non-)joiners stay: they change the rendering of Indic and Persian words.
_INVISIBLE = regex.compile(r"[\p{Cc}--\s]|[\ufeff\u200b\u00ad\u2060]", regex.V1)
_WHITESPACE = regex.compile(r"\s+")

# Scripts written without spaces between words: a sentence mark followed by one of these needs no space.
_SPACELESS_SCRIPT = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"

_DANDA_MISSING_SPACE = regex.compile(r"([\u0964\u0965])(?=[\p{L}\p{N}])", regex.V1)
_SENTENCE_MARK_MISSING_SPACE = regex.compile(
    r"(?<![\p{L}\p{M}][.!?])"  # the mark does not follow another abbreviation dot (U.S.The stays)
    r"(?<=(?:^|[^\p{L}\p{M}.])[\p{L}][\p{L}\p{M}]+)"  # ends a word of two letters or more
    r"([.!?])"
    r"(?=\p{Lu}\p{Ll}|[[\p{Lo}--[" + _SPACELESS_SCRIPT + r"]]])",
    regex.V1,
)
# Every insertion above needs a sentence mark directly followed by a letter or digit: text without one is left as is.
_MARK_BEFORE_WORD = regex.compile(r"[.!?\u0964\u0965](?=[\p{L}\p{N}])", regex.V1)
_URL_LIKE = regex.compile(r"^(?:[\w+.-]+://|www\.)|@|^\S+\.(?:html?|php|aspx?|jpe?g|png|gif|pdf)\b", regex.I)


def _restore_space_in_token(token: str) -> str:
    if not _MARK_BEFORE_WORD.search(token) or _URL_LIKE.search(token):
        return token
    token = _DANDA_MISSING_SPACE.sub(r"\1 ", token)
    return _SENTENCE_MARK_MISSING_SPACE.sub(r"\1 ", token)


def restore_sentence_spaces(text: str) -> str:
    """Insert the space a scraper lost between two sentences (``।पुतिन`` → ``। पुतिन``, ``.The`` → ``. The``).

    Repeated until nothing changes: a space inserted in one pass can make the next word the start of a token and
    expose another missing space, and the result must be a fixed point for normalisation to be idempotent.
    """
    if not _MARK_BEFORE_WORD.search(text):  # the common case, and a fixed point already
        return text
    while True:
        restored = " ".join(_restore_space_in_token(token) for token in text.split(" "))
        if restored == text:
            return restored
        text = restored


def normalize_paragraph(text: str) -> str:
    """NFC, invisible characters removed, sentence spaces restored, whitespace collapsed to single spaces."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = _WHITESPACE.sub(" ", text).strip()
    text = restore_sentence_spaces(text)
    # NFC once more: removing an invisible character can bring a base letter and a combining mark together.
    return unicodedata.normalize("NFC", text)
