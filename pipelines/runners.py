"""The engine a pipeline runs on, chosen explicitly.

Beam's ``DirectRunner`` silently prefers PrismRunner (a Go binary it downloads) when it can, so the same command
would run on different engines on a networked laptop and on an offline server. presspipe resolves ``DirectRunner``
(and the default) to Beam's in-process engines instead -- FnApiRunner for bounded runs (it honours
``--direct_num_workers`` and ``--direct_running_mode``) and the BundleBasedDirectRunner for streaming -- and leaves
``--runner PrismRunner`` to users who want Prism.
"""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineRunner, create_runner

IN_PROCESS_NAMES = {None, "", "direct", "DirectRunner"}
DASK_NAMES = {"dask", "DaskRunner"}


def resolve_runner(options: PipelineOptions, streaming: bool) -> PipelineRunner:
    name = options.view_as(StandardOptions).runner
    if name in IN_PROCESS_NAMES:
        if streaming:
            from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

            return BundleBasedDirectRunner()
        return _fn_api_runner(options)
    if name in DASK_NAMES:
        from apache_beam.runners.dask.dask_runner import DaskRunner

        return DaskRunner()
    return create_runner(name)


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
