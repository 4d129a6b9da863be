"""The launcher that makes Claude Code die with shifttui: both kinds (setpriv and Python)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shifttui.agent import lifeline
from shifttui.agent.lifeline import guarded_cli
from shifttui.procs import pid_alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="PR_SET_PDEATHSIG is Linux-only")


@pytest.fixture(params=["setpriv", "python"])
def kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "setpriv":
        if lifeline.setpriv_path() is None:
            pytest.skip("no setpriv with --pdeathsig on this machine")
    else:
        monkeypatch.setattr(lifeline, "setpriv_path", lambda: None)
    return str(request.param)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _wait_gone(pid: int, within: float) -> None:
    deadline = time.monotonic() + within
    while pid_alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} still alive {within} s later")
        time.sleep(0.02)


@pytest.mark.timeout(20)
def test_the_launcher_is_the_kind_asked_for(kind: str, tmp_path: Path) -> None:
    launcher = guarded_cli(str(_script(tmp_path / "cli", "exit 0\n")), tmp_path / "bin")
    assert launcher is not None
    first = Path(launcher).read_text().splitlines()[0]
    assert first == ("#!/bin/sh" if kind == "setpriv" else f"#!{sys.executable} -IS")


@pytest.mark.timeout(20)
def test_arguments_and_exit_code_reach_the_cli_unchanged(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "args.txt"
    real = _script(tmp_path / "the 'real' cli", f'printf "%s\\n" "$@" > "{out}"\nexit 7\n')
    launcher = guarded_cli(str(real), tmp_path / "bin")
    assert launcher is not None and launcher != str(real)
    args = ["--output-format", "stream-json", "two words", "it's", '"$HOME"', "", "$(id)"]
    done = subprocess.run([launcher, *args], timeout=10)
    assert done.returncode == 7
    assert out.read_text().split("\n")[:-1] == args


@pytest.mark.timeout(20)
def test_the_cli_runs_in_a_session_of_its_own_under_the_launchers_pid(
        kind: str, tmp_path: Path) -> None:
    """Its own session, so a terminal's Ctrl-C reaches shifttui and not the agent; the same pid,
    because the SDK and shifttui track and stop the CLI by the pid they started."""
    out = tmp_path / "ids.txt"
    real = _script(tmp_path / "cli", f"exec {sys.executable} -c 'import os, sys; "
                   f'open(sys.argv[1], "w").write(f"{{os.getpid()}} {{os.getsid(0)}}")\' "{out}"\n')
    launcher = guarded_cli(str(real), tmp_path / "bin")
    assert launcher is not None
    proc = subprocess.Popen([launcher])
    assert proc.wait(timeout=10) == 0
    pid, sid = map(int, out.read_text().split())
    assert pid == proc.pid
    assert sid == proc.pid != os.getsid(0)


@pytest.mark.timeout(30)
def test_the_cli_dies_with_a_killed_parent(kind: str, tmp_path: Path) -> None:
    launcher = guarded_cli(str(_script(tmp_path / "cli", "exec sleep 60\n")), tmp_path / "bin")
    assert launcher is not None
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         f"p = subprocess.Popen([{launcher!r}])\n"
         "print(p.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    cli_pid = int(parent.stdout.readline())
    # Until the launcher has exec'd into the CLI, the pid runs something else.
    deadline = time.monotonic() + 5
    while "sleep" not in Path(f"/proc/{cli_pid}/cmdline").read_bytes().decode(errors="replace"):
        assert time.monotonic() < deadline, "the launcher never exec'd the CLI"
        time.sleep(0.01)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _wait_gone(cli_pid, 5.0)


@pytest.mark.timeout(30)
def test_an_orphaned_launcher_does_not_start_the_cli(kind: str, tmp_path: Path) -> None:
    """shifttui died before the signal was armed: the CLI must not run unguarded."""
    marker = tmp_path / "ran"
    launcher = guarded_cli(str(_script(tmp_path / "cli", f'touch "{marker}"\n')),
                           tmp_path / "bin")
    assert launcher is not None
    middle = subprocess.run(
        [sys.executable, "-c",
         "import subprocess\n"
         f"p = subprocess.Popen(['/bin/sh', '-c', 'sleep 0.5; exec {launcher}'])\n"
         "print(p.pid)\n"],
        capture_output=True, text=True, timeout=10, check=True)
    orphan = int(middle.stdout)
    status = Path(f"/proc/{orphan}/status").read_text()
    if "\nPPid:\t1\n" not in status:
        pytest.skip("orphans are adopted by a subreaper here, not by pid 1")
    _wait_gone(orphan, 5.0)
    assert not marker.exists()
