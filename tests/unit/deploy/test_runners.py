"""Runner resolution, the Dask flags, and PresspipeDaskRunner's translation on an in-process Dask cluster."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam import pvalue
from apache_beam.internal import pickler
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions

from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import PartitionRange, ReadPlan
from presspipe.pipelines.options import ConfigError, IngestConfig
from presspipe.pipelines.runners import dask_client_options, dask_runner_class, resolve_runner, runner_label, submit


def options(*flags: str) -> PipelineOptions:
    return ingest.pipeline_options(list(flags))


@pytest.mark.parametrize("flags, expected", [
    ((), "FnApiRunner"),
    (("--runner", "DirectRunner"), "FnApiRunner"),
    (("--runner", "direct", "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"),
     "FnApiRunner"),
    (("--runner", "dask"), "PresspipeDaskRunner"),
    (("--runner", "DaskRunner"), "PresspipeDaskRunner"),
    (("--runner", "apache_beam.runners.dask.dask_runner.DaskRunner"), "PresspipeDaskRunner"),
    (("--runner", "PortableRunner"), "PortableRunner"),
])
def test_runner_names_resolve_to_explicit_engines(flags, expected):
    assert runner_label(resolve_runner(options(*flags), streaming=False)) == expected


def test_streaming_default_is_the_in_process_bundle_runner():
    assert runner_label(resolve_runner(options(), streaming=True)) == "BundleBasedDirectRunner"


def test_dask_refuses_streaming_as_bad_usage():
    with pytest.raises(ConfigError, match="bounded"):
        resolve_runner(options("--runner", "dask"), streaming=True)


def test_dask_address_flag_maps_to_beams_client_address():
    client, bag = dask_client_options(options("--runner", "dask", "--dask-address", "tcp://10.0.0.1:8786"))
    assert client["address"] == "tcp://10.0.0.1:8786"
    assert bag == {"partition_size": 1}, "one planned chunk per partition unless the user says otherwise"


def test_beams_own_dask_flags_keep_working():
    client, bag = dask_client_options(options("--dask_client_address", "tcp://10.0.0.2:8786",
                                              "--dask_npartitions", "8"))
    assert client["address"] == "tcp://10.0.0.2:8786"
    assert bag == {"npartitions": 8}


def test_same_address_twice_is_fine_but_two_addresses_are_bad_usage():
    same = dask_client_options(options("--dask-address", "tcp://h:1", "--dask_client_address", "tcp://h:1"))
    assert same[0]["address"] == "tcp://h:1"
    with pytest.raises(ConfigError, match="disagree"):
        dask_client_options(options("--dask-address", "tcp://h:1", "--dask_client_address", "tcp://h:2"))


def test_detached_bounded_submission_refuses_group_commits():
    with pytest.raises(ConfigError, match="--group"):
        submit(["--mode", "bounded", "--group", "replayers"])


def test_every_dofn_of_the_pipeline_pickles_before_setup():
    """Workers in other processes receive DoFns pickled: clients, taggers and models must only appear in setup."""
    opts = options("--output", "avro:/tmp/presspipe-unused", "--output", "kafka:articles.enriched",
                   "--bootstrap-servers", "127.0.0.1:1")
    config = IngestConfig.from_options(opts)
    plan = ReadPlan((PartitionRange("articles.raw", 0, 0, 10),))
    pipeline = beam.Pipeline(options=opts)
    ingest.build_pipeline(pipeline, config, plan)

    dofns = []

    class Collect(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node):
            if isinstance(node.transform, beam.ParDo):
                dofns.append(node.transform.fn)

    pipeline.visit(Collect())
    assert len(dofns) >= 5
    for fn in dofns:
        restored = pickler.loads(pickler.dumps(fn))
        assert type(restored) is type(fn)


class SplitFn(beam.DoFn):
    """Tagged outputs, a finish_bundle output and counters: what Beam's own DaskRunner translation loses."""

    def __init__(self):
        self.seen = Metrics.counter("test", "seen")
        self.setups = Metrics.counter("test", "setups")

    def setup(self):
        self.setups.inc()
        self.bundles = 0

    def start_bundle(self):
        self.bundles += 1

    def process(self, number):
        self.seen.inc()
        if number % 3 == 0:
            yield pvalue.TaggedOutput("rejected", number)
        else:
            yield number

    def finish_bundle(self):
        yield beam.utils.windowed_value.WindowedValue(-1, 0, [beam.transforms.window.GlobalWindow()])


def test_dask_translation_keeps_tags_finish_bundle_outputs_sinks_and_counters(tmp_path: Path):
    from distributed import LocalCluster

    numbers = list(range(1, 31))
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        opts = PipelineOptions(["--dask_client_address", cluster.scheduler_address])
        pipeline = beam.Pipeline(runner=dask_runner_class()(), options=opts)
        split = (pipeline | beam.Create(numbers) | beam.ParDo(SplitFn()).with_outputs("rejected", main="kept"))
        split.kept | "WriteKept" >> beam.io.WriteToText(str(tmp_path / "kept"), shard_name_template="")
        split.rejected | "WriteRejected" >> beam.io.WriteToText(str(tmp_path / "rejected"), shard_name_template="")
        result = pipeline.run()
        assert str(result.wait_until_finish()).endswith("DONE")

    kept = [int(line) for line in (tmp_path / "kept").read_text().split()]
    rejected = [int(line) for line in (tmp_path / "rejected").read_text().split()]
    partitions = len(numbers)  # one created element per partition by default
    assert sorted(n for n in kept if n > 0) == [n for n in numbers if n % 3]
    assert kept.count(-1) == partitions, "every bundle's finish_bundle output reaches the main output"
    assert sorted(rejected) == [n for n in numbers if n % 3 == 0]
    counters = {m.key.metric.name: m.committed
                for m in result.metrics().query(MetricsFilter().with_namespace("test"))["counters"]}
    assert counters["seen"] == len(numbers), "each element processed once, although two sinks share the ParDo"
    assert 1 <= counters["setups"] <= 2, "set-up DoFns are reused across bundles (one per worker thread)"
