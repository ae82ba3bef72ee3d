"""What the Hindi and English trainers (``training/hindi_ner.py``, ``training/english_ner.py``) share.

The sentence type, the exact-match span metric (also used by the yardsticks ``second_opinion`` and
``tagger_held_out``), the transition-based ``ner`` pipe over a maxout CNN, and the epoch loop with dev selection.

The loop makes the same calls in the same order as each script made before it was shared (shuffle with
``Random(seed)``, ``compounding`` batches, ``nlp.update``, dev F1 under the averaged parameters): the shipped
weights depend on that order, and ``make train-hi-ner`` / ``make train-en-ner`` must keep reproducing them byte for
byte. Seeding (``fix_random_seed``) and ``nlp.initialize`` stay with each script, where they were.
"""

from __future__ import annotations

import training.single_thread  # noqa: F401  (before numpy loads)

import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterable  # noqa: E402
import argparse  # noqa: E402
from dataclasses import asdict, dataclass, fields  # noqa: E402
from typing import Protocol, TypeVar  # noqa: E402

from spacy.language import Language  # noqa: E402
from spacy.tokens import Doc, Span  # noqa: E402
from spacy.training import Example  # noqa: E402
from spacy.util import compounding, minibatch  # noqa: E402

from presspipe.pipelines.enrich.entities.acronyms import find_acronyms  # noqa: E402
from presspipe.pipelines.enrich.entities.combine import combine  # noqa: E402
from presspipe.pipelines.enrich.entities.mentions import SOURCE_MODEL, Mention  # noqa: E402
from presspipe.pipelines.enrich.entities.spacy_backend import bio_tagger_spans  # noqa: E402

LABELS = ("PERSON", "ORG", "LOC")

CharSpan = tuple[int, int, str]


@dataclass(frozen=True)
class Sentence:
    """One gold sentence: words, whether each is followed by a space, and presspipe labels."""

    words: tuple[str, ...]
    spaces: tuple[bool, ...]
    spans: tuple[tuple[int, int, str], ...]  # token spans over ``words``

    @property
    def text(self) -> str:
        return "".join(word + (" " if space else "") for word, space in zip(self.words, self.spaces))


def char_spans(doc: Doc, token_spans: list[tuple[int, int, str]]) -> set[CharSpan]:
    return {(doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), label) for start, end, label in token_spans}


def gold_char_spans(vocab, sentence: Sentence) -> set[CharSpan]:
    """The sentence's gold spans as character offsets into ``sentence.text``."""
    reference = Doc(vocab, words=list(sentence.words), spaces=list(sentence.spaces))
    return char_spans(reference, list(sentence.spans))


def span_scores(pairs: Iterable[tuple[set[CharSpan], set[CharSpan]]]) -> dict:
    """Exact-match P/R/F1 (and gold support), overall and per label, over ``(gold, predicted)`` span sets."""
    true_positive: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for gold_spans, predicted_spans in pairs:
        for span in gold_spans:
            gold[span[2]] += 1
        for span in predicted_spans:
            predicted[span[2]] += 1
            if span in gold_spans:
                true_positive[span[2]] += 1

    def scores(tp: int, p: int, g: int) -> dict:
        precision = tp / p if p else 0.0
        recall = tp / g if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": g}

    result = scores(sum(true_positive.values()), sum(predicted.values()), sum(gold.values()))
    result["per_label"] = {label: scores(true_positive[label], predicted[label], gold[label]) for label in LABELS}
    return result


def with_acronyms(text: str, spans: set[CharSpan]) -> set[CharSpan]:
    """Model spans merged with the letter-name acronym rule by the run-time combiner itself (no gazetteer, no
    propagation), so the score is the one the shipped tagger earns."""
    model = [Mention(start, end, label, SOURCE_MODEL) for start, end, label in spans]
    entities = combine(text, model, (), propagate=False, acronyms=find_acronyms(text))
    return {(entity.start, entity.end, entity.label) for entity in entities}


def evaluate(nlp: Language, sentences: list[Sentence], acronyms: bool = False) -> dict:
    """Exact-match span P/R/F1 on character offsets (independent of tokenisation), overall and per label.

    ``acronyms``: score the model merged with :func:`~presspipe.pipelines.enrich.entities.acronyms.find_acronyms`
    as the run-time tagger merges them (model selection never uses this)."""
    texts = [sentence.text for sentence in sentences]
    if "tagger" in nlp.pipe_names:  # decoded exactly as at run time (spacy_backend)
        docs = [nlp.make_doc(text) for text in texts]
        token_spans = [spans for start in range(0, len(docs), 256)
                       for spans in bio_tagger_spans(nlp.get_pipe("tagger"), docs[start:start + 256])]
    else:
        docs = list(nlp.pipe(texts, batch_size=256))
        token_spans = [[(ent.start, ent.end, ent.label_) for ent in doc.ents] for doc in docs]

    def pairs():
        for sentence, doc, spans in zip(sentences, docs, token_spans):
            gold_spans = gold_char_spans(nlp.vocab, sentence)
            predicted_spans = char_spans(doc, spans)
            if acronyms:
                predicted_spans = with_acronyms(sentence.text, predicted_spans)
            yield gold_spans, predicted_spans

    return span_scores(pairs())


def ner_example(nlp: Language, sentence: Sentence) -> Example:
    """A training example for the ``ner`` pipe: the gold entities on the corpus's words (spaCy aligns them with the
    tokenizer's by character offsets)."""
    reference = Doc(nlp.vocab, words=list(sentence.words), spaces=list(sentence.spaces))
    reference.ents = [Span(reference, start, end, label=label) for start, end, label in sentence.spans]
    return Example(nlp.make_doc(sentence.text), reference)


class ModelSettings(Protocol):
    """The hyper-parameters of the shared tok2vec encoder, ``ner`` pipe and epoch loop (each script's
    ``TrainingSettings`` has these fields)."""

    seed: int
    width: int
    depth: int
    window_size: int
    encoder_maxout: int
    hidden_width: int
    parser_maxout: int
    parser_upper: int
    dropout: float
    batch_start: float
    batch_stop: float
    patience: int


def maxout_tok2vec(embed: dict, settings: ModelSettings) -> dict:
    """spaCy's Tok2Vec config: ``embed`` under a maxout window CNN of the settings' width and depth."""
    return {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": embed,
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": settings.width,
            "depth": settings.depth,
            "window_size": settings.window_size,
            "maxout_pieces": settings.encoder_maxout,
        },
    }


def add_ner_pipe(nlp: Language, settings: ModelSettings, tok2vec: dict) -> Language:
    """The transition-based ``ner`` pipe over ``tok2vec``, with presspipe's labels."""
    ner = nlp.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": settings.hidden_width, "maxout_pieces": settings.parser_maxout,
        "use_upper": bool(settings.parser_upper), "nO": None, "tok2vec": tok2vec}})
    for label in LABELS:
        ner.add_label(label)
    return nlp


def run_epochs(nlp: Language, optimizer, examples: list[Example], settings: ModelSettings, epochs: int,
               dev: list[Sentence] | None, started: float, budget_seconds: float) -> dict:
    """Train the initialised ``nlp`` for up to ``epochs`` (``examples`` is shuffled in place).

    With ``dev``: after each epoch, dev F1 under the averaged parameters; the best epoch's parameters are kept, and
    training stops ``settings.patience`` epochs after the best one, or before the next epoch would take the run past
    ``budget_seconds`` from ``started`` (and says so). Without ``dev``: all ``epochs``, then the averaged parameters.
    Returns the selection record of ``metrics.json``.
    """
    shuffler = random.Random(settings.seed)
    best_f1, best_epoch, best_bytes = -1.0, -1, b""
    epochs_run = 0
    stopped_by_clock = False
    for epoch in range(epochs):
        shuffler.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(settings.batch_start, settings.batch_stop, 1.001)):
            nlp.update(batch, drop=settings.dropout, sgd=optimizer, losses=losses)
        epochs_run = epoch + 1
        if dev is None:
            print(f"epoch {epoch + 1:2d} loss {sum(losses.values()):9.1f} {time.monotonic() - started:5.0f}s",
                  flush=True)
            continue
        with nlp.use_params(optimizer.averages):
            dev_f1 = evaluate(nlp, dev)["f1"]
            if dev_f1 > best_f1:
                best_f1, best_epoch, best_bytes = dev_f1, epoch, nlp.to_bytes()
        elapsed = time.monotonic() - started
        print(f"epoch {epoch + 1:2d} loss {sum(losses.values()):9.1f} dev F1 {dev_f1:.4f} "
              f"best {best_f1:.4f}@{best_epoch + 1} {elapsed:5.0f}s", flush=True)
        if epoch - best_epoch >= settings.patience:
            break
        if elapsed * (epoch + 2) / (epoch + 1) > budget_seconds:
            stopped_by_clock = True
            print("warning: stopping before patience ran out to stay within the wall-clock budget", flush=True)
            break
    if dev is None:
        with nlp.use_params(optimizer.averages):
            best_bytes = nlp.to_bytes()
    nlp.from_bytes(best_bytes)
    return {"dev_best_f1": best_f1, "best_epoch": best_epoch + 1, "epochs_run": epochs_run,
            "stopped_by_clock": stopped_by_clock}


Settings = TypeVar("Settings")


def add_settings_options(parser: argparse.ArgumentParser, settings_class: type) -> None:
    """One ``--option`` per field of a frozen settings dataclass, typed and defaulted by the field's default."""
    for name, value in asdict(settings_class()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)


def settings_from(args: argparse.Namespace, settings_class: type[Settings]) -> Settings:
    """The settings the options of :func:`add_settings_options` were given."""
    return settings_class(**{field.name: getattr(args, field.name) for field in fields(settings_class)})
