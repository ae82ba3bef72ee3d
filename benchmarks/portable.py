"""The pipeline on a real portable runner (Beam's Prism) beside the in-process engine, in the same run.

* ``prism_bounded_docs_per_s``: a bounded run over the same topic on PrismRunner, baseline the in-process
  FnApiRunner run of that topic (both wall clock of the whole ``run``: plan, models, write, commit).
* ``prism_streaming_latency_p50_s`` / ``_p99_s``: produce → Kafka sink latency of the unbounded pipeline on Prism,
  baseline the in-process streaming mode (micro-batches) measured right before with the same input.

Beam's Flink runner would be the production figure; its jars are not served by the Maven mirror here (see
deploy/README.md), so Prism, which runs the same portable pipeline through the same SDK harness, stands in. The runs
are capped (``MAX_DOCS`` records, ``MAX_STREAMING_S`` of input) so the group takes a few minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from benchmarks.corpus import CorpusPage
from benchmarks.errors import BenchError
from benchmarks.figures import Figure, not_available, percentile

MAX_DOCS = 300
MAX_STREAMING_S = 15.0


def portable_figures(bootstrap: str, pages: Sequence[CorpusPage], config, work: Path) -> list[Figure]:
    from benchmarks.run import fresh_topics, pipeline_argv, produce_pages, timed_bounded_run
    from benchmarks.streaming import measure_streaming_latency
    from presspipe.pipelines.runners import prism_binary, prism_cache_dir

    names = [("prism_bounded_docs_per_s", "docs/s"), ("prism_streaming_latency_p50_s", "s"),
             ("prism_streaming_latency_p99_s", "s")]
    binary = prism_binary()
    if binary is None:
        return [not_available(name, unit, f"no Prism binary in {prism_cache_dir()} (make prism)") for name, unit in names]
    prism_flags = ["--runner", "PrismRunner", "--prism_location", str(binary)]
    figures: list[Figure] = []

    pages = list(pages[:MAX_DOCS])
    topics = fresh_topics(bootstrap, "portable")
    produced = produce_pages(topics, pages)
    entities = "on" if config.entities else "off"
    try:
        in_process = timed_bounded_run(pipeline_argv(topics, work / "portable-in-process", produced,
                                                     entities=config.entities), produced)
        prism = timed_bounded_run(pipeline_argv(topics, work / "portable-prism", produced, entities=config.entities)
                                  + prism_flags, produced)
        figures.append(Figure("prism_bounded_docs_per_s", prism, "docs/s", in_process, "FnApiRunner in process",
                              note=f"{produced} records, 2 partitions, entities {entities}, same topic"))
    except BenchError as error:
        figures.append(not_available("prism_bounded_docs_per_s", "docs/s", str(error)))

    seconds = min(config.streaming_seconds, MAX_STREAMING_S)
    try:
        local, local_rate = measure_streaming_latency(bootstrap, pages, rate=config.streaming_rate, seconds=seconds,
                                                      entities=config.entities, work=work / "portable-local")
        remote, remote_rate = measure_streaming_latency(bootstrap, pages, rate=config.streaming_rate,
                                                        seconds=seconds, entities=config.entities,
                                                        work=work / "portable-prism", runner_flags=prism_flags)
    except BenchError as error:
        return figures + [not_available(name, unit, str(error)) for name, unit in names[1:]]
    note = (f"{len(remote)} records at {remote_rate:g}/s on Prism (unbounded pipeline), baseline {len(local)} at "
            f"{local_rate:g}/s in-process micro-batches; produce → Kafka sink timestamp")
    for quantile, name in ((0.5, "prism_streaming_latency_p50_s"), (0.99, "prism_streaming_latency_p99_s")):
        figures.append(Figure(name, percentile(remote, quantile), "s", percentile(local, quantile),
                              f"in-process micro-batches p{int(quantile * 100)}", note=note))
    return figures
