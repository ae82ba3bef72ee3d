"""Starting a command prints nothing but what the user asked for: Beam's import-time notice about the optional
Google API client ("apitools not found") is dropped, other warnings are not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("command", [["-m", "presspipe.cli", "--help"], ["-m", "presspipe.pipelines.ingest", "--help"]],
                         ids=["presspipe", "presspipe.pipelines.ingest"])
def test_help_has_no_import_noise(command):
    completed = subprocess.run([sys.executable, *command], cwd=REPOSITORY, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "usage:" in completed.stdout
    assert "apitools" not in completed.stderr, completed.stderr


def test_other_root_warnings_still_reach_the_user():
    script = "import logging, presspipe.pipelines; logging.warning('apitools not found'); logging.warning('disk is full')"
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                               timeout=120)
    assert "disk is full" in completed.stderr
    assert "apitools" not in completed.stderr


def test_the_command_line_loads_only_what_a_command_needs():
    """``presspipe broker status`` must not pay for Beam, spaCy, Dask or the connectors' HTTP stack at start-up."""
    script = ("import sys, presspipe.cli; presspipe.cli.build_parser(); "
              "print(sorted({m.split('.')[0] for m in sys.modules} & "
              "{'apache_beam', 'spacy', 'dask', 'distributed', 'trafilatura', 'kafka', 'httpx', 'protego', 'warcio', "
              "'feedparser', 'aiohttp'}))")
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
