"""The plan windows with the REAL bundled Claude Code CLI, offline (issue 15): subscription auth
(CLAUDE_CODE_OAUTH_TOKEN, no API key) against the loopback API, whose responses carry the
`anthropic-ratelimit-unified-*` headers the CLI turns into RateLimitEvents."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import claude_agent_sdk
import pytest
from agent_support import git_repo
from loopback_api import LoopbackAPI, Turn, bash, call, cli_env, say, unified_headers

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import FailureKind, Policy, ShiftStatus, Trigger
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.agent.plan_limits import JITTER_S
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

BUNDLED_CLI = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
COMPLETE = "mcp__shift__complete_shift"
HANDOFF = {"summary": "Carried on after the reset and finished", "completed": ["a.txt"]}

pytestmark = [
    pytest.mark.real_cli,
    pytest.mark.timeout(90),
    pytest.mark.skipif(not BUNDLED_CLI.exists(), reason="the SDK wheel has no bundled CLI"),
]


async def _usage_json(home: Home) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shifttui", "--home", str(home.root), "usage", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


async def test_a_rejection_waits_for_the_reset_and_the_scheduler_carries_on(
    store: Store, home: Home, tmp_path: Path,
) -> None:
    reset = int(time.time()) + 2 * 3600
    warning = unified_headers(status="allowed_warning", five_hour=0.91, five_hour_reset=reset,
                              seven_day=0.4, surpassed=0.9)
    rejected = unified_headers(status="rejected", five_hour=1.0, five_hour_reset=reset,
                               seven_day=0.4)
    script = [
        Turn(bash("echo a > a.txt").blocks, headers=warning),
        Turn(status=429, error_message="rate limited", headers=rejected),
        Turn(call(COMPLETE, HANDOFF).blocks),
        say("Handoff done."),
    ]
    clock = FakeClock(datetime.now(UTC))
    settings = Settings()
    async with LoopbackAPI(script) as api:
        repo = git_repo(tmp_path / "repo")
        env = cli_env(api, tmp_path / "clihome", oauth=True)
        await store.projects.add("real", str(repo), Policy(env=env), clock.now())
        supervisor = Supervisor(store, home, settings, clock=clock, tick_s=0.1)
        scheduler = Scheduler(store, supervisor, settings, clock=clock, tz=UTC)
        try:
            first = await supervisor.start_shift("real")
            first = await asyncio.wait_for(supervisor.wait(first.id), 60)
            assert first.status is ShiftStatus.INTERRUPTED, first.error
            assert first.failure_kind is FailureKind.RATE_LIMITED
            at = datetime.fromtimestamp(reset, UTC)
            assert first.resume_at is not None
            assert at + timedelta(seconds=JITTER_S[0]) <= first.resume_at \
                <= at + timedelta(seconds=JITTER_S[1])

            usage = await _usage_json(home)
            windows = {w["type"]: w for w in usage["windows"]}  # type: ignore[attr-defined]
            assert windows["five_hour"]["status"] == "rejected"
            assert windows["five_hour"]["resets_at"] == at.isoformat().replace("+00:00", "Z")
            assert windows["seven_day"]["utilization"] == 0.4
            [resume] = usage["resumes"]  # type: ignore[misc]
            assert resume["shift_id"] == first.id

            await scheduler.run_once()  # before the reset: nothing resumes
            assert len(await store.shifts.list()) == 1
            clock.set(first.resume_at)
            await scheduler.run_once()
            [second] = [s for s in await store.shifts.list() if s.id != first.id]
            second = await asyncio.wait_for(supervisor.wait(second.id), 60)
        finally:
            await scheduler.close()
            await supervisor.shutdown()
    assert second.trigger is Trigger.RESUME and second.parent_shift_id == first.id
    assert second.status is ShiftStatus.COMPLETED, second.error
    assert second.session_id == first.session_id
    resumed_prompt = api.main_requests[2]
    assert "window has reset" in json.dumps(resumed_prompt.json)
    assert api.script.overruns == 0


async def test_a_warning_shows_in_usage(store: Store, home: Home, tmp_path: Path) -> None:
    reset = int(time.time()) + 3600
    warning = unified_headers(status="allowed_warning", five_hour=0.93, five_hour_reset=reset,
                              seven_day=0.5, surpassed=0.9)
    script = [Turn(call(COMPLETE, HANDOFF).blocks, headers=warning), say("Done.")]
    async with LoopbackAPI(script) as api:
        env = cli_env(api, tmp_path / "clihome", oauth=True)
        await store.projects.add("real", str(git_repo(tmp_path / "repo")), Policy(env=env),
                                 datetime.now(UTC))
        supervisor = Supervisor(store, home, Settings(), tick_s=0.1)
        try:
            shift = await supervisor.start_shift("real")
            final = await asyncio.wait_for(supervisor.wait(shift.id), 60)
        finally:
            await supervisor.shutdown()
    assert final.status is ShiftStatus.COMPLETED, final.error
    usage = await _usage_json(home)
    [five] = [w for w in usage["windows"] if w["type"] == "five_hour"]  # type: ignore[attr-defined]
    assert five["status"] == "allowed_warning" and five["utilization"] == 0.93
