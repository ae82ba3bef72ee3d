from __future__ import annotations

from dataclasses import dataclass

from presspipe.pipelines.enrich.language import (
    Candidate,
    LanguageSettings,
    default_detector,
    identify_language,
    load_detector_factory,
)

ENGLISH = "The city council voted on Tuesday to build four kilometres of protected cycling lanes along the river."
FRENCH = "La SNCF a annoncé mercredi la mise en service de trois nouvelles lignes de trains de nuit pour l'été."
CHINESE = "市政府周二宣布，将在河边修建四公里长的自行车道，预计明年夏天完工，居民对此表示欢迎。"


@dataclass(frozen=True)
class FixedDetector:
    ranked: tuple[Candidate, ...]

    def candidates(self, text: str) -> list[Candidate]:
        return list(self.ranked)


def test_detects_and_reports_confidence():
    result = identify_language(ENGLISH * 3, declared=None, detector=default_detector())
    assert result.language == "en" and result.confidence >= 0.8


def test_chinese_variants_map_to_zh():
    assert identify_language(CHINESE * 3, declared=None, detector=default_detector()).language == "zh"


def test_same_answer_every_time_and_in_any_order():
    detector = default_detector()
    mixed = ENGLISH + " " + FRENCH  # an ambiguous text is where an unseeded langdetect wavers
    first = [identify_language(text, declared=None, detector=detector) for text in (mixed, ENGLISH, FRENCH, mixed)]
    second = [identify_language(text, declared=None, detector=detector) for text in (FRENCH, mixed, ENGLISH)]
    assert first[0] == first[3] == second[1]


def test_factory_is_loaded_once_per_seed():
    assert load_detector_factory(0) is load_detector_factory(0)


def test_too_little_text_is_undetermined():
    assert identify_language("12 34 !!", declared="en", detector=default_detector()).language == "und"
    assert identify_language("", declared=None, detector=default_detector()).language == "und"


def test_low_confidence_is_undetermined():
    detector = FixedDetector((Candidate("en", 0.55), Candidate("nl", 0.45)))
    result = identify_language(ENGLISH * 3, declared=None, detector=detector)
    assert result.language == "und" and result.confidence == 0.55


def test_declared_language_breaks_ties_on_short_texts_only():
    detector = FixedDetector((Candidate("en", 0.6), Candidate("fr", 0.4)))
    assert identify_language(FRENCH[:80], declared="fr", detector=detector).language == "fr"
    assert identify_language(FRENCH * 5, declared="fr", detector=FixedDetector((Candidate("en", 0.9), Candidate("fr", 0.1)))).language == "en"


def test_text_cap_limits_what_is_examined():
    seen: list[str] = []

    class Recorder:
        def candidates(self, text: str) -> list[Candidate]:
            seen.append(text)
            return [Candidate("en", 0.99)]

    identify_language(ENGLISH * 100, declared=None, detector=Recorder(), settings=LanguageSettings(text_cap=500))
    assert len(seen[0]) == 500


def _bodies():
    """Cleaned bodies of every HTML fixture and seed: the texts the production detector actually sees."""
    from presspipe.pipelines.enrich.record import Provenance, enrich_article

    from .conftest import FIXED_TIME, HTML_FIXTURES, SEEDS, make_raw

    inputs = [(path.read_bytes(), "text/html") for path in sorted(HTML_FIXTURES.glob("*.html"))]
    inputs += [(path.read_bytes(), "text/plain") for path in sorted(SEEDS.glob("*.txt"))] if SEEDS.is_dir() else []
    bodies = [enrich_article(make_raw(data, kind), provenance=Provenance(), processed_at=FIXED_TIME).body
              for data, kind in inputs]
    return bodies + [ENGLISH, FRENCH, CHINESE, ENGLISH + " " + FRENCH, "ok", "12345"]


def test_langdetect_rs_is_identical_to_langdetect_on_fixtures_and_seeds():
    import pytest

    pytest.importorskip("langdetect_rs")
    reference, fast = default_detector(0, "langdetect"), default_detector(0, "langdetect_rs")
    for body in _bodies():
        sample = body[: LanguageSettings().text_cap]
        assert fast.candidates(sample) == reference.candidates(sample), sample[:80]
