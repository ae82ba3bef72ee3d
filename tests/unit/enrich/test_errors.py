from __future__ import annotations

import pickle

import pytest

from presspipe.pipelines.enrich.errors import (
    STAGES,
    DecodingError,
    EmptyArticleError,
    EnrichmentError,
    EntityTaggingError,
    HttpStatusError,
    LimitExceededError,
    RedirectResponseError,
    TruncatedArticleError,
)


def test_every_error_names_a_known_stage():
    for cls, stage in ((DecodingError, "decode"), (EmptyArticleError, "extract"), (EntityTaggingError, "entities")):
        assert cls("x").stage == stage and issubclass(cls, EnrichmentError)
    assert LimitExceededError("max_dom_nodes", limit=1, actual=2).stage == "limits"
    with pytest.raises(ValueError):
        EnrichmentError("x", stage="somewhere")
    assert set(STAGES) == {"connect", "status", "decode", "extract", "clean", "language", "entities", "limits", "enrich", "encode"}
    assert HttpStatusError("x", status=404).stage == RedirectResponseError("x", status=301, location="/y").stage == "status"
    assert TruncatedArticleError("x").stage == "extract"


def test_errors_survive_pickling():
    error = LimitExceededError("max_text_chars", limit=10, actual=20)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.limit_name, copy.limit, copy.actual, copy.stage) == (
        LimitExceededError, str(error), "max_text_chars", 10, 20, "limits")
    custom = pickle.loads(pickle.dumps(EnrichmentError("boom", stage="clean")))
    assert custom.stage == "clean" and str(custom) == "boom"


def test_status_errors_keep_status_and_location_across_pickling():
    copy = pickle.loads(pickle.dumps(RedirectResponseError("HTTP 301", status=301, location="https://a.test/b")))
    assert (type(copy), copy.status, copy.location, copy.stage) == (RedirectResponseError, 301, "https://a.test/b",
                                                                    "status")
