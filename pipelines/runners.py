"""The engine a pipeline runs on, chosen explicitly.

Beam's ``DirectRunner`` silently prefers PrismRunner (a Go binary it downloads) when it can, so the same command
would run on different engines on a networked laptop and on an offline server. presspipe resolves ``DirectRunner``
(and the default) to Beam's in-process engines instead -- FnApiRunner for bounded runs (it honours
``--direct_num_workers`` and ``--direct_running_mode``) and the BundleBasedDirectRunner for streaming -- and leaves
``--runner PrismRunner`` to users who want Prism.

``--runner dask`` runs a bounded pipeline on a Dask distributed cluster (``--dask-address HOST:PORT``, or Beam's
``--dask_client_address``; without either, Dask starts a local cluster). Beam 2.77's own DaskRunner cannot run
presspipe's pipeline as it is: it merges a ParDo's tagged outputs into one collection (dead letters would reach the
article sinks), drops what ``finish_bundle`` emits (the file sink's results), computes only the last transform of
the graph, re-evaluates side inputs inside worker tasks and reports no metrics. ``PresspipeDaskRunner`` keeps Beam's
translation of Create/GroupByKey/Flatten and replaces the ParDo translation and the graph submission:

* every ParDo partition returns ``(tag, value)`` pairs and each consumer selects its own tag;
* one set-up DoFn instance per worker thread is reused across bundles (``setup`` once, ``teardown`` when the run
  ends), as Beam's SDK harness does -- the entity tagger takes seconds to build;
* side inputs are graph dependencies (a reduction to one list), never a nested ``compute`` on a worker;
* every ParDo and every terminal collection is submitted in a single ``compute``, so each task runs exactly once and
  only metrics travel back to the launcher;
* user counters are collected per bundle in a ``MetricsContainer`` and summed into ``result.metrics()``.

Everything else (GroupByKey semantics, windowing limits, batch only) is Beam's DaskRunner unchanged.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import logging
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult, PipelineRunner, PipelineState, create_runner

from presspipe.pipelines.options import ConfigError

log = logging.getLogger(__name__)

if __name__ == "__main__":
    # ``python -m presspipe.pipelines.runners``: hand over to the importable module before this copy defines its option
    # classes a second time (Beam collects every PipelineOptions subclass; duplicate flags would conflict).
    from presspipe.pipelines.runners import main as _main

    raise SystemExit(_main())

IN_PROCESS_NAMES = {None, "", "direct", "DirectRunner"}
DASK_NAMES = {"dask", "DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner"}


class RunnerOptions(PipelineOptions):
    """presspipe's runner flags; Beam's own runner flags (``--dask_client_address`` ...) keep working as well."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--dask-address", "--dask_address", dest="dask_address", default=None,
                            help="HOST:PORT of a Dask distributed scheduler for --runner dask "
                                 "(same as Beam's --dask_client_address)")


def resolve_runner(options: PipelineOptions, streaming: bool) -> PipelineRunner:
    """The runner for ``--runner``; raises ConfigError for a combination the chosen engine cannot run."""
    name = options.view_as(StandardOptions).runner
    if name in IN_PROCESS_NAMES:
        if streaming:
            from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

            return BundleBasedDirectRunner()
        return _fn_api_runner(options)
    if name in DASK_NAMES:
        if streaming:
            raise ConfigError("--runner dask runs bounded pipelines only (Beam's DaskRunner is batch); "
                              "use --mode bounded, or Flink/Dataflow for streaming")
        dask_client_options(options)  # validate the addresses before anything is planned
        return dask_runner_class()()
    return create_runner(name)


def is_single_local_worker(options: PipelineOptions) -> bool:
    """True when the in-process runner runs every bundle in this one process (no worker processes or threads)."""
    from apache_beam.options.pipeline_options import DirectOptions

    return (options.view_as(StandardOptions).runner in IN_PROCESS_NAMES
            and options.view_as(DirectOptions).direct_num_workers == 1)


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


# ---------------------------------------------------------------------------------------------------------------- Dask

_METRICS_TAG = "__presspipe_metrics__"


def dask_client_options(options: PipelineOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(distributed.Client kwargs, dask.bag kwargs)`` from Beam's DaskOptions and ``--dask-address``.

    Without an explicit partitioning each created element is its own partition: the bounded read creates one
    element per planned chunk, and chunks are presspipe's unit of parallelism (``--chunk_records``).
    """
    from apache_beam.runners.dask.dask_runner import DaskOptions

    client_kwargs = options.view_as(DaskOptions).get_all_options(drop_default=True, current_only=True)
    bag_kwargs = DaskOptions._extract_bag_kwargs(client_kwargs) or {"partition_size": 1}
    ours = options.view_as(RunnerOptions).dask_address
    theirs = client_kwargs.get("address")
    if ours and theirs and ours != theirs:
        raise ConfigError(f"--dask-address {ours} and --dask_client_address {theirs} disagree; give one")
    if ours:
        client_kwargs["address"] = ours
    return client_kwargs, bag_kwargs


@dataclass(frozen=True)
class _SideInputSpec:
    kind: type
    view_options: Any
    window_mapping_fn: Any


@dataclass(frozen=True)
class _ParDoSpec:
    """What a worker needs to run one ParDo's bundles; pickled into the task graph."""

    key: str
    label: str
    fn: beam.DoFn
    window_fn: Any
    args: tuple
    kwargs: dict
    side_inputs: tuple[_SideInputSpec, ...]
    pool_name: str


def _dofn_pool_plugin():
    from distributed import WorkerPlugin

    class DoFnPool(WorkerPlugin):
        """Set-up DoFn instances of one run on one worker, reused across bundles and torn down with the run."""

        def setup(self, worker) -> None:
            self._idle: dict[str, list[beam.DoFn]] = {}
            self._all: list[beam.DoFn] = []
            self._lock = threading.Lock()

        def acquire(self, key: str) -> beam.DoFn | None:
            with self._lock:
                idle = self._idle.get(key)
                return idle.pop() if idle else None

        def adopt(self, fn: beam.DoFn) -> None:
            with self._lock:
                self._all.append(fn)

        def release(self, key: str, fn: beam.DoFn) -> None:
            with self._lock:
                self._idle.setdefault(key, []).append(fn)

        def discard(self, fn: beam.DoFn) -> None:
            with self._lock:
                self._all = [kept for kept in self._all if kept is not fn]
            fn.teardown()

        def teardown(self, worker) -> None:
            with self._lock:
                fns, self._all, self._idle = self._all, [], {}
            for fn in fns:
                fn.teardown()

    return DoFnPool()


def _run_bundle(items: Iterable[Any], spec: _ParDoSpec, *side_values: list) -> list[tuple[str | None, Any]]:
    """One Dask partition = one bundle of one ParDo: ``(tag, WindowedValue)`` outputs plus one metrics entry."""
    from apache_beam.metrics.execution import MetricsContainer
    from apache_beam.runners.common import DoFnContext, DoFnInvoker, DoFnSignature, _OutputHandler
    from apache_beam.runners.dask.transform_evaluator import OneReceiver, get_windowed_value
    from apache_beam.runners.worker import statesampler
    from apache_beam.transforms.sideinputs import SideInputMap
    from apache_beam.utils.counters import CounterFactory
    from distributed import get_worker

    pool = get_worker().plugins[spec.pool_name]
    fn = pool.acquire(spec.key)
    fresh = fn is None
    if fresh:
        fn = spec.fn
        pool.adopt(fn)
    side_inputs = [SideInputMap(side.kind, side.view_options,
                                [get_windowed_value(value, side.window_mapping_fn) for value in values])
                   for side, values in zip(spec.side_inputs, side_values)]
    receivers = OneReceiver()
    handler = _OutputHandler(window_fn=spec.window_fn, main_receivers=receivers[None], tagged_receivers=receivers,
                             per_element_output_counter=None, output_batch_converter=None,
                             process_yields_batches=False, process_batch_yields_elements=False)
    invoker = DoFnInvoker.create_invoker(
        DoFnSignature(fn), handler, context=DoFnContext(spec.label, state=None), side_inputs=side_inputs or None,
        input_args=list(spec.args), input_kwargs=dict(spec.kwargs), user_state_context=None,
        bundle_finalizer_param=beam.DoFn.BundleFinalizerParam())
    container = MetricsContainer(spec.label)
    sampler = statesampler.StateSampler("", CounterFactory())
    previous = statesampler.get_current_tracker()
    statesampler.set_current_tracker(sampler)
    try:
        with sampler.scoped_state(spec.label, "process", metrics_container=container):
            if fresh:
                invoker.invoke_setup()
            invoker.invoke_start_bundle()
            for item in items:
                invoker.invoke_process(get_windowed_value(item, spec.window_fn))
            invoker.invoke_finish_bundle()
    except BaseException:
        pool.discard(fn)  # its state after a failed bundle is unknown; the retry gets a fresh instance
        raise
    finally:
        statesampler.set_current_tracker(previous)
    pool.release(spec.key, fn)
    outputs = [(out.tag, out.value) if isinstance(out, pvalue.TaggedOutput) else (None, out)
               for out in receivers.values]
    counters = {(key.step, key.metric.namespace, key.metric.name): value
                for key, value in container.get_cumulative().counters.items()}
    outputs.append((_METRICS_TAG, counters))
    return outputs


def _select(pairs: Iterable[tuple[str | None, Any]], tag: str | None, windowed: bool) -> list[Any]:
    """One output of a ParDo; non-ParDo consumers get plain values, as Beam's Dask translations expect."""
    return [value if windowed else value.value for out_tag, value in pairs if out_tag == tag]


def _metrics_only(pairs: Iterable[tuple[str | None, Any]]) -> list[dict]:
    return [value for out_tag, value in pairs if out_tag == _METRICS_TAG]


def _discard(values: Iterable[Any]) -> list:
    for _ in values:
        pass
    return []


def _concat(parts: Iterable[Iterable[Any]]) -> list:
    return list(itertools.chain.from_iterable(parts))


class _GraphBuilder:
    """Pipeline → Dask bags, one bag per primitive transform; ParDo bags hold ``(tag, value)`` pairs."""

    def __init__(self, bag_kwargs: dict, pool_name: str):
        self.bag_kwargs = bag_kwargs
        self.pool_name = pool_name
        self.bags: dict[Any, Any] = {}
        self.pardos: list[Any] = []
        self.consumed: set[Any] = set()

    def visitor(self):
        from apache_beam.pipeline import PipelineVisitor

        builder = self

        class Visitor(PipelineVisitor):
            def visit_transform(self, node) -> None:
                builder.translate(node)

        return Visitor()

    def _input(self, pcoll, windowed: bool):
        producer = getattr(pcoll, "producer", None)
        if producer is None or producer not in self.bags:
            return None
        self.consumed.add(producer)
        bag = self.bags[producer]
        if producer in self.pardos:
            return bag.map_partitions(_select, pcoll.tag, windowed)
        return bag

    def translate(self, node) -> None:
        from apache_beam.runners.dask.transform_evaluator import TRANSLATIONS, Flatten, NoOp

        if node.transform.__class__ is beam.ParDo:
            self.bags[node] = self._pardo(node)
            self.pardos.append(node)
            return
        op = TRANSLATIONS.get(node.transform.__class__, NoOp)(node, bag_kwargs=self.bag_kwargs)
        inputs = [self._input(pcoll, windowed=False) for pcoll in node.inputs
                  if not isinstance(pcoll, pvalue.PBegin)]
        if isinstance(op, Flatten):
            self.bags[node] = op.apply(inputs)
        else:
            self.bags[node] = op.apply(inputs[0] if inputs else None)

    def _pardo(self, node):
        transform = node.transform
        main_input = next(iter(node.main_inputs.values()))
        args, kwargs = transform.raw_side_inputs
        sides, side_items = [], []
        for side in node.side_inputs:
            sides.append(_SideInputSpec(type(side), side._view_options(), side._window_mapping_fn))
            side_bag = self._input(side.pvalue, windowed=True)
            # A bag Item passed to map_partitions is optimised into renamed (fused) keys, which would run its whole
            # upstream a second time; an unoptimised Delayed keeps the shared keys, so each task runs once.
            side_items.append(side_bag.reduction(list, _concat).to_delayed(optimize_graph=False))
        spec = _ParDoSpec(key=node.full_label, label=node.full_label, fn=transform.fn,
                          window_fn=getattr(getattr(main_input, "windowing", None), "windowfn", None),
                          args=tuple(args), kwargs=dict(kwargs), side_inputs=tuple(sides), pool_name=self.pool_name)
        return self._input(main_input, windowed=True).map_partitions(_run_bundle, spec, *side_items)

    def collections_to_compute(self) -> list:
        """Every ParDo (its metrics) and every collection nobody consumes, so every branch and sink runs."""
        wanted = [self.bags[node].map_partitions(_metrics_only) for node in self.pardos]
        wanted += [bag.map_partitions(_discard) for node, bag in self.bags.items()
                   if node not in self.consumed and node not in self.pardos and bag is not None]
        return wanted


class _CollectedMetrics:
    """``result.metrics()`` for a finished Dask run: the user counters summed over every bundle (committed)."""

    def __init__(self, counters: Counter):
        self._counters = counters

    def query(self, filter=None) -> dict[str, list]:
        from apache_beam.metrics.execution import MetricKey, MetricResult
        from apache_beam.metrics.metric import MetricName, MetricResults

        counters = []
        for (step, namespace, name), value in sorted(self._counters.items()):
            key = MetricKey(step, MetricName(namespace, name))
            if MetricResults.matches(filter, key):
                counters.append(MetricResult(key, value, value))
        return {MetricResults.COUNTERS: counters, MetricResults.DISTRIBUTIONS: [], MetricResults.GAUGES: [],
                MetricResults.STRINGSETS: [], MetricResults.BOUNDED_TRIES: [], MetricResults.HISTOGRAMS: []}


class DaskRunResult(PipelineResult):
    """A submitted Dask run. ``wait_until_finish`` raises the first task failure; the client is closed at the end."""

    def __init__(self, client, futures: Sequence, pool_name: str):
        super().__init__(PipelineState.RUNNING)
        self._client = client
        self._futures = list(futures)
        self._pending = list(futures)
        self._pool_name = pool_name
        self._counters: Counter = Counter()

    def wait_until_finish(self, duration=None):
        """Waits (``duration`` in milliseconds, None = until done); on a timeout the run stays RUNNING."""
        from distributed import as_completed

        if self._state != PipelineState.RUNNING:
            return self._state
        try:
            for future, metrics_entries in as_completed(list(self._pending), with_results=True,
                                                        timeout=duration / 1000 if duration else None):
                self._pending.remove(future)
                for entry in metrics_entries:
                    self._counters.update(entry)
        except TimeoutError:
            return self._state
        except BaseException:
            self._state = PipelineState.FAILED
            self._release()
            raise
        self._state = PipelineState.DONE
        self._release()
        return self._state

    def _release(self) -> None:
        try:
            self._client.unregister_worker_plugin(self._pool_name)
        finally:
            self._client.close()

    def cancel(self):
        self._client.cancel(self._futures)
        self._state = PipelineState.CANCELLED
        self._release()
        return self._state

    def metrics(self) -> _CollectedMetrics:
        return _CollectedMetrics(self._counters)


@functools.cache
def dask_runner_class() -> type:
    """``PresspipeDaskRunner``, defined on first use: Dask is an optional extra, so importing this module (as every
    pipeline run does) must not import it."""
    from apache_beam.runners.dask.dask_runner import DaskRunner

    class PresspipeDaskRunner(DaskRunner):
        """Beam's DaskRunner with the translation fixes described in the module docstring."""

        def run_pipeline(self, pipeline, options):
            from apache_beam.runners.dask.overrides import dask_overrides
            from distributed import Client

            client_kwargs, bag_kwargs = dask_client_options(options)
            pipeline.replace_all(dask_overrides())
            pool_name = f"presspipe-dofns-{uuid.uuid4().hex}"
            builder = _GraphBuilder(bag_kwargs, pool_name)
            pipeline.visit(builder.visitor())
            collections = builder.collections_to_compute()
            client = Client(**client_kwargs)
            try:
                client.register_plugin(_dofn_pool_plugin(), name=pool_name)
                futures = client.compute(collections)  # one graph: shared tasks run once
            except BaseException:
                client.close()
                raise
            log.info("submitted to dask", extra={"scheduler": client.scheduler.address, "collections": len(futures)})
            return DaskRunResult(client, futures, pool_name)

    return PresspipeDaskRunner


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

