"""Processes outside the test's event loop: a parent that launches the CLI, and waiting for a pid
to be gone (polling: nothing can be awaited on a foreign pid)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from shifttui.system.procs import pid_alive


def wait_gone(pid: int, within: float) -> float:
    """Seconds until `pid` is gone; fails the test after `within`."""
    start = time.monotonic()
    while pid_alive(pid):
        if time.monotonic() - start > within:
            raise AssertionError(f"process {pid} still alive {within} s later")
        time.sleep(0.02)
    return time.monotonic() - start


def launch_under_parent(launcher: str, *args: str, runs: str,
                        within: float = 5.0) -> tuple[subprocess.Popen[str], int]:
    """A Python parent (standing in for shifttui) that starts `launcher` and then waits; returns
    it and the launcher's pid once that pid has exec'd into a command line containing `runs`."""
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         f"p = subprocess.Popen({[launcher, *args]!r})\n"
         "print(p.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    # Until the launcher has exec'd into the CLI, the pid runs something else.
    deadline = time.monotonic() + within
    while runs not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
        assert time.monotonic() < deadline, "the launcher never exec'd the CLI"
        time.sleep(0.01)
    return parent, pid
