"""Golden entities of the two shared Hindi seed articles, on the cleaner's real output.

Each seed file goes through the real enrichment (decode, extract, clean, language, entities; ``seeds.enrich_seed``)
and the entities of the cleaned body are checked against ``seed_expectations.json``, written by reading the texts:
every must-find entity on its own, recall and precision over the expected distinct (text, label) pairs, the
ordinary words that must never be tagged (a gazetteer tagging ``केंद्र``, ``पूर्व`` or ``बार`` as places fails
here), nothing from the removed captions and teasers, and one ``normalized`` form per person.
"""

from __future__ import annotations

import pytest

from .seeds import enrich_seed, load_expectations, score

EXPECTATIONS = load_expectations()

#: The issue's targets for both seeds (distinct (text, label) pairs against the reading in the expectations).
MINIMUM_RECALL = 0.85
MINIMUM_PRECISION = 0.85


def _must_find_cases():
    for seed_name, spec in sorted(EXPECTATIONS.items()):
        for text, label in spec["must"]:
            yield pytest.param(seed_name, text, label, id=f"{seed_name[:3]}-{label}-{text}")


@pytest.fixture(scope="module")
def seed_articles(default_tagger, seeds_dir):
    return {seed_name: enrich_seed(seeds_dir / seed_name, default_tagger) for seed_name in EXPECTATIONS}


@pytest.fixture(scope="module")
def seed_lines(seeds_dir):
    return {seed_name: (seeds_dir / seed_name).read_text(encoding="utf-8").splitlines() for seed_name in EXPECTATIONS}


def _pairs(article) -> set[tuple[str, str]]:
    return {(entity.text, entity.label) for entity in article.entities}


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_the_cleaner_removed_the_blocks_the_expectations_assume(seed_articles, seed_lines, seed_name):
    article = seed_articles[seed_name]
    assert article.language == "hi"
    for index in EXPECTATIONS[seed_name]["removed_lines"]:
        line = seed_lines[seed_name][index].strip()
        assert line and line not in article.body


@pytest.mark.parametrize(("seed_name", "text", "label"), list(_must_find_cases()))
def test_seed_must_find_entity(seed_articles, seed_name, text, label):
    assert (text, label) in _pairs(seed_articles[seed_name])


def _target_cases():
    for seed_name, spec in sorted(EXPECTATIONS.items()):
        reason = spec.get("below_target", "")
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)] if reason else []
        yield pytest.param(seed_name, marks=marks)


def _known_false_positive_cases():
    for seed_name, spec in sorted(EXPECTATIONS.items()):
        for text, label in spec.get("known_false_positives", []):
            yield pytest.param(seed_name, text, label, id=f"{seed_name[:3]}-{label}-{text}",
                               marks=[pytest.mark.xfail(strict=True, raises=AssertionError,
                                                       reason="known false positive of the shipped model")])


@pytest.mark.parametrize(("seed_name", "text", "label"), list(_known_false_positive_cases()))
def test_known_false_positive_is_gone(seed_articles, seed_name, text, label):
    assert (text, label) not in _pairs(seed_articles[seed_name])


@pytest.mark.parametrize("seed_name", list(_target_cases()))
def test_seed_recall_and_precision(seed_articles, seed_name):
    scores = score(_pairs(seed_articles[seed_name]), EXPECTATIONS[seed_name])
    assert scores["precision"] >= MINIMUM_PRECISION, scores
    assert scores["recall"] >= MINIMUM_RECALL, scores


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_ordinary_words_are_never_entities(seed_articles, seed_name):
    never = set(EXPECTATIONS[seed_name]["never"])
    tagged = {entity.text for entity in seed_articles[seed_name].entities} & never
    assert not tagged, f"ordinary words tagged as entities: {sorted(tagged)}"


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_nothing_from_removed_captions_and_teasers_is_tagged(seed_articles, seed_name):
    article = seed_articles[seed_name]
    removed_only = set(EXPECTATIONS[seed_name]["removed_only"])
    assert not removed_only & {entity.text for entity in article.entities}
    assert not any(name in article.body for name in removed_only)


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_entities_are_well_formed(seed_articles, seed_name):
    article = seed_articles[seed_name]
    entities = article.entities
    assert entities
    assert all(article.body[e.start:e.end] == e.text for e in entities)
    assert all(earlier.end <= later.start for earlier, later in zip(entities, entities[1:]))
    assert all("फोटो" not in e.text and "फ़ोटो" not in e.text for e in entities)


@pytest.mark.parametrize("seed_name", sorted(EXPECTATIONS))
def test_a_person_is_normalised_to_the_fullest_name_without_titles(seed_articles, seed_name):
    persons = [e for e in seed_articles[seed_name].entities if e.label == "PERSON"]
    for text, normalized in EXPECTATIONS[seed_name]["normalized"].items():
        forms = {e.normalized for e in persons if e.text == text}
        assert forms == {normalized}, (text, forms)


def test_caption_words_are_never_tagged(default_tagger, seed_lines):
    """Even if a caption slipped through the cleaner, the word फोटो ("photo") is not an entity."""
    caption_line = seed_lines["000_a8b166282d86a80b.txt"][11]
    assert "फोटो" in caption_line
    assert all("फोटो" not in e.text for e in default_tagger.tag(caption_line, "hi"))


def test_putin_mentions_share_one_normalized_form(seed_articles):
    putin = [e for e in seed_articles["002_f11f25e23ec2aca4.txt"].entities
             if e.label == "PERSON" and e.text.endswith("पुतिन")]
    assert len(putin) >= 5
    assert len({e.normalized for e in putin}) == 1
