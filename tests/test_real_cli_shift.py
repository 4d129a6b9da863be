"""Whole shifts through the Supervisor with the REAL bundled Claude Code CLI, offline.

The CLI talks to the scripted Messages API in tests/loopback_api.py; shifttui's own options,
guard hook, in-process `shift` tools and stop path are what is under test here.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import claude_agent_sdk
import pytest
from agent_support import git_repo, wait_pid_gone
from isolation_support import fingerprint, git, make_dirty
from loopback_api import LoopbackAPI, bash, call, cli_env, endless, fail, say
from timing import wall

from shifttui.base.config import Home, Settings
from shifttui.base.models import Author, EventKind, FailureKind, Policy, ShiftStatus
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

BUNDLED_CLI = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
COMPLETE = "mcp__shift__complete_shift"
HANDOFF = {"summary": "Wrote out.txt with a greeting", "completed": ["out.txt"],
           "next_steps": ["extend the greeting"]}

pytestmark = [
    pytest.mark.real_cli,
    pytest.mark.timeout(60),
    pytest.mark.skipif(not BUNDLED_CLI.exists(), reason="the SDK wheel has no bundled CLI"),
]


async def _supervisor(store: Store, home: Home) -> Supervisor:
    # cli_path None and no SHIFTTUI_CLAUDE_CLI: the CLI bundled with the SDK, as for users.
    return Supervisor(store, home, Settings(), tick_s=0.1)


async def _project(store: Store, tmp_path: Path, api: LoopbackAPI, **policy: object) -> str:
    repo = git_repo(tmp_path / "repo")
    env = cli_env(api, tmp_path / "clihome")
    await store.projects.add("real", str(repo), Policy(env=env, **policy),  # type: ignore[arg-type]
                             datetime.now(UTC))
    return "real"


async def test_real_cli_shift_runs_bash_and_completes(store: Store, home: Home,
                                                     tmp_path: Path) -> None:
    async with LoopbackAPI([bash("echo hello > out.txt"), call(COMPLETE, HANDOFF),
                            say("Handoff done.")]) as api:
        name = await _project(store, tmp_path, api)
        make_dirty(tmp_path / "repo")  # the user's own work in progress
        before = fingerprint(tmp_path / "repo")
        supervisor = await _supervisor(store, home)
        shift = await supervisor.start_shift(name)
        final = await asyncio.wait_for(supervisor.wait(shift.id), 45)
    assert final.status is ShiftStatus.COMPLETED, final.error
    # The shift worked on the work branch; the user's checkout is exactly as it was.
    assert fingerprint(tmp_path / "repo") == before
    assert final.workdir and final.branch and final.files_changed == ["out.txt"]
    assert git(Path(final.workdir), "show", f"{final.branch}:out.txt") == "hello"
    handoff = await store.handoffs.for_shift(final.id)
    assert handoff is not None and handoff.author is Author.AGENT
    assert handoff.summary == HANDOFF["summary"] and "out.txt" in handoff.files_changed
    events = await store.events.read(final.id, 0, 10_000)
    assert any(e.kind is EventKind.TOOL_USE and "echo hello" in e.summary for e in events)
    assert any(e.kind is EventKind.SYSTEM and "session started" in e.summary for e in events)
    # our shift protocol reached the model as part of Claude Code's system prompt
    assert "complete_shift" in api.main_requests[0].system_text()
    assert final.session_id and final.cost_usd > 0
    await wait_pid_gone(final.agent_pid)


async def test_real_cli_git_push_is_denied_and_the_agent_is_told(store: Store, home: Home,
                                                                tmp_path: Path) -> None:
    async with LoopbackAPI([bash("git push origin main"), call(COMPLETE, HANDOFF),
                            say("ok")]) as api:
        name = await _project(store, tmp_path, api)
        supervisor = await _supervisor(store, home)
        shift = await supervisor.start_shift(name)
        final = await asyncio.wait_for(supervisor.wait(shift.id), 45)
        second = api.main_requests[1]
    events = await store.events.read(final.id, 0, 10_000)
    violations = [e for e in events if e.kind is EventKind.VIOLATION]
    assert violations and "git push" in violations[0].summary
    assert "denied by this project's policy" in json.dumps(second.tool_results())
    assert final.status is ShiftStatus.COMPLETED
    await wait_pid_gone(final.agent_pid)


@pytest.mark.wallclock
async def test_real_cli_abandon_mid_stream_leaves_no_process(store: Store, home: Home,
                                                            tmp_path: Path) -> None:
    async with LoopbackAPI([endless()]) as api:
        name = await _project(store, tmp_path, api)
        supervisor = await _supervisor(store, home)
        shift = await supervisor.start_shift(name)
        await asyncio.wait_for(api.streaming.wait(), 30)
        pid = supervisor._runs[shift.id].agent_pid
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        final = await supervisor.abandon(shift.id, "changed my mind")
        gone_after = await wait_pid_gone(pid, timeout=wall(2.0))
        assert loop.time() - t0 + gone_after < wall(1.5)
    assert final.status is ShiftStatus.ABANDONED


async def test_real_cli_401_is_an_auth_failure(store: Store, home: Home, tmp_path: Path) -> None:
    async with LoopbackAPI([fail(401)]) as api:
        name = await _project(store, tmp_path, api)
        supervisor = await _supervisor(store, home)
        shift = await supervisor.start_shift(name)
        final = await asyncio.wait_for(supervisor.wait(shift.id), 45)
    assert final.status is ShiftStatus.FAILED and final.failure_kind is FailureKind.AUTH
    await wait_pid_gone(final.agent_pid)
