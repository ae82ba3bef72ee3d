"""The engine a pipeline runs on, chosen explicitly.

Beam's ``DirectRunner`` silently prefers PrismRunner (a Go binary it downloads) when it can, so the same command
would run on different engines on a networked laptop and on an offline server. presspipe resolves ``DirectRunner``
(and the default) to Beam's in-process engines instead -- FnApiRunner for bounded runs (it honours
``--direct_num_workers`` and ``--direct_running_mode``) and the BundleBasedDirectRunner for streaming -- and leaves
``--runner PrismRunner`` to users who want Prism. Every other ``--runner`` (``FlinkRunner``, ``DataflowRunner``,
``PortableRunner``) is Beam's own, unchanged.

Prism is Beam's portable runner written in Go (job server, fusion, splittable DoFns with ``defer_remainder``,
watermarks, state, timers, bundle finalisation): the one real portable runner that builds here, from the Go module
proxy (``make prism``; Beam's Flink runner jars are not served by the Maven mirror, see deploy/README.md). Without
``--prism_location``, Beam downloads the binary from GitHub; presspipe points it at the binary ``make prism`` built
for the installed Beam version (``prism_binary()``) when there is one.

presspipe maintains no runner of its own, so Dask is refused with a pointer to Flink and Dataflow: Beam's stock
DaskRunner (2.77) collects a ParDo's outputs before ``finish_bundle`` runs (the Avro and Kafka sinks emit their
results and acknowledgements there), hands every tagged output to every consumer (dead letters would reach the
article sinks) and sets every DoFn up again for each partition (the entity tagger takes seconds to build). It
cannot run the pipeline unchanged, and the translation presspipe used to carry on top of it was a second
distributed engine to keep correct.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, FlinkRunnerOptions, PipelineOptions, StandardOptions, \
    WorkerOptions
from apache_beam.runners.runner import PipelineResult, PipelineRunner, create_runner

from presspipe.pipelines.options import ConfigError

log = logging.getLogger(__name__)

if __name__ == "__main__":
    # ``python -m presspipe.pipelines.runners``: hand over to the importable module before this copy defines its option
    # classes a second time (Beam collects every PipelineOptions subclass; duplicate flags would conflict).
    from presspipe.pipelines.runners import main as _main

    raise SystemExit(_main())

IN_PROCESS_NAMES = {None, "", "direct", "DirectRunner"}
PRISM_NAMES = {"PrismRunner", "prism"}
RETIRED_DASK_NAMES = {"dask", "DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner"}


def resolve_runner(options: PipelineOptions, streaming: bool) -> PipelineRunner:
    """The runner for ``--runner``; raises ConfigError for a runner presspipe cannot run on."""
    name = options.view_as(StandardOptions).runner
    if name in IN_PROCESS_NAMES:
        if streaming:
            from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

            return BundleBasedDirectRunner()
        return _fn_api_runner(options)
    if name in RETIRED_DASK_NAMES:
        raise ConfigError(f"--runner {name}: Beam's DaskRunner cannot run this pipeline (it loses finish_bundle "
                          "outputs and mixes tagged outputs); run backfills at scale with --runner FlinkRunner or "
                          "DataflowRunner (deploy/README.md), or locally with --direct_num_workers N "
                          "--direct_running_mode multi_processing")
    if name in PRISM_NAMES:
        _use_local_prism(options)
    return create_runner(name)


def prism_binary() -> Path | None:
    """The Prism binary ``make prism`` built for the installed Beam (``$PRESSPIPE_PRISM_BIN`` overrides), or None.

    Prism and the Python SDK talk the Fn API of one Beam release, so the binary is kept per Beam version.
    """
    override = os.environ.get("PRESSPIPE_PRISM_BIN")
    if override:
        return Path(override)
    candidate = prism_cache_dir() / "prism"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def prism_cache_dir() -> Path:
    """``~/.cache/presspipe/prism/<beam version>`` (``$XDG_CACHE_HOME`` respected): where ``make prism`` installs."""
    import apache_beam

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "presspipe" / "prism" / apache_beam.__version__


def _use_local_prism(options: PipelineOptions) -> None:
    from apache_beam.options.pipeline_options import PrismRunnerOptions

    prism = options.view_as(PrismRunnerOptions)
    if prism.prism_location:
        return
    binary = prism_binary()
    if binary is not None:
        prism.prism_location = str(binary)
    else:
        log.warning("no local Prism binary (make prism builds one into %s): Beam will try to download it",
                    prism_cache_dir())


def is_single_local_worker(options: PipelineOptions) -> bool:
    """True when the in-process runner runs every bundle in this one process (no worker processes or threads)."""
    return (options.view_as(StandardOptions).runner in IN_PROCESS_NAMES
            and options.view_as(DirectOptions).direct_num_workers == 1)


def planned_workers(options: PipelineOptions) -> int | None:
    """How many workers will run bundles at once, from the runner's own flags; None when they do not say.

    In-process runner: ``--direct_num_workers`` (0 is one per core, as Beam reads it). Flink: ``--parallelism``
    (unset: the cluster's default, not known here). Dataflow: ``--max_num_workers``, else ``--num_workers``.
    Prism and other portable runners: not in the flags (None).
    """
    runner = options.view_as(StandardOptions).runner
    if runner in IN_PROCESS_NAMES:
        count = options.view_as(DirectOptions).direct_num_workers
        return count if count and count > 0 else (os.cpu_count() or 1)
    name = (runner if isinstance(runner, str) else type(runner).__name__).lower()
    if "flink" in name:
        parallelism = options.view_as(FlinkRunnerOptions).parallelism
        return parallelism if parallelism and parallelism > 0 else None
    if "dataflow" in name:
        workers = options.view_as(WorkerOptions)
        return workers.max_num_workers or workers.num_workers or None
    return None


def _fn_api_runner(options: PipelineOptions) -> PipelineRunner:
    """FnApiRunner provisioned with the pipeline options, as Beam's DirectRunner builds it."""
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    provision_info = fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
    return fn_runner.FnApiRunner(provision_info=provision_info)


def runner_label(runner: PipelineRunner) -> str:
    return type(runner).__name__


# ------------------------------------------------------------------------------------------------- detached submission

def submit(argv: Sequence[str]) -> PipelineResult:
    """Plan, build and submit the pipeline, and return as soon as the runner accepted it.

    For launchers that must not wait: a Dataflow Flex Template launcher has to exit once the job is created, and a
    streaming job on Flink runs until it is stopped. ``python -m presspipe.pipelines.ingest`` waits instead, prints the run
    summary and commits ``--group`` offsets after a bounded run; a detached bounded run cannot do that (nobody is
    there when the outputs are durable), so ``--group`` is refused here for bounded runs.
    """
    from presspipe.pipelines import ingest
    from presspipe.pipelines.io.kafka import plan_bounded_read
    from presspipe.pipelines.options import IngestConfig

    options = ingest.pipeline_options(argv)
    config = IngestConfig.from_options(options)
    if config.group and not config.streaming:
        raise ConfigError("a detached bounded run cannot commit --group offsets after its outputs are durable; "
                          "run it with python -m presspipe.pipelines.ingest (which waits), or drop --group")
    plan = None if config.streaming else plan_bounded_read(config.kafka, config.topics.raw, config.start, config.until)
    pipeline = beam.Pipeline(runner=resolve_runner(options, config.streaming), options=options)
    ingest.build_pipeline(pipeline, config, plan)
    return pipeline.run()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m presspipe.pipelines.runners FLAGS``: submit detached (same flags as ``python -m presspipe.pipelines.ingest``)."""
    import sys

    from presspipe.pipelines.io.kafka import KafkaIOError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        result = submit(sys.argv[1:] if argv is None else argv)
    except ConfigError as error:
        print(f"presspipe submit: {error}", file=sys.stderr)
        return 2
    except KafkaIOError as error:
        print(f"presspipe submit failed: {error}", file=sys.stderr)
        return 1
    job_id = getattr(result, "job_id", None)
    print(f"submitted: state {result.state}" + (f", job {job_id() if callable(job_id) else job_id}" if job_id else ""))
    return 0

