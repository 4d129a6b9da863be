"""Crash safety of the app itself: the real `shifttui` in tmux is killed with SIGKILL while a
shift streams; its agent dies with it, and the reopened app shows the interrupted shift's log
from the database and resumes it with `r`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from shifttui.fakeagent import write_launcher
from shifttui.system.procs import pid_alive

from .tmux_support import Tmux

# The app is killed and reopened while its agent runs: give them the machine (solo).
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
              pytest.mark.solo]

STEP = re.compile(r"Still working… step (\d+)")
SHIFTTUI = str(Path(sys.executable).with_name("shifttui"))


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    try:
        yield server
    finally:
        server.kill_server()  # the app and, through its lifeline, any agent go with it


def _cli(home: Path, *argv: str) -> str:
    done = subprocess.run([SHIFTTUI, "--home", str(home), *argv], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _shifts(home: Path) -> list[dict[str, Any]]:
    return list(json.loads(_cli(home, "shifts", "--json")))


def _steps(text: str) -> set[int]:
    return {int(n) for n in STEP.findall(text)}


def _stored_steps(db_path: Path, shift_id: str) -> set[int]:
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT payload FROM events WHERE shift_id = ?", (shift_id,))
        return set().union(*(_steps(str(r[0])) for r in rows))
    finally:
        db.close()


def _wait_gone(pid: int, within: float) -> None:
    deadline = time.monotonic() + within
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still alive {within} s on"
        time.sleep(0.05)  # another process's end: nothing to await


def _wait_screen(tmux: Tmux, session: str, check: Any, what: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    while not check(screen := tmux.screen(session)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}; the screen:\n{screen}"
        time.sleep(0.2)  # polling a terminal: there is nothing to await
    return screen


def _wait_until(check: Any, what: str, within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


@pytest.mark.timeout(60)
@pytest.mark.skipif(os.environ.get("SHIFTTUI_SKIP_TMUX") == "1", reason="asked to skip")
def test_app_killed_mid_shift_then_reopened_shows_the_log_and_resumes(
        tmux: Tmux, tmp_path: Path) -> None:
    home, pids = tmp_path / "home", tmp_path / "agent-pids"
    project = tmp_path / "crashy"
    project.mkdir()
    _cli(home, "project", "add", "crashy", str(project), "--budget", "100",
         "--env", "SHIFTTUI_FAKE_SCENARIO=slow", "--env", "SHIFTTUI_FAKE_DELAY=0.05",
         "--env", f"SHIFTTUI_FAKE_PIDFILE={pids}")
    env = {"SHIFTTUI_HOME": str(home), "TERM": "xterm-256color", "TZ": "UTC",
           "SHIFTTUI_CLAUDE_CLI": str(write_launcher(tmp_path / "bin"))}

    # -- a shift streams; the app is killed ----------------------------------------------------
    app_pid = tmux.start("first", env, [SHIFTTUI])
    assert "shifttui" in " ".join(psutil.Process(app_pid).cmdline())
    tmux.wait_for("first", "crashy")
    tmux.keys("first", "s")
    # More steps than the log screen shows at once, so reading the end takes scrolling.
    _wait_screen(tmux, "first", lambda s: max(_steps(s), default=0) >= 40, "40 streamed steps")
    (shift,) = _shifts(home)
    assert shift["status"] == "running"
    agent_pid = int(pids.read_text().split()[0])
    assert agent_pid in {p.pid for p in psutil.Process(app_pid).children(recursive=True)}
    # Shown means stored (the sink publishes after its commit): these may not be lost.
    seen = _steps(tmux.screen("first"))
    if sys.platform.startswith("linux"):
        # A stopped agent never writes into its dead pipe, so only the lifeline (the kernel's
        # parent-death signal) can end it once the app is gone.
        os.kill(agent_pid, signal.SIGSTOP)
    os.kill(app_pid, signal.SIGKILL)
    _wait_gone(app_pid, 10.0)
    _wait_gone(agent_pid, 10.0)

    db_path = home / "shifttui.db"
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Nothing ran after the kill to record the end: reopening the app must find it.
        status = db.execute("SELECT status FROM shifts WHERE id = ?", (shift["id"],)).fetchone()
        assert status == ("running",)
    finally:
        db.close()
    stored = _stored_steps(db_path, shift["id"])
    assert seen <= stored, f"shown before the kill but not stored: {sorted(seen - stored)}"

    # -- reopened: interrupted, its log from the database, resumed with r ------------------------
    app_pid = tmux.start("second", env, [SHIFTTUI])
    tmux.wait_for("second", "⏸ interrupted")  # the project's last shift, in the table
    tmux.keys("second", "Enter")  # the project's detail
    tmux.wait_for("second", "Enter: log & handoff")
    tmux.keys("second", "Enter")  # its newest shift: the interrupted one
    tmux.wait_for("second", shift["id"])
    screen = _wait_screen(tmux, "second", _steps, "the log from the database")
    assert "⏸ interrupted" in screen
    # Read it like a user, both ends: it is longer than the screen.
    tmux.keys("second", "Home")
    screen = _wait_screen(tmux, "second", lambda s: 1 in _steps(s), "the log's beginning")
    assert max(stored) not in _steps(screen)
    tmux.keys("second", "End")
    screen = _wait_screen(tmux, "second", lambda s: max(stored) in _steps(s), "the log's end")
    assert 1 not in _steps(screen)
    assert _steps(screen) <= stored, "the log shows steps that were never stored"
    (after,) = _shifts(home)
    assert after["status"] == "interrupted"

    tmux.keys("second", "Escape")  # back to the detail, the interrupted shift selected
    tmux.wait_for("second", "Enter: log & handoff")
    tmux.keys("second", "r")
    tmux.wait_for("second", "Resumed")
    resumed = _wait_until(lambda: [s for s in _shifts(home) if s["trigger"] == "resume"],
                          "the resumed shift")
    assert len(resumed) == 1
    assert resumed[0]["status"] == "running"
    assert resumed[0]["parent_shift_id"] == shift["id"]
    # One line per fake agent started, its own pid first.
    new_agent = _wait_until(
        lambda: [int(line.split()[0]) for line in pids.read_text().splitlines()[1:]],
        "the resumed shift's agent")[0]

    # -- clean up like a user: abandon, quit ------------------------------------------------------
    tmux.keys("second", "a")
    tmux.wait_for("second", "Abandon the shift on crashy?")
    tmux.keys("second", "enough", literal=True)
    tmux.keys("second", "Enter")
    _wait_until(lambda: _shifts(home)[0]["status"] == "abandoned", "the abandon")
    _wait_gone(new_agent, 10.0)
    tmux.wait_for("second", "■ abandoned")
    tmux.keys("second", "Escape")
    tmux.wait_for("second", "1 projects · 0 running")
    tmux.keys("second", "q")  # nothing runs: quits without asking
    _wait_gone(app_pid, 10.0)
