"""The launcher that runs Claude Code in a process container: it dies with shifttui, and so does
everything the CLI started (background jobs, daemons), on a stop and at the CLI's own end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from process_support import launch_under_parent, wait_gone
from timing import wall

from shifttui.shifts.agent.lifeline import contained, guarded_cli, is_container

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="PR_SET_PDEATHSIG and subreapers are Linux-only")

# What an agent's Bash tool may leave behind: each kind escaped the old launcher.
BACKGROUND_JOBS = """
nohup sleep 300 >/dev/null 2>&1 &
(sleep 301 &)
setsid sleep 302 >/dev/null 2>&1 < /dev/null &
sh -c 'sleep 303 & exit 0'
"""


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _sleepers(marker: str) -> list[psutil.Process]:
    """The `sleep 30x` processes whose environment carries `marker` (this test's own)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] == "sleep" and proc.environ().get("LIFELINE_TEST") == marker:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _wait_for(predicate: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)  # another process's state: nothing to await


@pytest.mark.timeout(20)
def test_the_launcher_runs_the_cli_in_a_container(tmp_path: Path) -> None:
    launcher = guarded_cli(str(_script(tmp_path / "cli", "exit 0\n")), tmp_path / "bin")
    assert launcher is not None
    text = Path(launcher).read_text()
    assert text.startswith("#!/bin/sh\n") and "reaper.py" in text


@pytest.mark.timeout(20)
def test_arguments_and_exit_code_reach_the_cli_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "args.txt"
    real = _script(tmp_path / "the 'real' cli", f'printf "%s\\n" "$@" > "{out}"\nexit 7\n')
    launcher = guarded_cli(str(real), tmp_path / "bin")
    assert launcher is not None and launcher != str(real)
    args = ["--output-format", "stream-json", "two words", "it's", '"$HOME"', "", "$(id)"]
    done = subprocess.run([launcher, *args], timeout=10)
    assert done.returncode == 7
    assert out.read_text().split("\n")[:-1] == args


@pytest.mark.timeout(20)
def test_a_cli_killed_by_a_signal_exits_as_shells_report_it(tmp_path: Path) -> None:
    launcher = guarded_cli(str(_script(tmp_path / "cli", "kill -9 $$\n")), tmp_path / "bin")
    assert launcher is not None
    assert subprocess.run([launcher], timeout=10).returncode == 128 + signal.SIGKILL


@pytest.mark.timeout(20)
def test_the_cli_runs_in_a_session_of_its_own_below_the_launcher(tmp_path: Path) -> None:
    """Its own session, so a terminal's Ctrl-C reaches shifttui and not the agent; below the
    pid the SDK started, which is the container shifttui stops."""
    out = tmp_path / "ids.txt"
    real = _script(tmp_path / "cli", f"exec {sys.executable} -c 'import os, sys; "
                   f'open(sys.argv[1], "w").write(f"{{os.getppid()}} {{os.getsid(0)}}")\' '
                   f'"{out}"\n')
    launcher = guarded_cli(str(real), tmp_path / "bin")
    assert launcher is not None
    proc = subprocess.Popen([launcher])
    assert proc.wait(timeout=10) == 0
    parent, sid = map(int, out.read_text().split())
    assert parent == proc.pid
    assert sid == proc.pid != os.getsid(0)


@pytest.mark.timeout(30)
def test_the_cli_and_its_background_jobs_die_with_a_killed_parent(tmp_path: Path) -> None:
    marker = f"parent-{os.getpid()}-{time.monotonic_ns()}"
    cli = _script(tmp_path / "cli", BACKGROUND_JOBS + "exec sleep 304\n")
    launcher = guarded_cli(str(cli), tmp_path / "bin")
    assert launcher is not None
    os.environ["LIFELINE_TEST"] = marker
    try:
        parent, container = launch_under_parent(launcher, runs="reaper.py")
    finally:
        del os.environ["LIFELINE_TEST"]
    _wait_for(lambda: len(_sleepers(marker)) == 5, wall(10))
    pids = [p.pid for p in _sleepers(marker)]
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for pid in [container, *pids]:
        wait_gone(pid, wall(3.0))


@pytest.mark.timeout(30)
def test_background_jobs_end_with_the_cli(tmp_path: Path) -> None:
    """A shift that ends normally leaves nothing running: `nohup cmd &` and `(cmd &)` too."""
    marker = f"end-{os.getpid()}-{time.monotonic_ns()}"
    cli = _script(tmp_path / "cli", BACKGROUND_JOBS + "exit 3\n")
    launcher = guarded_cli(str(cli), tmp_path / "bin")
    assert launcher is not None
    done = subprocess.run([launcher], timeout=10, env={**os.environ, "LIFELINE_TEST": marker})
    assert done.returncode == 3
    assert _sleepers(marker) == []


@pytest.mark.timeout(30)
@pytest.mark.wallclock
def test_a_sigterm_to_the_container_ends_its_whole_tree_at_once(tmp_path: Path) -> None:
    marker = f"term-{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen(contained(["/bin/sh", "-c", BACKGROUND_JOBS + "sleep 304\n"]),
                            env={**os.environ, "LIFELINE_TEST": marker})
    _wait_for(lambda: len(_sleepers(marker)) == 5, wall(10))
    assert is_container(proc.pid)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    took = time.monotonic() - started
    assert _sleepers(marker) == []
    assert took < wall(0.5), f"the container took {took:.3f} s to end its tree"


@pytest.mark.timeout(30)
def test_a_sigkilled_container_takes_its_command_along(tmp_path: Path) -> None:
    proc = subprocess.Popen(contained(["sleep", "305"]))
    _wait_for(lambda: any(c.name() == "sleep" for c in psutil.Process(proc.pid).children()),
              wall(10))
    child = psutil.Process(proc.pid).children()[0].pid
    proc.kill()
    proc.wait(timeout=10)
    wait_gone(child, wall(3.0))


@pytest.mark.timeout(30)
def test_an_orphaned_launcher_does_not_start_the_cli(tmp_path: Path) -> None:
    """shifttui died before the signal was armed: the CLI must not run unguarded."""
    marker = tmp_path / "ran"
    cli = _script(tmp_path / "cli", f'touch "{marker}"\n')
    # The middle process stands in for shifttui: it writes the launcher (naming itself as the
    # parent), starts it half a second late and dies at once.
    middle = subprocess.run(
        [sys.executable, "-c",
         "import subprocess, sys\n"
         "from pathlib import Path\n"
         "from shifttui.shifts.agent.lifeline import guarded_cli\n"
         f"launcher = guarded_cli({str(cli)!r}, Path({str(tmp_path / 'bin')!r}))\n"
         "p = subprocess.Popen(['/bin/sh', '-c', 'sleep 0.5; exec \"$0\"', launcher])\n"
         "print(p.pid)\n"],
        capture_output=True, text=True, timeout=10, check=True)
    orphan = int(middle.stdout)
    wait_gone(orphan, 5.0)
    assert not marker.exists()
