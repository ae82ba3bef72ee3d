"""Tokenisation rules and BIO decoding shared by the Hindi model's training and its run-time use.

The shipped Hindi model uses spaCy's ``ner`` pipe; a model whose ``tagger`` predicts one BIO tag
per token (``B-PERSON``, ``I-LOC``, ``O`` ...), as ``training/hindi_ner.py --head tagger`` trains,
is read through :func:`spans_from_bio_tags` (faster, less accurate: see the training script).
Training and run time share the tokenizer rules and the decoder, so they live here, in the package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

#: Devanagari sentence punctuation: danda and double danda.
DANDA_CHARACTERS = "।॥"

OUTSIDE_TAG = "O"


def add_danda_rules(nlp: Language) -> Language:
    """Make the tokenizer split ``।`` and ``॥`` from the words on both sides.

    Scraped Hindi often lacks the space after a danda (``है।पुतिन``); spaCy's default rules split a
    trailing danda but not one inside a token. The rules are regular expressions stored with the
    tokenizer, so a model saved after this call keeps them and needs no code at load time. Working in
    the tokenizer rather than rewriting the text keeps character offsets identical to the input.
    """
    danda_class = f"[{DANDA_CHARACTERS}]"
    nlp.tokenizer.prefix_search = compile_prefix_regex([*nlp.Defaults.prefixes, danda_class]).search
    nlp.tokenizer.suffix_search = compile_suffix_regex([*nlp.Defaults.suffixes, danda_class]).search
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, danda_class]).finditer
    return nlp


def bio_tags_from_spans(length: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """BIO tags for ``length`` tokens given non-overlapping ``(start_token, end_token, label)`` spans."""
    tags = [OUTSIDE_TAG] * length
    for start, end, label in spans:
        tags[start] = f"B-{label}"
        for index in range(start + 1, end):
            tags[index] = f"I-{label}"
    return tags


_TAG_PATTERN = re.compile(r"^([BI])-(.+)$")


def spans_from_bio_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans ``(start, end, label)`` from per-token BIO tags.

    A per-token classifier can emit ill-formed sequences; an ``I-X`` that does not continue an ``X``
    span starts a new span (the usual lenient reading), so no predicted entity token is lost.
    """
    spans: list[tuple[int, int, str]] = []
    current_start: int | None = None
    current_label: str | None = None
    for index, tag in enumerate(tags):
        match = _TAG_PATTERN.match(tag)
        if match is None:
            if current_start is not None:
                spans.append((current_start, index, current_label))  # type: ignore[arg-type]
            current_start, current_label = None, None
            continue
        prefix, label = match.groups()
        if prefix == "I" and current_start is not None and label == current_label:
            continue
        if current_start is not None:
            spans.append((current_start, index, current_label))  # type: ignore[arg-type]
        current_start, current_label = index, label
    if current_start is not None:
        spans.append((current_start, len(tags), current_label))  # type: ignore[arg-type]
    return spans
