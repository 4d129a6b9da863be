"""The scheduler over the real Supervisor and the fake Claude Code CLI: a scheduled shift runs
to completion and fires an `after` trigger; crashing shifts auto-pause the project."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from agent_support import git_repo

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import Policy, Project, Shift, ShiftStatus, Trigger, Triggers
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    supervisor: Supervisor
    scheduler: Scheduler
    repo: Path
    seen: list[BusEvent]

    async def add(self, name: str, scenario: str, **policy: object) -> Project:
        env = {"SHIFTTUI_FAKE_SCENARIO": scenario, **policy.pop("env", {})}  # type: ignore[dict-item]
        return await self.store.projects.add(
            name, str(self.repo), Policy(env=env, **policy),  # type: ignore[arg-type]
            self.clock.now(),
        )

    async def tick(self, seconds: float = 1.0) -> None:
        self.clock.advance(seconds)
        await self.scheduler.run_once()

    async def started(self, project_id: str) -> list[Shift]:
        return await self.store.shifts.list(project_id)


@pytest.fixture
async def rig(
    home: Home, store: Store, clock: FakeClock, fake_cli: Path, tmp_path: Path
) -> AsyncIterator[Rig]:
    bus = Bus()
    seen: list[BusEvent] = []
    bus.subscribe(seen.append)
    settings = Settings(max_concurrent_shifts=4)
    supervisor = Supervisor(store, home, settings, clock=clock, bus=bus, cli_path=str(fake_cli),
                            tick_s=0.1)
    scheduler = Scheduler(store, supervisor, settings, bus=bus, clock=clock,
                          tz=ZoneInfo("Europe/Berlin"))
    try:
        yield Rig(store, clock, supervisor, scheduler, git_repo(tmp_path / "repo"), seen)
    finally:
        await scheduler.close()
        await supervisor.shutdown()


async def test_scheduled_shift_completes_and_fires_the_after_trigger(rig: Rig) -> None:
    rig.clock.set(rig.clock.now().replace(second=30))
    upstream = await rig.add("upstream", "normal", schedule="* * * * *")
    follower = await rig.add("follower", "normal", triggers=Triggers(after=["upstream"]))
    await rig.scheduler.run_once()
    await rig.tick(30.3)  # the next minute
    [shift] = await rig.started(upstream.id)
    assert shift.trigger is Trigger.SCHEDULED
    final = await asyncio.wait_for(rig.supervisor.wait(shift.id), 20)
    assert final.status is ShiftStatus.COMPLETED
    await rig.tick()
    [follow] = await rig.started(follower.id)
    assert follow.trigger is Trigger.EVENT and shift.id in (follow.reason or "")
    assert (await asyncio.wait_for(rig.supervisor.wait(follow.id), 20)).status is \
        ShiftStatus.COMPLETED
    outcomes = [(d.project_id, d.source, d.outcome) for d in
                reversed(await rig.store.scheduling.decisions())]
    assert outcomes == [(upstream.id, "schedule", "started"), (follower.id, "after", "started")]


@pytest.mark.parametrize(("scenario", "paused"), [("crash", True), ("rate_limited", False)])
async def test_failing_shifts_auto_pause_only_when_they_count(
    rig: Rig, scenario: str, paused: bool
) -> None:
    # An overloaded API (529) fails as rate_limited; a 429 would be a pause instead.
    project = await rig.add("p", scenario, pause_after_failures=2,
                            env={"SHIFTTUI_FAKE_STATUS": "529"})
    await rig.scheduler.run_once()
    for _ in range(3):
        await rig.store.scheduling.request_trigger(project.id, now=rig.clock.now(),
                                                   source="test", reason="again")
        await rig.tick()
        latest = (await rig.started(project.id))[0]
        if latest.status is ShiftStatus.RUNNING:
            await asyncio.wait_for(rig.supervisor.wait(latest.id), 20)
        await rig.scheduler.settle()
    shifts = await rig.started(project.id)
    assert all(s.status is ShiftStatus.FAILED for s in shifts)
    after = await rig.store.projects.get(project.id)
    assert after.paused is paused
    notices = [e for e in rig.seen if isinstance(e, Notice) and e.kind == "auto_paused"]
    assert len(notices) == int(paused)
    if paused:
        # the third request met a paused project: it was recorded, not started
        assert len(shifts) == 2
        latest_decision = (await rig.store.scheduling.decisions(project.id))[0]
        assert latest_decision.outcome == "skipped" and "paused" in latest_decision.detail
    else:
        assert len(shifts) == 3
