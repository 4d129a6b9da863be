"""The launcher that makes Claude Code die with shifttui: both kinds (setpriv and Python)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from process_support import launch_under_parent, wait_gone

from shifttui.shifts.agent import lifeline
from shifttui.shifts.agent.lifeline import guarded_cli

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
    parent, cli_pid = launch_under_parent(launcher, runs="sleep")
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    wait_gone(cli_pid, 5.0)


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
    wait_gone(orphan, 5.0)
    assert not marker.exists()
