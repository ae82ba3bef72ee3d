"""How the extraction's comparisons read words and sentences, in any script: one definition for the recall safety
net (:mod:`.extract`) and the standfirst (:mod:`.lead`), which both match a paragraph against what the page states.

Words are runs of letters, marks and digits, each Han or kana character a word of its own (those scripts write no
spaces), casefolded: two texts that differ only in case or punctuation have the same words.
"""

from __future__ import annotations

import regex

_WORD = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]|[[\p{L}\p{M}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}]]+",
                      regex.V1)

#: What closes a sentence in the scripts the pages use, a closing quotation mark included. Not guillemets, measured:
#: with ``»`` and ``“`` the recall net restored one more paragraph on a real Spanish page, whose F1 fell to 0.948
#: (the Spanish set 0.982 -> 0.977 in ``python -m benchmarks.quality``).
SENTENCE_END = (".", "!", "?", "…", '"', "”", "।", "。", "！", "？")


def comparable_words(text: str) -> list[str]:
    """The casefolded words of ``text``."""
    return _WORD.findall(text.casefold())


def reads_like_sentence(paragraph: str, min_words: int) -> bool:
    """A paragraph of article text, not a headline, kicker or label: ``min_words`` words or more, closed like a
    sentence."""
    return len(comparable_words(paragraph)) >= min_words and paragraph.rstrip().endswith(SENTENCE_END)
