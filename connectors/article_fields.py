"""The fields of an article given as a JSON object, checked one way for both inputs that take one: a push request's
body (:mod:`presspipe.connectors.push`) and a ``.jsonl`` line (:mod:`presspipe.connectors.files`).

Hostile values fail here with a message naming the field, never quoting the value: a non-string where a string
belongs, a string over its length limit, a lone surrogate (valid JSON such as ``"\\ud800"``, but not encodable as
UTF-8, so not storable as an Avro string), a date without a UTC instant (year 1 at +14:00). Each caller turns
``ArticleFieldError`` into its own refusal (a 400, a failed line) and keeps its own rules about which fields are
required.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

MAX_URL_CHARS = 4096
MAX_TITLE_CHARS = 2000
MAX_LANGUAGE_CHARS = 35  # a BCP 47 tag with its extensions


class ArticleFieldError(ValueError):
    """A field of an article object that is absent where required, of the wrong type, too long or not encodable."""


def encodable(value: str, field: str) -> str:
    """``value`` if it encodes as UTF-8 (JSON allows lone surrogates; Avro strings do not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ArticleFieldError(f"'{field}' contains a lone surrogate (not encodable as UTF-8)") from error
    return value


def optional_text(document: Mapping, field: str, max_chars: int) -> str | None:
    """The stripped string ``document[field]``; None when absent, null or blank."""
    value = document.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_chars:
        raise ArticleFieldError(f"'{field}' must be a string of at most {max_chars} characters")
    return encodable(value, field).strip() or None


def utc_timestamp(value: object, field: str = "published_at") -> datetime | None:
    """An ISO 8601 date-time as a UTC instant (a naive one is taken as UTC); None for None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArticleFieldError(f"'{field}' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:  # OverflowError: year 1 at +14:00 has no UTC instant
        raise ArticleFieldError(f"'{field}' must be an ISO 8601 date-time with a UTC instant") from error


def author_names(value: object, max_count: int | None = None) -> tuple[str, ...]:
    """A list of strings (null or absent: none) as the stripped, non-blank names, every one encodable."""
    authors = value or []
    if (not isinstance(authors, list) or not all(isinstance(author, str) for author in authors)
            or (max_count is not None and len(authors) > max_count)):
        limit = f"at most {max_count} " if max_count is not None else ""
        raise ArticleFieldError(f"'authors' must be a list of {limit}strings")
    return tuple(encodable(author, "authors").strip() for author in authors if author.strip())
