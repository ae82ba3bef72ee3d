"""Starting a broker from a process that already runs gRPC (Beam's runners do, in a test session or the demo): the
child must become the broker, not die between fork and exec in the parent's at-fork handlers; and a broker that is
not detached still dies with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from presspipe.broker.process import spawn, with_parent_death_signal

_FORKS_SEEN_IN_CHILD: list[str] = []  # a marker path while a test listens; at-fork handlers cannot be unregistered


def _note_fork_in_child() -> None:
    if _FORKS_SEEN_IN_CHILD:
        with open(_FORKS_SEEN_IN_CHILD[0], "a") as marker:
            marker.write("at-fork handler ran in the child\n")


os.register_at_fork(after_in_child=_note_fork_in_child)


@pytest.mark.parametrize("detach", [False, True])
def test_the_parents_at_fork_handlers_never_run_in_the_broker_child(tmp_path, detach):
    """gRPC registers at-fork handlers (Beam's runners hold gRPC channels in a test session or the demo); run in a
    forked child they aborted the broker (SIGABRT, "epoll_wait error: Bad file descriptor"). The broker is started
    without a fork that runs them (no ``preexec_fn``), which a Python-level handler shows: it must not run."""
    marker, log = tmp_path / "forked", tmp_path / "broker.log"
    _FORKS_SEEN_IN_CHILD.append(str(marker))
    try:
        process = spawn([sys.executable, "-c", "print('broker running', flush=True)"], log, detach=detach)
        assert process.wait(timeout=60) == 0, log.read_text()
    finally:
        _FORKS_SEEN_IN_CHILD.clear()
    assert "broker running" in log.read_text()
    assert not marker.exists(), marker.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_wrapped_command_keeps_its_pid_and_gets_the_death_signal(tmp_path):
    """The wrapper execs the command (the pid the caller stops is the broker's) with SIGTERM as its death signal."""
    probe = ("import ctypes, os, sys; v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v)); "
             "print(os.getpid(), v.value)")
    process = subprocess.Popen(with_parent_death_signal([sys.executable, "-c", probe]), stdout=subprocess.PIPE,
                               text=True)
    output, _ = process.communicate(timeout=60)
    pid, death_signal = map(int, output.split())
    assert process.returncode == 0 and pid == process.pid
    assert death_signal == signal.SIGTERM
    # The wrapper refuses to start the command when the pid it was given is not its parent's (the parent died early).
    refused = subprocess.run([sys.executable, "-c", with_parent_death_signal(["true"])[2], "1", "true"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "gone" in refused.stderr
