"""langdetect_rs is the default language backend only because it returns exactly langdetect's results.

``make test`` checks a subset of the benchmark corpus (every language and CMS style, fixtures included);
``make bench`` checks the whole corpus (figure ``langdetect_rs_mismatching_docs``).
"""

from __future__ import annotations

import pytest

from benchmarks.corpus import fixture_pages, generate_page
from benchmarks.run import raw_article_for
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.language import LanguageSettings, default_detector, identify_language, resolve_backend
from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, enrich_article

SUBSET = 84  # twelve pages per generated language


def _corpus_bodies() -> list[str]:
    reference_settings = EnrichSettings(language=LanguageSettings(backend="langdetect"))
    bodies = []
    for page in [generate_page(0, index) for index in range(SUBSET)] + fixture_pages():
        try:
            bodies.append(enrich_article(raw_article_for(page), provenance=Provenance(),
                                         settings=reference_settings).body)
        except EnrichmentError:
            continue
    return bodies


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    return _corpus_bodies()


def test_langdetect_rs_candidates_equal_langdetect_on_corpus_subset(bodies):
    pytest.importorskip("langdetect_rs")
    reference, fast = default_detector(0, "langdetect"), default_detector(0, "langdetect_rs")
    cap = LanguageSettings().text_cap
    assert len(bodies) > SUBSET * 0.9
    for body in bodies:
        sample = body[:cap]
        assert fast.candidates(sample) == reference.candidates(sample), sample[:80]
        # and on shorter prefixes, where the declared-language rule and low confidence come into play
        assert fast.candidates(sample[:120]) == reference.candidates(sample[:120]), sample[:80]


def test_langdetect_rs_decisions_equal_langdetect_on_corpus_subset(bodies):
    pytest.importorskip("langdetect_rs")
    reference, fast = default_detector(0, "langdetect"), default_detector(0, "langdetect_rs")
    for body in bodies:
        for declared in (None, "en"):
            assert (identify_language(body, declared=declared, detector=fast)
                    == identify_language(body, declared=declared, detector=reference))


def test_auto_backend_prefers_langdetect_rs_when_installed():
    pytest.importorskip("langdetect_rs")
    assert LanguageSettings().backend == "auto"
    assert resolve_backend("auto") == "langdetect_rs"
    assert resolve_backend("langdetect") == "langdetect"
