"""Russian entity recognition through ``natasha`` (MIT; Natasha's own maintainers publish the wheel, and its
weights are inside it: the navec news embeddings and the slovnet NER model, ~29 MB, no download at run time).

Behind the same interface as :class:`~.spacy_backend.SpacyRecognizer`: ``find(text)`` gives model mentions with
character offsets into ``text``. Natasha's labels map PER → PERSON, ORG → ORG, LOC → LOC. Loaded once per worker,
on the first Russian document (``recognizers.LazyRecognizer``): about 3 s and ~100 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from threadpoolctl import ThreadpoolController

from .errors import EntityConfigError, EntityTaggingError
from .mentions import SOURCE_MODEL, Mention

#: The ``EntityConfig.models`` value that selects this backend.
NATASHA_REFERENCE = "natasha"

LABEL_MAP: Mapping[str, str] = MappingProxyType({"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"})


class NatashaRecognizer:
    """Natasha's segmenter and news NER tagger, loaded once."""

    reference = NATASHA_REFERENCE

    def __init__(self) -> None:
        try:
            from natasha import NewsEmbedding, NewsNERTagger, Segmenter
        except ImportError as error:
            raise EntityConfigError(f"the Russian entity model needs the natasha package: {error}") from error
        self._segmenter = Segmenter()
        self._tagger = NewsNERTagger(NewsEmbedding())
        self._blas = ThreadpoolController()

    def find(self, text: str) -> tuple[Mention, ...]:
        from natasha import Doc

        try:
            with self._blas.limit(limits=1, user_api="blas"):
                doc = Doc(text)
                doc.segment(self._segmenter)
                doc.tag_ner(self._tagger)
        except Exception as error:  # re-raised with context: any failure inside natasha is a tagging failure
            raise EntityTaggingError(f"natasha failed: {type(error).__name__}: {error}") from error
        return tuple(Mention(span.start, span.stop, LABEL_MAP[span.type], SOURCE_MODEL)
                     for span in doc.spans if span.type in LABEL_MAP)
