"""``make bench`` must not rot: a ``--quick`` run prints every figure as well-formed JSON, then the table.

No assertion here looks at a timing; only names, shapes and the consistency of ``met`` with ``target``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.figures import FIELDS

REPOSITORY = Path(__file__).resolve().parents[3]
EXPECTED_NAMES = {
    "enrichment_docs_per_s_per_core",
    *(f"stage_{stage}_ms_{kind}" for stage in ("decode", "extract", "clean", "language", "entities", "encode")
      for kind in ("median", "p95")),
    "overhead_ms_median",
    "overhead_ms_mean",
    "enrichment_without_entities_docs_per_s_per_core",
    "enrichment_without_entities_precision_only_docs_per_s_per_core",
    "entity_first_use_load_s",
    "langdetect_rs_mismatching_docs",
    "language_detector_ms_per_doc",
    "kafka_read_records_per_s",
    "end_to_end_docs_per_s",
    "scaling_2_workers_docs_per_s",
    "streaming_latency_p50_s",
    "streaming_latency_p99_s",
    "backfill_peak_rss_mb",
}


@pytest.mark.integration
@pytest.mark.slow
def test_quick_benchmark_prints_every_figure_as_json(tmp_path):
    env = {**os.environ, "PRESSPIPE_BENCH_CACHE": str(tmp_path / "cache"), "PRESSPIPE_HOME": str(tmp_path / "home")}
    completed = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick"], cwd=REPOSITORY, env=env,
                               capture_output=True, text=True, timeout=540)
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    json_lines = [line for line in lines if line.startswith("{")]
    figures = [json.loads(line) for line in json_lines]
    names = [figure["name"] for figure in figures]
    assert len(names) == len(set(names)), names
    assert EXPECTED_NAMES <= set(names), EXPECTED_NAMES - set(names)
    for figure in figures:
        assert set(FIELDS) <= set(figure), figure
        assert figure["value"] is None or isinstance(figure["value"], (int, float)), figure
        assert figure["baseline"] is None or isinstance(figure["baseline"], (int, float)), figure
        assert isinstance(figure["unit"], str) and figure["unit"], figure
        if figure["value"] is None:
            assert figure["met"] is None and figure["note"].startswith("not measured"), figure
        if figure["target"] is None:
            assert figure["met"] is None, figure
        if figure["baseline"] is not None:
            assert figure["baseline_name"], figure
    # The human table follows the JSON lines and names every figure.
    table_start = lines.index(json_lines[-1]) + 1
    table_text = "\n".join(lines[table_start:])
    assert all(name in table_text for name in names)
    assert "load average" in table_text
