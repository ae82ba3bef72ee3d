"""Tokenisation rules and BIO decoding shared by the Hindi model's training and its run-time use.

The shipped Hindi model uses spaCy's ``ner`` pipe; a model whose ``tagger`` predicts one BIO tag
per token (``B-PERSON``, ``I-LOC``, ``O`` ...), as ``training/hindi_ner.py --head tagger`` trains,
is read through :func:`spans_from_bio_tags` (faster, less accurate: see the training script).
Training and run time share the tokenizer rules and the decoder, so they live here, in the package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
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


#: Tokens the tagger calls ``O`` with at least this probability are fixed to ``O`` before decoding
#: (measured on the dev split; see training/hindi_ner.py).
CERTAIN_OUTSIDE = 0.5


def _allowed_transitions(tags: Sequence[str]) -> np.ndarray:
    """``allowed[i, j]``: tag ``j`` may follow tag ``i`` (``I-X`` only after ``B-X`` or ``I-X``)."""
    parsed = [_TAG_PATTERN.match(tag) for tag in tags]
    labels = [match.group(2) if match is not None else None for match in parsed]
    allowed = np.ones((len(tags), len(tags)), dtype=bool)
    for j, match in enumerate(parsed):
        if match is not None and match.group(1) == "I":
            allowed[:, j] = [label == labels[j] for label in labels]
    return allowed


def _viterbi(log_probabilities: np.ndarray, transition: np.ndarray, start: np.ndarray) -> list[int]:
    """Best tag sequence under additive ``transition`` scores (0 or -inf) and ``start`` scores."""
    score = start + log_probabilities[0]
    backpointers = []
    for row in log_probabilities[1:]:
        candidates = score[:, None] + transition
        best_previous = candidates.argmax(axis=0)
        backpointers.append(best_previous)
        score = candidates[best_previous, np.arange(len(score))] + row
    path = [int(score.argmax())]
    for best_previous in reversed(backpointers):
        path.append(int(best_previous[path[-1]]))
    path.reverse()
    return path


def spans_from_bio_scores(scores: np.ndarray, tags: Sequence[str],
                          certain_outside: float = CERTAIN_OUTSIDE) -> list[tuple[int, int, str]]:
    """Token spans from a BIO tagger's per-token tag scores (``n_tokens x len(tags)`` logits).

    A per-token argmax can produce ``O I-X`` or ``B-PERSON I-ORG``, which lenient reading turns
    into wrong spans. This decodes the most probable *well-formed* sequence instead (Viterbi over
    the softmax of ``scores``: ``I-X`` only after ``B-X``/``I-X``). To stay cheap on a 1,000-token
    article, tokens that are ``O`` with probability >= ``certain_outside`` are fixed to ``O`` and
    Viterbi runs only over the short runs of uncertain tokens between them (each run follows an
    ``O``, so it cannot open with ``I-X``). spaCy's ``Tagger.v2`` with ``normalize = false``
    returns logits at inference, hence the softmax here.
    """
    if scores.ndim != 2 or len(tags) != scores.shape[1]:
        raise ValueError(f"expected scores of shape (tokens, {len(tags)}), got {scores.shape}")
    if scores.shape[0] == 0:
        return []
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    outside = list(tags).index(OUTSIDE_TAG)
    uncertain = np.flatnonzero(log_probabilities[:, outside] < np.log(certain_outside))
    if uncertain.size == 0:
        return []
    transition = np.where(_allowed_transitions(tags), 0.0, -np.inf)
    start = transition[outside]
    decoded = [OUTSIDE_TAG] * scores.shape[0]
    for run in np.split(uncertain, np.flatnonzero(np.diff(uncertain) > 1) + 1):
        first, last = int(run[0]), int(run[-1]) + 1
        for offset, tag_index in enumerate(_viterbi(log_probabilities[first:last], transition, start)):
            decoded[first + offset] = tags[tag_index]
    return spans_from_bio_tags(decoded)
