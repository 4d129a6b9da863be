"""Fault injection, processes (issue 17): shifttui killed with SIGKILL at five moments of a shift,
SIGTERM and SIGINT during the checks, background jobs at a normal end, and a CLI that hangs at
start with a child. Real `shifttui run` processes, the fake CLI, real SQLite files.

After each: nothing the shift started is left, the database is intact, the shift has the
expected status, an accepted handoff is kept, every event agent.log has is in the database, no
traceback was printed, and the next command works."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from agent_support import Harness
from fault_support import (
    MARK_ENV,
    integrity_ok,
    logged_seqs,
    marked,
    marked_running,
    no_traceback,
    none_left,
    query,
    shifttui,
    start_shifttui,
    stored_seqs,
    wait_until,
)
from timing import wall

from shifttui.fakeagent.faults import TOOL_CHILD
from shifttui.shifts.agent import runner

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the process container is Linux-only")

# The checks start a background job and a foreground one; both must go with the shift.
CHECKS = "sleep 310 & sleep 311"


def _mark(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name}-{os.getpid()}-{time.monotonic_ns()}"


def _home(tmp_path: Path, project_dir: Path, *flags: str) -> Path:
    home = tmp_path / "h"
    done = shifttui(home, "project", "add", "p", str(project_dir), *flags)
    assert done.returncode == 0, done.stderr
    return home


def _shift_id(db: Path) -> str | None:
    rows = query(db, "SELECT id FROM shifts ORDER BY started_at DESC LIMIT 1")
    return str(rows[0][0]) if rows else None


def _status(db: Path, shift_id: str) -> str:
    return str(query(db, "SELECT status FROM shifts WHERE id = ?", (shift_id,))[0][0])


def _handoff(db: Path, shift_id: str) -> tuple[object, ...] | None:
    rows = query(db, "SELECT summary, author FROM handoffs WHERE shift_id = ?", (shift_id,))
    return rows[0] if rows else None


MOMENTS = {
    # moment: (scenario, extra `project add` flags, when to kill, status after recovery)
    "claim": ("slow", (), "claimed", "interrupted"),
    "stream": ("slow", (), "streaming", "interrupted"),
    "tool": ("in_tool", (), "in_tool", "interrupted"),
    "handoff": ("linger", (), "handed_off", "completed"),
    "checks": ("normal", ("--test-command", CHECKS), "checking", "completed"),
}


@pytest.mark.timeout(90)
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_sigkill_leaves_nothing_running_and_loses_nothing(
        moment: str, tmp_path: Path, project_dir: Path, fake_cli: Path,
        request: pytest.FixtureRequest) -> None:
    scenario, flags, when, expected = MOMENTS[moment]
    home, mark = _home(tmp_path, project_dir, *flags), _mark(request)
    db = home / "shifttui.db"
    proc = start_shifttui(home, "run", "p", env={
        "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "SHIFTTUI_FAKE_SCENARIO": scenario,
        "SHIFTTUI_FAKE_DELAY": "0.01", MARK_ENV: mark})
    try:
        def ready() -> bool:
            assert proc.poll() is None, proc.communicate()
            shift_id = _shift_id(db)
            if shift_id is None:
                return False
            if when == "claimed":
                return True
            if when == "streaming":
                return len(logged_seqs(home, shift_id)) >= 30
            if when == "in_tool":
                return marked_running(mark, TOOL_CHILD)
            if when == "handed_off":
                return _handoff(db, shift_id) is not None
            return marked_running(mark, "sleep 311")
        wait_until(ready, wall(30), f"the shift never reached {moment}")
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    none_left(mark, wall(3.0))
    after = shifttui(home, "shifts")  # the next command recovers the dead owner's shift
    no_traceback(after.stdout, after.stderr)
    assert after.returncode == 0, after.stderr
    shift_id = _shift_id(db)
    assert shift_id is not None
    integrity_ok(db)
    assert _status(db, shift_id) == expected
    assert logged_seqs(home, shift_id) <= stored_seqs(db, shift_id)
    if expected == "completed":
        assert _handoff(db, shift_id) is not None and _handoff(db, shift_id)[1] == "agent"
        summary = str(_handoff(db, shift_id)[0])
        context = shifttui(home, "context", "p")
        assert summary in context.stdout  # the next shift reads it


@pytest.mark.timeout(60)
@pytest.mark.wallclock
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_during_the_checks_ends_them_within_a_second(
        sig: signal.Signals, tmp_path: Path, project_dir: Path, fake_cli: Path,
        request: pytest.FixtureRequest) -> None:
    home = _home(tmp_path, project_dir, "--test-command", CHECKS, "--test-timeout", "600")
    mark, db = _mark(request), home / "shifttui.db"
    proc = start_shifttui(home, "run", "p", env={
        "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "SHIFTTUI_FAKE_SCENARIO": "normal",
        "SHIFTTUI_FAKE_DELAY": "0.01", MARK_ENV: mark})
    try:
        wait_until(lambda: marked_running(mark, "sleep 311"), wall(30), "the checks never ran")
        started = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=wall(10))
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    none_left(mark, wall(1.0))
    no_traceback(out, err)
    assert took < wall(3.0), f"shifttui took {took:.1f} s to stop during the checks"
    shift_id = _shift_id(db)
    assert shift_id is not None
    integrity_ok(db)
    # Never `completed` with half-run checks; the agent's handoff is kept all the same.
    assert _status(db, shift_id) == "abandoned"
    assert query(db, "SELECT test_result FROM shifts WHERE id = ?", (shift_id,)) == [(None,)]
    assert _handoff(db, shift_id) is not None
    assert logged_seqs(home, shift_id) <= stored_seqs(db, shift_id)
    assert shifttui(home, "shifts").returncode == 0


@pytest.mark.timeout(60)
async def test_background_jobs_end_with_a_completed_shift(
        harness: Harness, request: pytest.FixtureRequest) -> None:
    mark = _mark(request)
    final, handoff, _ = await harness.run("background", env={MARK_ENV: mark})
    assert final.status.value == "completed" and handoff is not None
    await asyncio.to_thread(none_left, mark, wall(2.0))


@pytest.mark.timeout(60)
async def test_a_cli_that_hangs_at_start_leaves_no_child(
        harness: Harness, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1.0)
    mark = _mark(request)
    project = await harness.add_project("hang_init_child", env={MARK_ENV: mark})
    shift = await harness.supervisor.start_shift(project.name)
    await asyncio.to_thread(wait_until, lambda: marked_running(mark, "sleep 303"), wall(10),
                            "the hanging CLI never started its child")
    final = await asyncio.wait_for(harness.supervisor.wait(shift.id), wall(20))
    assert final.status.value == "failed" and "did not finish starting" in (final.error or "")
    await asyncio.to_thread(none_left, mark, wall(2.0))


@pytest.mark.timeout(60)
def test_sigterm_while_the_cli_hangs_at_start_is_quiet_and_leaves_no_child(
        tmp_path: Path, project_dir: Path, fake_cli: Path,
        request: pytest.FixtureRequest) -> None:
    """No 'BaseSubprocessTransport.__del__ … Event loop is closed' after shifttui's last line."""
    home, mark = _home(tmp_path, project_dir), _mark(request)
    proc = start_shifttui(home, "run", "p", env={
        "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "SHIFTTUI_FAKE_SCENARIO": "hang_init_child",
        MARK_ENV: mark})
    try:
        wait_until(lambda: marked_running(mark, "sleep 303"), wall(20),
                   "the hanging CLI never started its child")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=wall(15))
    finally:
        if proc.poll() is None:
            proc.kill()
    no_traceback(out, err)
    assert proc.returncode != 0
    none_left(mark, wall(2.0))
    assert not marked(mark)
    done = shifttui(home, "shifts")
    assert done.returncode == 0, done.stderr
    integrity_ok(home / "shifttui.db")

