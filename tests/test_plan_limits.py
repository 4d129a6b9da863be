"""A subscription's plan windows through the real SDK and the fake CLI (issue 15): the gauges,
a rejection that pauses a shift until the reset, the scheduler resuming it there, runs held
while the window is exhausted, and the reserve for the user's own day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from agent_support import git_repo

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import (
    EventKind,
    FailureKind,
    Policy,
    Project,
    Shift,
    ShiftStatus,
    Trigger,
)
from shifttui.base.plan import WindowStatus
from shifttui.base.states import DecisionOutcome, DecisionReason
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.agent.plan_limits import BACKOFF, JITTER_S
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)

START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
RESET = START + timedelta(hours=2, minutes=12)


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    supervisor: Supervisor
    scheduler: Scheduler
    repo: Path
    seen: list[BusEvent]

    async def add(self, name: str, scenario: str, *, utilization: float | None = None,
                  **policy: object) -> Project:
        env = {"SHIFTTUI_FAKE_SCENARIO": scenario,
               "SHIFTTUI_FAKE_RESET_AT": str(int(RESET.timestamp())),
               **policy.pop("env", {})}  # type: ignore[dict-item]
        if utilization is not None:
            env["SHIFTTUI_FAKE_UTILIZATION"] = str(utilization)
        return await self.store.projects.add(
            name, str(self.repo), Policy(env=env, **policy),  # type: ignore[arg-type]
            self.clock.now())

    async def run(self, project: Project) -> Shift:
        shift = await self.supervisor.start_shift(project.id)
        return await asyncio.wait_for(self.supervisor.wait(shift.id), 30)

    async def decisions(self, project: Project) -> list[tuple[str, str, DecisionOutcome,
                                                              DecisionReason]]:
        return [(d.source, d.detail, d.outcome, d.reason) for d in
                reversed(await self.store.scheduling.decisions(project.id))]


async def _rig(home: Home, store: Store, fake_cli: Path, repo: Path,
               settings: Settings) -> AsyncIterator[Rig]:
    clock = FakeClock(START)
    bus = Bus()
    seen: list[BusEvent] = []
    bus.subscribe(seen.append)
    supervisor = Supervisor(store, home, settings, clock=clock, bus=bus, cli_path=str(fake_cli),
                            tick_s=0.1)
    scheduler = Scheduler(store, supervisor, settings, bus=bus, clock=clock, tz=UTC)
    try:
        yield Rig(store, clock, supervisor, scheduler, repo, seen)
    finally:
        await scheduler.close()
        await supervisor.shutdown()


@pytest.fixture
async def rig(home: Home, store: Store, fake_cli: Path, tmp_path: Path) -> AsyncIterator[Rig]:
    async for r in _rig(home, store, fake_cli, git_repo(tmp_path / "repo"),
                        Settings(max_concurrent_shifts=4)):
        yield r


@pytest.fixture
async def reserve_rig(home: Home, store: Store, fake_cli: Path,
                      tmp_path: Path) -> AsyncIterator[Rig]:
    async for r in _rig(home, store, fake_cli, git_repo(tmp_path / "repo"),
                        Settings(max_concurrent_shifts=4, plan_reserve_percent=10)):
        yield r


async def test_a_warning_is_stored_and_recorded_as_an_event(rig: Rig) -> None:
    final = await rig.run(await rig.add("p", "plan_warning"))
    assert final.status is ShiftStatus.COMPLETED
    state = await rig.store.plan.state()
    five, week = state.window("five_hour"), state.window("seven_day")
    assert five is not None and week is not None
    assert five.status is WindowStatus.WARNING and five.utilization == 0.91
    assert five.resets_at == RESET and five.shift_id == final.id
    assert five.seen_at == START  # the injected clock's time, not the wall clock's
    assert week.utilization == 0.4
    events = await rig.store.events.read(final.id, 0, 10_000)
    [plan] = [e for e in events if e.summary.startswith("plan:")]
    assert plan.kind is EventKind.SYSTEM
    assert "5h 91% (allowed_warning)" in plan.summary and "7d 40%" in plan.summary
    assert plan.payload["rate_limit_info"]["status"] == "allowed_warning"


async def test_a_rejection_pauses_the_shift_and_the_scheduler_resumes_it_at_the_reset(
    rig: Rig,
) -> None:
    project = await rig.add("p", "plan_limit", pause_after_failures=1)
    other = await rig.add("q", "normal", schedule="*/30 * * * *")
    await rig.scheduler.run_once()  # takes the lease; q's schedule counts from now
    final = await rig.run(project)

    assert final.status is ShiftStatus.INTERRUPTED
    assert final.failure_kind is FailureKind.RATE_LIMITED
    assert final.resume_at is not None
    assert RESET + timedelta(seconds=JITTER_S[0]) <= final.resume_at \
        <= RESET + timedelta(seconds=JITTER_S[1])
    assert "5-hour window is exhausted" in (final.error or "")
    assert (await rig.store.projects.get(project.id)).paused is False  # never counted
    [notice] = [e for e in rig.seen if isinstance(e, Notice) and e.shift_id == final.id
                and e.kind.startswith("shift_")]
    assert "continues at 20:1" in notice.message
    rejected = (await rig.store.plan.state()).window("five_hour")
    assert rejected is not None and rejected.status is WindowStatus.REJECTED

    # q's run at 18:30 falls due while the window is exhausted: held, and said so
    rig.clock.set(START + timedelta(minutes=30))
    await rig.scheduler.run_once()
    assert not [s for s in await rig.store.shifts.list(other.id)]
    [(source, detail, outcome, reason)] = await rig.decisions(other)
    assert (source, outcome, reason) == ("schedule", DecisionOutcome.HELD,
                                         DecisionReason.PLAN_LIMIT)
    assert detail.startswith("plan limit until 20:12")
    # p itself is not resumed before its time, and a later run of q is not held twice
    rig.clock.set(START + timedelta(minutes=60))
    await rig.scheduler.run_once()
    assert len(await rig.store.shifts.list(project.id)) == 1
    assert len(await rig.decisions(other)) == 2

    # the reset: q's held runs make one catch-up start; p continues its session at resume_at
    rig.clock.set(RESET + timedelta(seconds=1))
    await rig.scheduler.run_once()
    [caught_up] = await rig.store.shifts.list(other.id)
    assert caught_up.trigger is Trigger.SCHEDULED and "held by the plan" in (
        caught_up.reason or "")
    assert len(await rig.store.shifts.list(project.id)) == 1
    await asyncio.wait_for(rig.supervisor.wait(caught_up.id), 30)
    rig.clock.set(final.resume_at + timedelta(seconds=1))
    await rig.scheduler.run_once()
    resumed = [s for s in await rig.store.shifts.list(project.id) if s.id != final.id]
    assert len(resumed) == 1
    part = await asyncio.wait_for(rig.supervisor.wait(resumed[0].id), 30)
    assert part.trigger is Trigger.RESUME and part.parent_shift_id == final.id
    assert part.status is ShiftStatus.COMPLETED
    assert part.session_id == final.session_id  # the same Claude session carried on
    [_, _, started, reason] = (await rig.decisions(project))[-1]
    assert (started, reason) == (DecisionOutcome.STARTED, DecisionReason.FIRED)
    # nothing resumes it twice
    await rig.scheduler.run_once()
    assert len(await rig.store.shifts.list(project.id)) == 2


async def test_the_resume_is_told_the_window_reset(rig: Rig, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    project = await rig.add("p", "plan_limit", env={"SHIFTTUI_FAKE_TRACE": str(trace)})
    first = await rig.run(project)
    assert first.resume_at is not None
    rig.clock.set(first.resume_at)
    await rig.scheduler.run_once()
    [part] = [s for s in await rig.store.shifts.list(project.id) if s.id != first.id]
    await asyncio.wait_for(rig.supervisor.wait(part.id), 30)
    text = trace.read_text()
    assert "window has reset" in text and "carry on where you left off" in text


async def test_an_api_key_429_waits_and_an_overload_still_fails(rig: Rig) -> None:
    limited = await rig.run(await rig.add("p", "rate_limited", pause_after_failures=1))
    assert limited.status is ShiftStatus.INTERRUPTED
    assert limited.failure_kind is FailureKind.RATE_LIMITED
    assert limited.resume_at is not None
    assert START + BACKOFF <= limited.resume_at <= START + BACKOFF + timedelta(
        seconds=JITTER_S[1])
    assert "HTTP 429" in (limited.error or "")
    assert not (await rig.store.plan.state()).seen  # no events with an API key
    overloaded = await rig.run(await rig.add(
        "q", "rate_limited", env={"SHIFTTUI_FAKE_STATUS": "529"}))
    assert overloaded.status is ShiftStatus.FAILED
    assert overloaded.failure_kind is FailureKind.RATE_LIMITED
    assert overloaded.resume_at is None


async def test_the_reserve_wraps_up_a_running_shift_and_holds_scheduled_runs(
    reserve_rig: Rig,
) -> None:
    rig = reserve_rig
    project = await rig.add("p", "plan_steady", utilization=0.92, wrap_up_seconds=20)
    final = await rig.run(project)
    # crossing the reserve asked the agent for its handoff, and it gave one
    assert final.status is ShiftStatus.COMPLETED and final.forced
    events = await rig.store.events.read(final.id, 0, 100_000)
    assert any(e.summary.startswith("reserve:") and "10% reserve" in e.summary for e in events)
    handoff = await rig.store.handoffs.for_shift(final.id)
    assert handoff is not None and handoff.author.value == "agent"

    await rig.store.projects.update_policy(
        project.id, project.policy.model_copy(update={"schedule": "*/30 * * * *"}),
        rig.clock.now())
    await rig.scheduler.run_once()
    rig.clock.set(START + timedelta(minutes=30))
    await rig.scheduler.run_once()
    [(_, detail, outcome, reason)] = await rig.decisions(project)
    assert (outcome, reason) == (DecisionOutcome.HELD, DecisionReason.PLAN_RESERVE)
    assert detail.startswith("plan reserve: the 5-hour window is at 92%, 10% is kept for you")
    assert len(await rig.store.shifts.list(project.id)) == 1
    # a start by hand is the user's own choice (the app and `run` ask first)
    manual = await rig.run(await rig.store.projects.get(project.id))
    assert manual.status is ShiftStatus.COMPLETED
