"""Runner resolution (explicit in-process engines, Beam's own runners, Dask refused) and detached submission."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.internal import pickler
from apache_beam.options.pipeline_options import PipelineOptions

from presspipe.pipelines import ingest
from presspipe.pipelines.io.kafka import PartitionRange, ReadPlan
from presspipe.pipelines.options import ConfigError, IngestConfig
from presspipe.pipelines.runners import resolve_runner, runner_label, submit


def options(*flags: str) -> PipelineOptions:
    return ingest.pipeline_options(list(flags))


@pytest.mark.parametrize("flags, expected", [
    ((), "FnApiRunner"),
    (("--runner", "DirectRunner"), "FnApiRunner"),
    (("--runner", "direct", "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"),
     "FnApiRunner"),
    (("--runner", "PortableRunner"), "PortableRunner"),
])
def test_runner_names_resolve_to_explicit_engines(flags, expected):
    assert runner_label(resolve_runner(options(*flags), streaming=False)) == expected


def test_streaming_default_is_the_in_process_bundle_runner():
    assert runner_label(resolve_runner(options(), streaming=True)) == "BundleBasedDirectRunner"


@pytest.mark.parametrize("name", ["dask", "DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner"])
@pytest.mark.parametrize("streaming", [False, True])
def test_dask_is_refused_with_a_pointer_to_flink_and_dataflow(name, streaming):
    with pytest.raises(ConfigError, match="FlinkRunner or DataflowRunner"):
        resolve_runner(options("--runner", name), streaming=streaming)


@pytest.mark.parametrize("flags, expected", [
    (("--runner", "FlinkRunner"), "FlinkRunner"),
    (("--runner", "PrismRunner"), "PrismRunner"),
])
def test_beams_own_runners_are_used_unchanged(flags, expected):
    assert runner_label(resolve_runner(options(*flags), streaming=True)) == expected


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


def test_prism_uses_the_binary_make_prism_built_unless_told_otherwise(tmp_path, monkeypatch):
    binary = tmp_path / "prism"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PRESSPIPE_PRISM_BIN", str(binary))
    chosen = options("--runner", "PrismRunner")
    resolve_runner(chosen, streaming=False)
    assert chosen.get_all_options()["prism_location"] == str(binary)

    explicit = options("--runner", "PrismRunner", "--prism_location", "/opt/prism")
    resolve_runner(explicit, streaming=False)
    assert explicit.get_all_options()["prism_location"] == "/opt/prism"


def test_prism_cache_is_per_beam_version(monkeypatch, tmp_path):
    import apache_beam

    from presspipe.pipelines.runners import prism_binary, prism_cache_dir

    monkeypatch.delenv("PRESSPIPE_PRISM_BIN", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert prism_cache_dir() == tmp_path / "presspipe" / "prism" / apache_beam.__version__
    assert prism_binary() is None, "nothing built into an empty cache"
