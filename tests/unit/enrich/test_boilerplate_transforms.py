"""Site-level boilerplate in real Beam pipelines: the bounded two-pass transform and the streaming stateful one."""

from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from presspipe.pipelines.boilerplate_transforms import LearnSiteBoilerplate, RemoveSiteBoilerplate
from presspipe.pipelines.enrich.boilerplate import BoilerplateSettings
from presspipe.pipelines.transforms import EncodedArticle
from presspipe.schemas import Article

from .boilerplate_sites import SITES, generate_site

SETTINGS = BoilerplateSettings(min_articles=3)


def _encoded(article) -> EncodedArticle:
    return EncodedArticle(article, article.encode())


def _corpus(seed: int = 2):
    generated = [g for spec in SITES[:3] for g in generate_site(spec, seed=seed, count=20)]
    return generated


def _summary(encoded: EncodedArticle):
    """What the assertion compares: id, kept paragraphs, count, and that the payload is the re-encoded article."""
    decoded = Article.decode(encoded.payload)
    assert decoded.paragraphs == encoded.article.paragraphs
    return encoded.article.id, encoded.article.paragraphs, encoded.article.boilerplate_removed


def test_bounded_removal_is_exact_on_generated_sites():
    generated = _corpus()
    expected = []
    for g in generated:
        spec = next(s for s in SITES if g.article.url.startswith(f"https://{s.domain}/"))
        expected.append((g.article.id, g.expected_paragraphs, len(spec.before) + len(spec.middle) + len(spec.end)))
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (pipeline | beam.Create([_encoded(g.article) for g in generated], reshuffle=True)
               | RemoveSiteBoilerplate(SETTINGS) | beam.Map(_summary))
        assert_that(out, equal_to(expected))


@pytest.mark.parametrize("workers", [1, 2])
def test_bounded_removal_is_the_same_whatever_the_order_and_workers(workers):
    generated = _corpus(seed=4)
    articles = [g.article for g in generated]
    shuffled = articles[:]
    random.Random(workers).shuffle(shuffled)
    expected = [(g.article.id, g.expected_paragraphs) for g in generated]
    options = PipelineOptions(["--direct_num_workers", str(workers), "--direct_running_mode", "multi_threading"])
    with beam.Pipeline(runner=FnApiRunner(), options=options) as pipeline:
        out = (pipeline | beam.Create([_encoded(a) for a in shuffled], reshuffle=True)
               | RemoveSiteBoilerplate(SETTINGS) | beam.Map(lambda e: (e.article.id, e.article.paragraphs)))
        assert_that(out, equal_to(expected))


def test_bounded_removal_keeps_every_article_and_empty_input_works():
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = pipeline | beam.Create([], reshuffle=False).with_output_types(EncodedArticle) | RemoveSiteBoilerplate(SETTINGS)
        assert_that(out, equal_to([]))


def test_streaming_state_learns_each_site_after_its_warm_up():
    """Whatever the order the runner feeds a site's articles, exactly the first N-1 carrying a line keep it."""
    generated = [g for spec in SITES[:2] for g in generate_site(spec, seed=6, count=20)]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (pipeline | beam.Create([_encoded(g.article) for g in generated], reshuffle=True)
               | LearnSiteBoilerplate(SETTINGS)
               | beam.Map(lambda e: (e.article.url.split("/")[2], e.article.boilerplate_removed))
               | beam.combiners.Count.PerElement())
        # per site: 2 warm-up articles keep everything (0 removed), the other 18 lose all shared lines
        expected = []
        for spec in SITES[:2]:
            shared = len(spec.before) + len(spec.middle) + len(spec.end)
            expected += [((spec.domain, 0), SETTINGS.min_articles - 1), ((spec.domain, shared), 20 - SETTINGS.min_articles + 1)]
        assert_that(out, equal_to(expected))


def test_bounded_counts_distinct_articles_when_a_replay_delivers_one_twice():
    """A line in two distinct articles stays (N = 3) even when one of them arrives twice."""
    from .boilerplate_sites import make_article, prose

    rng = random.Random(8)
    line = "Photo gallery"
    first = make_article("r1", "https://replay.example/1", [prose(rng, "latin"), line])
    second = make_article("r2", "https://replay.example/2", [prose(rng, "latin"), line])
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (pipeline | beam.Create([_encoded(a) for a in (first, first, second)], reshuffle=True)
               | RemoveSiteBoilerplate(SETTINGS) | beam.Map(lambda e: (e.article.id, e.article.boilerplate_removed)))
        assert_that(out, equal_to([("r1", 0), ("r1", 0), ("r2", 0)]))
