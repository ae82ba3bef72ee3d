"""A streaming run on a topic that does not exist fails before anything runs, with the bounded run's clear error.

The streaming path on a real runner (Flink, Prism, Dataflow) lists the topic's partitions while the graph is built;
it must use the bounded read's lookup, so the user sees the topic named rather than a runner stack trace.
"""

from __future__ import annotations

import uuid

import pytest

from presspipe.pipelines import ingest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("mode_flags", [
    # PortableRunner with an endpoint nobody listens on: the graph is built (and the topic looked up) before the
    # runner is contacted, so this is the code path every non-local streaming runner takes.
    ("--mode", "streaming", "--group", "missing-topic", "--runner", "PortableRunner",
     "--job_endpoint", "127.0.0.1:9", "--environment_type", "LOOPBACK"),
], ids=["streaming-on-a-portable-runner"])
def test_run_on_a_missing_topic_fails_naming_it(kafka_settings, capsys, mode_flags):
    missing = f"missing-{uuid.uuid4().hex[:8]}.raw"
    code = ingest.main(["--bootstrap-servers", kafka_settings.bootstrap_servers, "--raw_topic", missing,
                        "--no_entities", *mode_flags])
    error = capsys.readouterr().err
    assert code == 1
    assert f"presspipe run failed: topic {missing!r} does not exist" in error
