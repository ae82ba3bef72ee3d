"""Entity-model figures of ``make bench`` (group ``entity_models``).

* ``entities_numpy_blas_mismatching_docs`` -- the spaCy models run on numpy's BLAS (see
  :mod:`presspipe.pipelines.enrich.entities.spacy_backend`) only because that returns exactly the mentions thinc's default
  (blis) returns: every cleaned body of the corpus in a language with a model is tagged both ways and compared.
* ``entity_model_ms_per_doc`` -- the same documents, numpy's BLAS against blis.
* ``hindi_tagging_5000_chars_ms`` -- issue 4's speed target: the default tagger (Hindi model, gazetteer,
  propagation) on a 5,000-character Hindi article, against the median ``trafilatura.extract`` of a corpus page
  measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from benchmarks.figures import Figure, Target, agreement, not_available

REPEATS = 31


def _cpu_ms(call, repeats: int = REPEATS) -> float:
    """Median process CPU time of ``call`` in ms, first call discarded: CPU time ignores waiting for a shared core."""
    call()
    times = []
    for _ in range(repeats):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def blas_figures(bodies: Sequence[str], languages: Sequence[str]) -> list[Figure]:
    """Tag every body that has a model both ways; count documents whose mentions differ."""
    from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS
    from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer

    results = []
    for language, reference in DEFAULT_MODELS.items():
        documents = [body for body, body_language in zip(bodies, languages) if body_language == language]
        if documents:
            on_numpy, on_blis = SpacyRecognizer(reference), SpacyRecognizer(reference, numpy_blas=False)
            results.append(agreement(on_blis.find, on_numpy.find, documents, clock=time.process_time))
    compared = sum(result.compared for result in results)
    mismatches = sum(result.mismatches for result in results)
    blis_seconds = sum(result.reference_seconds for result in results)
    numpy_seconds = sum(result.candidate_seconds for result in results)
    if not compared:
        reason = "no corpus document is in a language with a model"
        return [not_available("entities_numpy_blas_mismatching_docs", "docs", reason),
                not_available("entity_model_ms_per_doc", "ms/doc", reason)]
    return [
        Figure("entities_numpy_blas_mismatching_docs", mismatches, "docs", compared, "documents compared",
               Target(max_value=1), note=f"models: {', '.join(sorted(DEFAULT_MODELS))}; mentions must be equal"),
        Figure("entity_model_ms_per_doc", numpy_seconds / compared * 1000, "ms/doc", blis_seconds / compared * 1000,
               "the same models on blis (thinc's default)", note="CPU time of the model call alone"),
    ]


def hindi_tagging_figure(typical_extract_ms: float) -> Figure:
    """The default tagger on a 5,000-character Hindi article (built from the shared seeds) against extraction."""
    name = "hindi_tagging_5000_chars_ms"
    from training.measure_tagging import SEEDS, hindi_article

    if not SEEDS.is_dir():
        return not_available(name, "ms", f"the Hindi seed articles are not at {SEEDS}")
    from presspipe.pipelines.enrich.entities import build_tagger

    tagger = build_tagger()
    article = hindi_article()
    return Figure(name, _cpu_ms(lambda: tagger.tag(article, "hi")), "ms", typical_extract_ms,
                  "trafilatura.extract median of a corpus page", Target(max_ratio=1.0),
                  note=f"{len(article)} characters, default tagger (model, gazetteer, propagation), median CPU ms")
