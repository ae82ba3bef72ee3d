"""Measure the entity tagger: build time, tagging time of a 5,000-character Hindi article, seed scores.

Run: ``.venv/bin/python -m training.measure_tagging [--repeats N] [--model DIR]`` (prints JSON;
``--model`` measures a candidate Hindi model directory instead of the shipped one). The benchmark
can import :func:`time_tagging` and :func:`hindi_article` instead. Single-threaded like a Beam
worker's DoFn: BLAS/OpenMP threads are pinned to one before numpy loads.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from presspipe.pipelines.enrich.entities import EntityConfig, EntityTagger, build_tagger  # noqa: E402
from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS  # noqa: E402
from presspipe.pipelines.enrich.entities.gazetteer import build_gazetteer  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
SEEDS = REPOSITORY / ".." / "shared" / "seeds"
SEED_HELPERS = REPOSITORY / "tests" / "unit" / "entities" / "seeds.py"


def _seed_helpers():
    spec = importlib.util.spec_from_file_location("entity_seed_helpers", SEED_HELPERS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def hindi_article(characters: int = 5000) -> str:
    """A Hindi body of about ``characters`` characters: the seeds' cleaned bodies repeated, cut at a space."""
    helpers = _seed_helpers()
    bodies = [helpers.seed_body(SEEDS / name) for name in helpers.load_expectations()]
    text = "\n\n".join(bodies)
    while len(text) < characters:
        text = text + "\n\n" + text
    cut = text.rfind(" ", 0, characters)
    return text[:cut if cut > 0 else characters]


def time_tagging(tagger: EntityTagger, text: str, language: str, repeats: int = 31) -> dict:
    """Median and quartiles of ``tagger.tag`` wall time, and median process CPU time, in ms.

    CPU time is reported too because the machine is shared: wall time then includes waiting for
    a core, CPU time does not (first call discarded as warm-up).
    """
    tagger.tag(text, language)
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        tagger.tag(text, language)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    quartiles = statistics.quantiles(wall, n=4)
    return {"median_ms": round(statistics.median(wall), 2), "q1_ms": round(quartiles[0], 2),
            "q3_ms": round(quartiles[2], 2), "median_cpu_ms": round(statistics.median(cpu), 2),
            "repeats": repeats, "characters": len(text)}


def _timed(build) -> tuple[object, dict]:
    started, started_cpu = time.perf_counter(), time.process_time()
    built = build()
    return built, {"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(time.process_time() - started_cpu, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--model", type=Path, default=None,
                        help="Hindi model directory to measure (default: the shipped bundled:hi_ner)")
    args = parser.parse_args(argv)
    if args.model is not None and not (args.model / "config.cfg").is_file():
        print(f"error: not a spaCy model directory: {args.model}", file=sys.stderr)
        return 2
    hindi_model = str(args.model.resolve()) if args.model is not None else DEFAULT_MODELS["hi"]
    report: dict = {"hindi_model": hindi_model}

    _, report["gazetteer_build"] = _timed(build_gazetteer)
    tagger, report["tagger_build"] = _timed(lambda: build_tagger(EntityConfig(models={**DEFAULT_MODELS, "hi": hindi_model})))

    if not SEEDS.is_dir():
        report["seeds"] = f"skipped: {SEEDS} not found"
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    article = hindi_article()
    report["hindi_5000_chars"] = time_tagging(tagger, article, "hi", args.repeats)
    model_only = build_tagger(EntityConfig(gazetteer=False, propagate=False, acronyms=False, models={"hi": hindi_model}))
    report["hindi_5000_chars_model_only"] = time_tagging(model_only, article, "hi", args.repeats)

    helpers = _seed_helpers()
    seeds = {}
    for name, spec in helpers.load_expectations().items():
        article = helpers.enrich_seed(SEEDS / name, tagger)
        found = {(entity.text, entity.label) for entity in article.entities}
        seeds[name] = helpers.score(found, spec)
    report["seeds"] = seeds
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
