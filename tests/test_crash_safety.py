"""Crash safety: shifttui killed with SIGKILL mid-stream, and a database that cannot be written."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from agent_support import Harness
from process_support import launch_under_parent, wait_gone

from shifttui.base.bus import Notice
from shifttui.base.config import Home
from shifttui.base.errors import DatabaseError
from shifttui.base.models import ShiftStatus
from shifttui.shifts.agent.lifeline import guarded_cli
from shifttui.store import Store
from shifttui.system.procs import pid_alive

SAFE_MARGIN_S = 0.3  # what the CLI emitted this long before the kill must have been kept


def _shifttui(home: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def _emitted(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for raw in path.read_text().splitlines():
        record = json.loads(raw)
        line = record["line"]
        if line.startswith("{"):
            out.append({"t": record["t"], **json.loads(line)})
    return out


@pytest.mark.timeout(60)
def test_sigkill_mid_stream_loses_nothing_and_leaves_no_agent(
        tmp_path: Path, project_dir: Path, fake_cli: Path) -> None:
    home = tmp_path / "h"
    add = subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), "project", "add",
                          "p", str(project_dir)], capture_output=True, text=True, timeout=30)
    assert add.returncode == 0, add.stderr
    emit_log, pid_file = tmp_path / "emitted.jsonl", tmp_path / "pids"
    proc = _shifttui(home, "run", "p", env={
        "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "SHIFTTUI_FAKE_SCENARIO": "slow",
        "SHIFTTUI_FAKE_DELAY": "0.01", "SHIFTTUI_FAKE_EMITLOG": str(emit_log),
        "SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
    try:
        deadline = time.monotonic() + 30
        # Killed mid-stream, with events in flight: well into the stream, not at a fixed time.
        while len([m for m in _emitted(emit_log) if m["type"] == "assistant"]) < 80:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the fake agent never streamed"
            time.sleep(0.05)  # another process writes the log: nothing to await
        killed_at = time.time()
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    agent_pid = int(pid_file.read_text().split()[0])
    wait_gone(agent_pid, 10.0)

    db = sqlite3.connect(home / "shifttui.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()

    async def reopen() -> tuple[list[str], Any, set[str]]:
        store = await Store.open(Home(home).db_path, now=datetime.now(UTC))
        try:
            (shift,) = await store.shifts.list()
            events = await store.events.read(shift.id, 0, 1_000_000)
            ids = {str(e.payload.get("message_id")) for e in events if "message_id" in e.payload}
            return store.recovered, shift, ids
        finally:
            await store.close()

    recovered, shift, stored_ids = asyncio.run(reopen())
    assert recovered == [shift.id]
    assert shift.status is ShiftStatus.INTERRUPTED
    must_have = {m["message"]["id"] for m in _emitted(emit_log)
                 if m["type"] == "assistant" and m["t"] <= killed_at - SAFE_MARGIN_S}
    assert len(must_have) >= 40
    assert must_have <= stored_ids, f"lost in the database: {sorted(must_have - stored_ids)[:5]}"
    log_lines = [json.loads(line) for line in
                 (home / "shifts" / shift.id / "agent.log").read_text().splitlines()]
    logged = {str(e["payload"].get("message_id")) for e in log_lines}
    assert must_have <= logged, f"lost in agent.log: {sorted(must_have - logged)[:5]}"


@pytest.mark.timeout(30)
def test_the_launcher_takes_the_cli_down_with_a_killed_parent(tmp_path: Path) -> None:
    """The real CLI keeps streaming a turn after its parent dies; the launcher prevents that.
    A CLI that never writes (so never notices the dead pipe) stands in for it here."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    sleeper = tmp_path / "sleepy-cli"
    sleeper.write_text("#!/bin/sh\nexec sleep 60\n")
    sleeper.chmod(0o755)
    launcher = guarded_cli(str(sleeper), tmp_path / "bin")
    assert launcher is not None and launcher != str(sleeper)
    parent, cli_pid = launch_under_parent(launcher, "--output-format", "stream-json",
                                          runs="sleep")
    assert pid_alive(cli_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    wait_gone(cli_pid, 5.0)


@pytest.mark.timeout(30)
async def test_database_full_stops_the_shift_with_a_clear_notice(harness: Harness) -> None:
    """SQLITE_FULL as root too: the connection's max_page_count is the 'disk' size."""
    project = await harness.add_project("slow", env={"SHIFTTUI_FAKE_DELAY": "0.005"},
                                        max_budget_usd=100)
    shift = await harness.supervisor.start_shift(project.name)
    await harness.wait_for(lambda e: type(e).__name__ == "ShiftEventsAdded", 10)
    conn = harness.store.db.conn
    async with conn.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")
    notice = await harness.wait_for(
        lambda e: isinstance(e, Notice) and e.title == "database write failed", 15)
    assert isinstance(notice, Notice) and "full" in notice.message
    run = harness.supervisor._runs.get(shift.id)
    pid = run.agent_pid if run else None
    try:
        final = await asyncio.wait_for(harness.supervisor.wait(shift.id), 10)
    except DatabaseError as exc:  # the end could not be recorded either: said as one sentence
        assert "full" in str(exc)
    else:  # the status row still fitted in the database's existing pages
        assert final.status is ShiftStatus.ABANDONED
        assert final.error and "database write failed" in final.error and "full" in final.error
    assert shift.id not in harness.supervisor.running_ids()
    if pid:
        for _ in range(100):
            if not pid_alive(pid):
                break
            await asyncio.sleep(0.05)
        assert not pid_alive(pid)


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.timeout(60)
def test_full_disk_under_shifttui_run_is_one_clear_line(tmp_path: Path, project_dir: Path,
                                                        fake_cli: Path) -> None:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "1m"):
        pytest.skip("needs root and tmpfs mounts to fill a real filesystem")
    try:
        home = disk / "h"
        add = subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), "project",
                              "add", "p", str(project_dir)], capture_output=True, text=True)
        assert add.returncode == 0, add.stderr
        pid_file = tmp_path / "pids"
        proc = _shifttui(home, "run", "p", env={
            "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "SHIFTTUI_FAKE_SCENARIO": "flood",
            "SHIFTTUI_FAKE_COUNT": "200000", "SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
        out, err = proc.communicate(timeout=45)
        assert "Traceback" not in err and "Traceback" not in out
        assert proc.returncode != 0
        assert "database write failed" in err or "full" in err, err[-2000:]
        assert len([line for line in err.splitlines() if line.strip()]) <= 3, err
        wait_gone(int(pid_file.read_text().split()[0]), 10.0)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
