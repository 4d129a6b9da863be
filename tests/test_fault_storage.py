"""Fault injection, storage (issue 17): a lock mid-flush, a lock that does not end, and every
command against a damaged, locked, full or read-only database. Real SQLite files; a real small
filesystem (tmpfs) where this machine lets us mount one, skipped otherwise (the full-database
case in-process is covered by test_crash_safety with max_page_count)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agent_support import Harness, git_repo
from fault_support import (
    integrity_ok,
    mount_tmpfs,
    one_line_error,
    remount,
    shifttui,
    unmount,
)
from timing import wall

from shifttui.base.bus import Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import DatabaseError
from shifttui.base.models import ShiftStatus
from shifttui.shifts.agent import sink as sink_module
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

BUSY_S = 0.2  # the store's busy timeout here: a lock longer than this is a fault to ride out


@pytest.fixture
async def quick(home: Home, clock: FakeClock, fake_cli: Path,
                tmp_path: Path) -> AsyncIterator[Harness]:
    """A harness whose store gives up on a lock after BUSY_S (the default is 10 s)."""
    store = await Store.open(home.db_path, now=clock.now(), busy_timeout_s=BUSY_S)
    supervisor = Supervisor(store, home, Settings(max_concurrent_shifts=4),
                            cli_path=str(fake_cli), tick_s=0.1)
    h = Harness(store, home, supervisor, git_repo(tmp_path / "repo"))
    supervisor.bus.subscribe(h.seen.append)
    try:
        yield h
    finally:
        await supervisor.shutdown()
        await store.close()


class Locker:
    """Another process's write lock on the database (a thread with its own connection)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._release = threading.Event()
        self._held = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        self._held.set()
        self._release.wait(60)
        conn.execute("ROLLBACK")
        conn.close()

    async def __aenter__(self) -> Locker:
        self._thread.start()
        assert await asyncio.to_thread(self._held.wait, 10)
        return self

    def release(self) -> None:
        self._release.set()

    async def __aexit__(self, *exc: object) -> None:
        self.release()
        await asyncio.to_thread(self._thread.join, 10)


async def _until(condition: object, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.02)  # the sink's state: it publishes nothing while it waits


@pytest.mark.timeout(60)
async def test_a_lock_mid_flush_loses_no_event(quick: Harness) -> None:
    project = await quick.add_project("slow", env={"SHIFTTUI_FAKE_DELAY": "0.005"},
                                      max_budget_usd=100)
    shift = await quick.supervisor.start_shift(project.name)
    run = quick.supervisor._runs[shift.id]
    await _until(lambda: run.sink.count > 30, wall(10))
    async with Locker(quick.home.db_path) as lock:
        # Held for many busy timeouts: the sink's writes fail, and it keeps the events.
        await _until(lambda: run.sink.unstored > 50, wall(10))
        await asyncio.sleep(6 * BUSY_S)  # (a lock that lasts: the fault under test)
        assert shift.id in quick.supervisor.running_ids()  # a transient lock stops nothing
        lock.release()
    final = await quick.supervisor.abandon(shift.id, "enough")
    assert final.status is ShiftStatus.ABANDONED and final.error == "enough"
    logged = {line["seq"] for line in quick.log_lines(shift.id)}
    stored = {e.seq for e in await quick.events(shift.id)}
    assert len(logged) > 100
    assert logged == stored
    integrity_ok(quick.home.db_path)
    assert not [e for e in quick.seen if isinstance(e, Notice)
                and e.title == "database write failed"]


@pytest.mark.timeout(60)
async def test_a_lock_that_lasts_stops_the_shift_with_one_sentence(
        quick: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink_module, "GIVE_UP_BUSY_S", 1.0)
    project = await quick.add_project("slow", env={"SHIFTTUI_FAKE_DELAY": "0.005"},
                                      max_budget_usd=100)
    shift = await quick.supervisor.start_shift(project.name)
    run = quick.supervisor._runs[shift.id]
    await _until(lambda: run.sink.count > 30, wall(10))
    pid = run.agent_pid
    async with Locker(quick.home.db_path):
        notice = await quick.wait_for(
            lambda e: isinstance(e, Notice) and e.title == "database write failed", wall(20))
        assert isinstance(notice, Notice)
        assert "locked" in notice.message and str(quick.home.db_path) in notice.message
        try:
            final = await asyncio.wait_for(quick.supervisor.wait(shift.id), wall(30))
        except DatabaseError as exc:  # the end could not be stored either: still one sentence
            assert "locked" in str(exc)
        else:
            assert final.status is ShiftStatus.ABANDONED
    assert shift.id not in quick.supervisor.running_ids()
    if pid:
        await _until(lambda: not Path(f"/proc/{pid}").exists()
                     or "zombie" in Path(f"/proc/{pid}/status").read_text().lower(), wall(5))
    # Recoverable: the row ended, or it is still `running` for recovery to resolve.
    assert (await quick.store.shifts.get(shift.id)).status in (ShiftStatus.ABANDONED,
                                                               ShiftStatus.RUNNING)
    integrity_ok(quick.home.db_path)


def _home_with_a_project(home: Path, project_dir: Path) -> None:
    done = shifttui(home, "project", "add", "p", str(project_dir))
    assert done.returncode == 0, done.stderr


COMMANDS = [("shifts",), ("project", "list"), ("run", "p"), ("status",)]


@pytest.mark.timeout(120)
def test_a_damaged_database_is_one_line_that_says_how_to_recover(
        tmp_path: Path, project_dir: Path) -> None:
    home = tmp_path / "h"
    _home_with_a_project(home, project_dir)
    db = home / "shifttui.db"
    conn = sqlite3.connect(db)
    roots = [r for (r,) in conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name IN ('projects', 'shifts')")]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(db, "r+b") as f:
        for root in roots:
            f.seek(page * (root - 1))
            f.write(b"\x17" * page)
    before = db.read_bytes()
    for command in COMMANDS:
        line = one_line_error(shifttui(home, *command, timeout=30))
        assert "damaged" in line and ".recover" in line and "nothing was changed" in line
    assert db.read_bytes() == before


@pytest.mark.timeout(90)
@pytest.mark.wallclock
def test_a_locked_database_with_a_dead_owners_shift_is_one_line_in_the_busy_timeout(
        tmp_path: Path, project_dir: Path) -> None:
    """Recovery must write; another process holds the lock. Before issue 17 every command
    printed its line and then hung (the store was never closed)."""
    home = tmp_path / "h"
    _home_with_a_project(home, project_dir)
    db = home / "shifttui.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO shifts (id, project_id, trigger, status, started_at, deadline, owner_pid,"
        " owner_token) VALUES ('20260101-000000-dead00', 'p', 'manual', 'running',"
        " '2026-01-01T00:00:00.000000Z', '2026-01-01T02:00:00.000000Z', 999999, '999999:1')")
    conn.commit()
    conn.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        line = one_line_error(shifttui(home, "shifts", timeout=60))
        took = time.monotonic() - started
        assert "locked" in line and str(db) in line
        assert took < wall(10 + 5), f"{took:.1f} s"  # the busy timeout, and a start-up
    finally:
        holder.communicate("", timeout=10)
    done = shifttui(home, "shifts")
    assert done.returncode == 0 and "interrupted" in done.stdout, done.stderr
    integrity_ok(db)


@pytest.fixture
def disk(tmp_path: Path) -> object:
    where = tmp_path / "disk"
    if not mount_tmpfs(where, "2m"):
        pytest.skip("needs root and tmpfs mounts for a real full or read-only filesystem")
    yield where
    unmount(where)


@pytest.mark.timeout(120)
def test_a_read_only_filesystem_is_one_line_for_every_command(
        disk: Path, project_dir: Path) -> None:
    home = disk / "h"
    _home_with_a_project(home, project_dir)
    remount(disk, "ro")
    try:
        for command in [*COMMANDS, ("project", "add", "q", str(project_dir))]:
            line = one_line_error(shifttui(home, *command, timeout=30))
            assert str(home) in line, line
    finally:
        remount(disk, "rw")
    assert shifttui(home, "project", "list").returncode == 0
    integrity_ok(home / "shifttui.db")


@pytest.mark.timeout(120)
def test_a_full_disk_is_one_line_and_the_next_command_works_once_there_is_room(
        disk: Path, project_dir: Path) -> None:
    home = disk / "h"
    _home_with_a_project(home, project_dir)
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass  # the disk is full
    line = one_line_error(shifttui(home, "project", "add", "q", str(project_dir),
                                   "--instructions", "x" * 20_000, timeout=30))
    assert "full" in line and str(home) in line, line
    filler.unlink()
    done = shifttui(home, "project", "add", "q", str(project_dir))
    assert done.returncode == 0, done.stderr
    integrity_ok(home / "shifttui.db")
