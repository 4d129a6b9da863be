"""`shifttui daemon` and `shifttui trigger` as a user runs them: real processes, the real
supervisor and the project's fake Claude Code CLI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from agent_support import git_repo

from shifttui.base.config import Home
from shifttui.base.models import Policy, ShiftStatus, Trigger
from shifttui.store import Store
from shifttui.system.procs import pid_alive


class Proc:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    async def expect(self, needle: str, within: float = 10.0) -> str:
        """Read stdout until a line contains `needle` (lines read so far count too)."""
        for line in self.lines:
            if needle in line:
                return line
        assert self.proc.stdout is not None

        async def read() -> str:
            assert self.proc.stdout is not None
            while True:
                raw = await self.proc.stdout.readline()
                if not raw:
                    raise AssertionError(f"exited before {needle!r}; output: {self.lines}")
                line = raw.decode().rstrip("\n")
                self.lines.append(line)
                if needle in line:
                    return line

        return await asyncio.wait_for(read(), within)


def _env(fake_cli: Path) -> dict[str, str]:
    return {**os.environ, "SHIFTTUI_CLAUDE_CLI": str(fake_cli), "PYTHONUNBUFFERED": "1"}


async def shifttui(home: Home, fake_cli: Path, *args: str) -> Proc:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shifttui", "--home", str(home.root), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(fake_cli),
    )
    return Proc(proc)


@contextlib.asynccontextmanager
async def running_daemon(home: Home, fake_cli: Path) -> AsyncIterator[Proc]:
    """`shifttui daemon` holding the lease, stopped with SIGTERM at the end."""
    proc = await shifttui(home, fake_cli, "daemon")
    try:
        await proc.expect("scheduler active")
        yield proc
    finally:
        if proc.proc.returncode is None:
            proc.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.proc.wait(), 20)


async def run(home: Home, fake_cli: Path, *args: str) -> tuple[int, str, str]:
    p = await shifttui(home, fake_cli, *args)
    out, err = await asyncio.wait_for(p.proc.communicate(), 20)
    return p.proc.returncode or 0, out.decode(), err.decode()


@pytest.mark.timeout(30)
async def test_trigger_on_a_missing_project_is_one_line_exit_2(
    home: Home, fake_cli: Path
) -> None:
    code, out, err = await run(home, fake_cli, "trigger", "nope", "--reason", "x")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no project named 'nope'" in err


@pytest.mark.timeout(60)
async def test_daemon_runs_a_trigger_hands_over_and_stops_cleanly(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    pidfile = tmp_path / "agent.pids"
    home.update_config(claude_cli=str(fake_cli))
    async with await Store.open(home.db_path) as store:
        await store.projects.add(
            "demo", str(git_repo(tmp_path / "repo")),
            Policy(env={"SHIFTTUI_FAKE_SCENARIO": "slow", "SHIFTTUI_FAKE_PIDFILE": str(pidfile)}),
            datetime.now(UTC),
        )
    first = await shifttui(home, fake_cli, "daemon")
    second: Proc | None = None
    try:
        await first.expect("scheduler active")
        second = await shifttui(home, fake_cli, "daemon")
        standby = await second.expect("standing by")
        assert f"daemon (pid {first.proc.pid} on " in standby

        code, out, err = await run(home, fake_cli, "trigger", "demo", "--reason", "CI passed")
        assert code == 0 and "queued for demo" in out and err == ""
        started = await first.expect("[trigger] started", within=5)
        assert "CI passed" in started
        assert not [line for line in second.lines if "[trigger]" in line]

        async with await Store.open(home.db_path) as store:
            [shift] = await store.shifts.list("demo")
            assert (shift.trigger, shift.reason, shift.status) == (
                Trigger.EVENT, "CI passed", ShiftStatus.RUNNING)
            assert shift.owner_pid == first.proc.pid
        for _ in range(200):  # another process writes it: nothing to await
            if pidfile.exists():
                break
            await asyncio.sleep(0.05)
        agent_pid = int(pidfile.read_text().split()[0])
        assert pid_alive(agent_pid)

        first.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.proc.wait(), 20) == 0
        await first.expect("shifttui daemon stopped")
        # the released lease goes to the other daemon at its next tick
        await second.expect("scheduler active", within=5)
        async with await Store.open(home.db_path) as store:
            shift = await store.shifts.get(shift.id)
            assert shift.status is ShiftStatus.INTERRUPTED
        assert not pid_alive(agent_pid)
    finally:
        for p in (first, second):
            if p is not None and p.proc.returncode is None:
                p.proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(p.proc.wait(), 20)
    assert second is not None and second.proc.returncode == 0


@pytest.mark.timeout(30)
async def test_trigger_without_a_scheduler_is_queued_and_says_so(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    async with await Store.open(home.db_path) as store:
        project = await store.projects.add("demo", str(tmp_path), Policy(), datetime.now(UTC))
        await store.projects.set_paused(project.id, True, "by hand", datetime.now(UTC))
    code, out, err = await run(home, fake_cli, "trigger", "demo", "--reason", "two\nlines")
    assert code == 0 and "queued for demo" in out
    assert "demo is paused" in err and "no scheduler is running" in err
    async with await Store.open(home.db_path) as store:
        [request] = await store.scheduling.pending_triggers()
        assert (request.project_id, request.source, request.reason) == ("demo", "cli",
                                                                        "two lines")
