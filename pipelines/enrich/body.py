"""The article body as derived from its paragraphs: one definition for every stage that builds or rebuilds it.

Enrichment (:mod:`.record`) builds ``body`` and ``word_count`` from the cleaned paragraphs, and site boilerplate
removal (:mod:`.boilerplate`) rebuilds them after taking paragraphs out; both use these, so that an article's
``body``, ``word_count`` and entity offsets mean the same whichever stage wrote them last (``content_hash`` is
:func:`~.ids.content_hash` of the body).
"""

from __future__ import annotations

import regex

#: Between two paragraphs of ``Article.body``; entity offsets count it.
PARAGRAPH_SEPARATOR = "\n\n"

_WORD = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}]|[[\p{L}\p{M}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}]]+(?:['’][\p{L}]+)*",
    regex.V1,
)


def word_count(text: str) -> int:
    """Words in any script: runs of letters, marks and digits; each Han/kana character counts as a word."""
    return len(_WORD.findall(text))
