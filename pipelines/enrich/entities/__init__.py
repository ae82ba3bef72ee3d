"""Entity tagging (PERSON, ORG, LOC) for cleaned article bodies, offline and Beam-free.

Typical use (once per worker, e.g. in ``DoFn.setup``)::

    tagger = build_tagger()              # EntityConfig() defaults: English, Hindi, French, Russian models, gazetteer
    entities = tagger.tag(body, "hi")    # tuple[presspipe.schemas.records.Entity, ...]

Modules: ``config`` (EntityConfig), ``recognizers`` (model references, loaded per language on first use),
``spacy_backend`` and ``natasha_backend`` (statistical models), ``features`` (the English model's cluster
embedding), ``gazetteer`` (CLDR, ISO, GeoNames and user names), ``acronyms`` (letter-name and Latin acronyms),
``spans`` (per-language span rules), ``combine`` (merging and in-document propagation), ``bio`` (Hindi tokenizer
rules and BIO decoding shared with ``training/hindi_ner.py``), ``errors``.
"""

from presspipe.schemas.records import Entity

from .config import DEFAULT_MODELS, EntityConfig
from .errors import EntityConfigError, EntityTaggingError, TooManyEntitiesError
from .tagger import CompositeTagger, EntityTagger, build_tagger

__all__ = [
    "DEFAULT_MODELS",
    "CompositeTagger",
    "Entity",
    "EntityConfig",
    "EntityConfigError",
    "EntityTagger",
    "EntityTaggingError",
    "TooManyEntitiesError",
    "build_tagger",
]
