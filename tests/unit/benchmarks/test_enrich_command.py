"""The whole-process benchmark of ``presspipe enrich`` times only runs that did the work."""

import sys

import pytest

from benchmarks.enrich_command import timed
from benchmarks.errors import BenchError


def test_a_run_that_answers_every_input_is_timed():
    wall, cpu = timed([sys.executable, "-c", "print('a'); print('b')"], answers=2)
    assert wall > 0 and cpu >= 0


@pytest.mark.parametrize(("script", "answers"), [
    ("import sys; sys.exit(2)", None),  # the plain loop failed
    ("print('only one of two')", 2),  # presspipe enrich stopped early (a failed worker start, bad usage)
])
def test_a_run_that_did_not_do_the_work_is_no_figure(script, answers):
    with pytest.raises(BenchError):
        timed([sys.executable, "-c", script], answers=answers)
