"""The contracts between connectors and pipelines: Avro schemas, their wire codec and the in-memory records.

Every process that reads or writes a presspipe topic goes through this package, so a schema change is made in one
place and checked by one compatibility test (tests/unit/test_schema_compatibility.py).
"""

from presspipe.schemas.codec import (
    ARTICLE,
    DEAD_LETTER,
    RAW_ARTICLE,
    CodecError,
    NotSingleObjectError,
    SchemaRegistry,
    UndecodableDatumError,
    UnknownFingerprintError,
    default_registry,
)
from presspipe.schemas.records import Article, DeadLetter, Entity, Hints, RawArticle, Source, raw_article_id

__all__ = [
    "ARTICLE",
    "DEAD_LETTER",
    "RAW_ARTICLE",
    "Article",
    "CodecError",
    "DeadLetter",
    "Entity",
    "Hints",
    "NotSingleObjectError",
    "RawArticle",
    "SchemaRegistry",
    "Source",
    "UndecodableDatumError",
    "UnknownFingerprintError",
    "default_registry",
    "raw_article_id",
]
