"""Statistical entity recognition through an installed spaCy pipeline or a model directory.

Only the components entity recognition needs run: the ``ner`` pipe and any ``tok2vec`` it listens
to (``fr_core_news_sm`` also carries a parser, morphologizer and lemmatizer that would triple the
cost). A pipeline without ``ner`` but with a ``tagger`` whose labels are BIO tags is decoded from the
tagger's scores by :func:`.bio.spans_from_bio_scores`, which yields only well-formed spans. Such a
tagger has no transition loop and runs about three times faster than a ``ner`` pipe of the same
width; the shipped Hindi model is still a ``ner`` pipe, because every BIO tagger trained so far
missed persons the seed articles must yield (``training/hindi_ner.py``).

Matrix products go through numpy's BLAS, not thinc's default blis: blis picks a slow generic kernel on CPUs it does
not know (3x slower than numpy's OpenBLAS on this project's AMD EPYC machines, which makes a CNN tok2vec cost more
than the extraction it follows). Each call is limited to one BLAS thread: parallelism comes from pipeline workers,
and a multi-threaded BLAS on a busy worker was measured 3x slower, not faster. ``make bench`` proves the entities
are the same either way (``entities_numpy_blas_mismatching_docs``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from thinc.api import use_ops
from threadpoolctl import ThreadpoolController

from . import features  # noqa: F401  (registers the English model's embedding layer before any model loads)
from .bio import spans_from_bio_scores
from .errors import EntityConfigError, EntityTaggingError
from .mentions import SOURCE_MODEL, Mention
from .spans import common_words, is_common_phrase

#: Model labels of the common spaCy label schemes → presspipe labels; anything else (MISC, DATE,
#: NORP, ...) is dropped.
DEFAULT_LABEL_MAP: Mapping[str, str] = MappingProxyType({
    "PER": "PERSON", "PERSON": "PERSON",
    "ORG": "ORG", "ORGANIZATION": "ORG", "ORGANISATION": "ORG",
    "LOC": "LOC", "LOCATION": "LOC", "GPE": "LOC",
})

#: Value of ``EntityConfig.models`` that names the Hindi model shipped inside this package.
BUNDLED_PREFIX = "bundled:"


def bundled_model_path(name: str) -> Path:
    """Directory of a model shipped under ``pipelines/enrich/entities/models/``."""
    path = Path(str(resources.files(__package__).joinpath("models", name)))
    if not (path / "config.cfg").is_file():
        raise EntityConfigError(f"bundled model {name!r} is missing from {path}; run `make train-hi-ner`")
    return path


def _load(reference: str, *, numpy_blas: bool = True) -> Language:
    """The pipeline, with its models on numpy's BLAS unless ``numpy_blas`` is False (thinc's default, blis)."""
    target: str | Path = bundled_model_path(reference[len(BUNDLED_PREFIX):]) if reference.startswith(BUNDLED_PREFIX) else reference
    try:
        if not numpy_blas:
            return spacy.load(target)
        with use_ops("numpy", use_blis=False):
            return spacy.load(target)
    except OSError as error:  # spaCy's "can't find model" is an OSError (E050)
        raise EntityConfigError(f"spaCy model {reference!r} is not installed or not a model directory: {error}") from error


def _needed_pipes(nlp: Language) -> list[str]:
    head = "ner" if "ner" in nlp.pipe_names else "tagger" if "tagger" in nlp.pipe_names else None
    if head is None:
        raise EntityConfigError(f"spaCy pipeline {nlp.meta.get('name')!r} has neither an 'ner' nor a BIO 'tagger' pipe")
    needed = [head]
    for name, component in nlp.pipeline:
        if name != head and head in getattr(component, "listening_components", ()):
            needed.append(name)
    return needed


def bio_tagger_spans(tagger, docs: Sequence[Doc]) -> list[list[tuple[int, int, str]]]:
    """Token spans per doc from a BIO ``tagger`` pipe, decoded from its scores (shared with training)."""
    if not docs:
        return []
    tags = list(tagger.labels)
    return [spans_from_bio_scores(scores, tags) for scores in tagger.model.predict(list(docs))]


#: Beam density of the second opinion (spaCy's default pruning of unlikely parses).
BEAM_DENSITY = 0.0001

#: Beam width and threshold of the second opinion on generic phrases (ORG spans made only of common words, see
#: ``spans.is_common_phrase``) when the model's ``meta.json`` asks for none: chosen on the Hindi dev bucket by
#: ``training/tagger_held_out.py --split dev``: of its 39 generic ORG spans, the 9 below 0.5 of the mass are all wrong
#: (20 of the 30 above are right). On the test bucket the check drops 4 right and 5 wrong spans (F1 -0.0002). A beam
#: re-reading costs ~2 ms per checked sentence (spaCy's beam path, whatever the width).
GENERIC_BEAM_WIDTH = 8
GENERIC_BEAM_THRESHOLD = 0.5


def second_opinion_settings(nlp: Language) -> tuple[int, float, int]:
    """``(beam width, threshold, longest span checked)`` a model asks for in its ``meta.json``
    (``presspipe.second_opinion``), else no second opinion."""
    settings = (nlp.meta.get("presspipe") or {}).get("second_opinion") or {}
    return (int(settings.get("beam_width", 0)), float(settings.get("threshold", 0.0)),
            int(settings.get("max_tokens", 0)))


class SpacyRecognizer:
    """One loaded spaCy pipeline, restricted to the pipes entity recognition needs.

    Second opinion (``ner`` pipes whose model has its own tok2vec, such as the shipped ones): with ``beam_width``
    > 0 the text is read again with beam search, and a greedy span of at most ``beam_max_tokens`` tokens is kept
    only if the beam's parses that contain it carry at least ``beam_threshold`` of the probability mass. A greedy parser commits to every span it opens;
    the beam drops the ones the model itself ranks below other readings (generic phrases such as ``स्वास्थ्य सेवा``
    tagged ORG). The defaults come from the model's ``meta.json`` (``training/second_opinion.py`` measures them on
    the held-out split); ``None`` means "what the model asks for".

    With ``language`` (the documents' base language, as :class:`~.recognizers.LazyRecognizer` passes it), a greedy
    ORG span made only of the language's common words (``spans.is_common_phrase``: ``स्वास्थ्य सेवा``, "health
    care") is checked the same way whatever its length, with the model's beam settings or, when it asks for none,
    :data:`GENERIC_BEAM_WIDTH` and :data:`GENERIC_BEAM_THRESHOLD`. Languages without a common-word list, and
    pipelines that cannot beam (a BIO tagger, a listening tok2vec), get no such check.
    """

    def __init__(self, reference: str, label_map: Mapping[str, str] = DEFAULT_LABEL_MAP, *,
                 numpy_blas: bool = True, beam_width: int | None = None, beam_threshold: float | None = None,
                 beam_max_tokens: int | None = None, language: str = "") -> None:
        self.reference = reference
        self._nlp = _load(reference, numpy_blas=numpy_blas)
        width, threshold, max_tokens = second_opinion_settings(self._nlp)
        self.beam_width = width if beam_width is None else beam_width
        self.beam_threshold = threshold if beam_threshold is None else beam_threshold
        self.beam_max_tokens = max_tokens if beam_max_tokens is None else beam_max_tokens
        self._blas = ThreadpoolController()
        needed = _needed_pipes(self._nlp)
        self._nlp.select_pipes(enable=needed)
        self._reads_tags = "ner" not in needed
        if self._reads_tags and not any(label.startswith("B-") for label in self._nlp.get_pipe("tagger").labels):
            raise EntityConfigError(f"the tagger of {reference!r} does not predict BIO entity tags")
        self._label_map = label_map
        # A BIO tagger is run by hand (its scores, not its argmax tags): the pipes it listens to go first.
        self._before_tagger = [component for name, component in self._nlp.pipeline if name != "tagger"]
        if self.beam_width and (self._reads_tags or len(needed) > 1):
            raise EntityConfigError(f"the second opinion needs a 'ner' pipe with its own tok2vec; {reference!r} has "
                                    f"{needed}")
        self._sentencizer = Sentencizer(punct_chars=[*Sentencizer.default_punct_chars, "\n"])
        can_beam = not self._reads_tags and len(needed) == 1
        self.generic_language = language if can_beam and common_words(language) else ""

    def _checked(self, doc: Doc, span: tuple[int, int, str]) -> bool:
        """Does the greedy span need the beam's agreement (short span, or generic ORG phrase)?"""
        start, end, label = span
        if self.beam_width and end - start <= self.beam_max_tokens:
            return True
        return (bool(self.generic_language) and self._label_map.get(label) == "ORG"
                and is_common_phrase(doc[start:end].text.split(), self.generic_language))

    def _beam_agrees(self, doc: Doc, token_spans: list[tuple[int, int, str]],
                     checked: set[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """The greedy spans that are not checked or carry at least the threshold of the beam's probability mass.

        The beam re-reads only the sentences that hold a checked span (spaCy's sentencizer: dandas, sentence
        punctuation, line breaks), not the document:
        re-reading a 5,000-character article for one phrase cost four times the greedy parse."""
        ner = self._nlp.get_pipe("ner")
        width = self.beam_width or GENERIC_BEAM_WIDTH
        threshold = self.beam_threshold if self.beam_width else GENERIC_BEAM_THRESHOLD
        self._sentencizer(doc)  # the entity pipeline marks no sentences (no parser, no senter)
        # From the sentence of a span's first token to that of its last: a sentence end inside it (U.S.) cuts nothing.
        sentences = sorted({(doc[start].sent.start_char, doc[end - 1].sent.end_char) for start, end, _ in checked})
        docs = [self._nlp.make_doc(doc.text[start:end]) for start, end in sentences]
        mass: dict[tuple[int, int, str], float] = defaultdict(float)  # character spans of the document
        for (offset, _), sentence, beam in zip(sentences, docs, ner.beam_parse(docs, beam_width=width,
                                                                                beam_density=BEAM_DENSITY)):
            for probability, parse in ner.moves.get_beam_parses(beam):
                for start, end, label in parse:
                    span = sentence[start:end]
                    mass[(offset + span.start_char, offset + span.end_char, label)] += probability
        agreed = {(start, end, label) for start, end, label in checked
                  if mass.get((doc[start:end].start_char, doc[start:end].end_char, label), 0.0) >= threshold}
        return [span for span in token_spans if span not in checked or span in agreed]

    def find(self, text: str) -> tuple[Mention, ...]:
        """Model mentions with character offsets into ``text``; backend failures raise."""
        try:
            with self._blas.limit(limits=1, user_api="blas"):
                if self._reads_tags:
                    doc = self._nlp.make_doc(text)
                    for component in self._before_tagger:
                        doc = component(doc)
                    token_spans = bio_tagger_spans(self._nlp.get_pipe("tagger"), [doc])[0]
                else:
                    doc = self._nlp(text)
                    token_spans = [(entity.start, entity.end, entity.label_) for entity in doc.ents]
                    checked = {span for span in token_spans if self._checked(doc, span)}
                    if checked:
                        token_spans = self._beam_agrees(doc, token_spans, checked)
        except Exception as error:  # re-raised with context: any failure inside spaCy is a tagging failure
            raise EntityTaggingError(f"spaCy model {self.reference!r} failed: {type(error).__name__}: {error}") from error
        mentions = []
        for start, end, model_label in token_spans:
            label = self._label_map.get(model_label)
            if label is None:
                continue
            span = doc[start:end]
            mentions.append(Mention(span.start_char, span.end_char, label, SOURCE_MODEL))
        return tuple(mentions)
