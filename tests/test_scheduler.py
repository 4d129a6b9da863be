"""The scheduler with a fake clock and a fake starter: cron forms, DST, catch-up, every skip
and defer reason, the daily budget, and the scheduler's state for the UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Settings
from shifttui.base.models import CatchUp, Policy, Project, Trigger
from shifttui.scheduling.budget import BudgetLevel, daily_budget_state
from shifttui.scheduling.cron import next_fires
from shifttui.scheduling.scheduler import Scheduler
from shifttui.scheduling.views import (
    SchedulerRole,
    format_decision,
    next_fire_for,
    scheduler_state,
    timeline,
)
from shifttui.store import Store
from tests.scheduler_support import FakeStarter, finish

pytestmark = pytest.mark.timeout(30)

BERLIN = ZoneInfo("Europe/Berlin")
SEC = timedelta(seconds=1)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


async def add(
    store: Store, clock: FakeClock, name: str, schedule: str | None = None, **policy: object
) -> Project:
    return await store.projects.add(
        name, f"/tmp/{name}", Policy(schedule=schedule, **policy), clock.now()  # type: ignore[arg-type]
    )


def make(
    store: Store, clock: FakeClock, *, settings: Settings | None = None, bus: Bus | None = None,
    starter: FakeStarter | None = None,
) -> tuple[Scheduler, FakeStarter]:
    starter = starter or FakeStarter(store, clock)
    sched = Scheduler(store, starter, settings or Settings(max_concurrent_shifts=8),
                      bus=bus or Bus(), clock=clock, tz=BERLIN)
    return sched, starter


def minutes(start: datetime, end: datetime, match: Callable[[datetime], bool]) -> list[datetime]:
    """Every real minute in (start, end] whose Berlin wall time matches: an oracle that does
    not use croniter."""
    out = []
    t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= end:
        if match(t.astimezone(BERLIN)):
            out.append(t)
        t += timedelta(minutes=1)
    return out


async def simulate(
    sched: Scheduler, clock: FakeClock, end: datetime, expected: list[datetime],
    step: timedelta = timedelta(minutes=7),
) -> None:
    """Tick every `step`, and just before and just after each expected due time."""
    start = clock.now()
    points = set()
    t = start
    while t <= end:
        points.add(t)
        t += step
    for due in expected:
        points |= {due - SEC, due + timedelta(milliseconds=900)}
    for point in sorted(p for p in points if start <= p <= end + SEC):
        clock.set(point)
        await sched.run_once(point)


def assert_fired_on_time(starter: FakeStarter, expected: list[datetime]) -> None:
    fired = [c.at for c in starter.calls]
    assert len(fired) == len(expected), (len(fired), len(expected))
    for due, at in zip(expected, fired, strict=True):
        assert timedelta(0) <= at - due < SEC, (due, at)
    assert all(c.trigger is Trigger.SCHEDULED for c in starter.calls)


@pytest.mark.parametrize(
    ("expr", "start", "end", "match"),
    [
        ("* * * * *", berlin(2026, 11, 20, 8, 59, 30), berlin(2026, 11, 20, 9, 31),
         lambda t: True),
        ("*/15 9-17 * * 1-5", berlin(2026, 11, 20, 6, 0), berlin(2026, 11, 23, 10, 0),
         lambda t: t.minute % 15 == 0 and 9 <= t.hour <= 17 and t.weekday() < 5),
        ("0 3 * * *", berlin(2026, 11, 20, 12, 0), berlin(2026, 11, 23, 12, 0),
         lambda t: t.hour == 3 and t.minute == 0),
    ],
)
async def test_fires_at_the_due_minute(
    store: Store, clock: FakeClock, expr: str, start: datetime, end: datetime,
    match: Callable[[datetime], bool],
) -> None:
    clock.set(start)
    project = await add(store, clock, "p", expr)
    sched, starter = make(store, clock)
    expected = minutes(start, end, match)
    assert expected
    await simulate(sched, clock, end, expected)
    assert_fired_on_time(starter, expected)
    decisions = await store.scheduling.decisions(project.id, limit=1000)
    assert [d.outcome for d in decisions] == ["started"] * len(expected)
    assert {d.shift_id for d in decisions} == {c.shift_id for c in starter.calls}


@pytest.mark.parametrize(
    ("day", "expr", "expected"),
    [
        # spring forward: 02:00-02:59 does not exist; the 02:30 run happens at 03:30 CEST
        ((2026, 3, 29), "30 2 * * *", [berlin(2026, 3, 29, 3, 30)]),
        # fall back: 02:30 happens twice; a fixed-time job runs once (the first)
        ((2026, 10, 25), "30 2 * * *", [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]),
        ((2026, 3, 29), "0 3 * * *", [berlin(2026, 3, 29, 3, 0)]),
        ((2026, 10, 25), "0 3 * * *", [berlin(2026, 10, 25, 3, 0)]),
    ],
)
async def test_dst_day_fixed_time_runs_exactly_once(
    store: Store, clock: FakeClock, day: tuple[int, int, int], expr: str,
    expected: list[datetime],
) -> None:
    start = berlin(*day, 0, 0)
    clock.set(start)
    await add(store, clock, "p", expr)
    sched, starter = make(store, clock)
    await simulate(sched, clock, start + timedelta(hours=22), expected, step=timedelta(minutes=5))
    assert_fired_on_time(starter, expected)


@pytest.mark.parametrize("day", [(2026, 3, 29), (2026, 10, 25)])
async def test_dst_day_hourly_runs_every_real_hour(
    store: Store, clock: FakeClock, day: tuple[int, int, int]
) -> None:
    start = berlin(*day, 0, 0)
    end = berlin(day[0], day[1], day[2] + 1, 0, 0)
    clock.set(start)
    await add(store, clock, "p", "0 * * * *")
    sched, starter = make(store, clock)
    expected = minutes(start, end, lambda t: t.minute == 0)
    # 23 real hours on the spring day, 25 on the autumn day
    assert len(expected) == (23 if day[1] == 3 else 25)
    await simulate(sched, clock, end, expected, step=timedelta(minutes=10))
    assert_fired_on_time(starter, expected)


async def test_a_due_time_fires_once_across_restarts(store: Store, clock: FakeClock) -> None:
    clock.set(berlin(2026, 11, 20, 9, 0, 30))
    await add(store, clock, "p", "* * * * *")
    first, starter = make(store, clock)
    clock.set(berlin(2026, 11, 20, 9, 1, 0, 200000))
    await first.run_once()
    await first.close()
    # a new instance (the app reopened) at the same moment must not fire 09:01 again
    second, _ = make(store, clock, starter=starter)
    await second.run_once()
    clock.advance(0.5)
    await second.run_once()
    assert len(starter.calls) == 1


@pytest.mark.parametrize("policy", [CatchUp.SKIP, CatchUp.ONCE])
async def test_catch_up(store: Store, clock: FakeClock, policy: CatchUp) -> None:
    clock.set(berlin(2026, 11, 20, 9, 5))
    project = await add(store, clock, "p", "0 * * * *", catch_up=policy)
    sched, starter = make(store, clock)
    await sched.run_once()
    await sched.close()
    # shifttui is closed from 09:05 until 13:20: runs at 10, 11, 12, 13 are missed
    clock.set(berlin(2026, 11, 20, 13, 20))
    reopened, _ = make(store, clock, starter=starter)
    await reopened.run_once()
    clock.advance(30)
    await reopened.run_once()
    decisions = await store.scheduling.decisions(project.id)
    assert len(decisions) == 1
    decision = decisions[0]
    assert "missed 4 runs" in decision.detail
    if policy is CatchUp.SKIP:
        assert decision.outcome == "skipped" and not starter.calls
    else:
        assert decision.outcome == "started"
        assert [c.trigger for c in starter.calls] == [Trigger.SCHEDULED]
        assert decision.shift_id == starter.calls[0].shift_id
    # and the next regular run still happens
    clock.set(berlin(2026, 11, 20, 14, 0, 0, 500000))
    await reopened.run_once()
    assert len(starter.calls) == (1 if policy is CatchUp.SKIP else 2)


async def test_skipped_when_the_project_already_runs(store: Store, clock: FakeClock) -> None:
    clock.set(berlin(2026, 11, 20, 9, 0, 30))
    project = await add(store, clock, "p", "* * * * *")
    sched, starter = make(store, clock)
    starter.end = None  # shifts keep running
    for minute in (1, 2, 3):
        clock.set(berlin(2026, 11, 20, 9, minute, 0, 300000))
        await sched.run_once()
    assert len(starter.calls) == 1
    decisions = list(reversed(await store.scheduling.decisions(project.id)))
    assert [f"{d.outcome}: {d.detail.split(';')[0]}" for d in decisions] == [
        "started: due 2026-11-20 09:01",
        "skipped: shift already running", "skipped: shift already running",
    ]


async def test_deferred_at_the_concurrency_limit_starts_once_when_a_slot_frees(
    store: Store, clock: FakeClock
) -> None:
    clock.set(berlin(2026, 11, 20, 9, 0, 30))
    busy = await add(store, clock, "busy")
    project = await add(store, clock, "p", "* * * * *")
    sched, starter = make(store, clock, settings=Settings(max_concurrent_shifts=1))
    starter.end = None
    blocker = await starter.start_shift(busy.id)
    for minute in (1, 2, 3, 4):
        clock.set(berlin(2026, 11, 20, 9, minute, 0, 300000))
        await sched.run_once()
    assert [c.project_id for c in starter.calls] == [busy.id]
    await finish(store, blocker.id, clock.now())
    clock.advance(1)
    await sched.run_once()
    clock.advance(1)
    await sched.run_once()
    started = [c for c in starter.calls if c.project_id == project.id]
    assert len(started) == 1
    decisions = list(reversed(await store.scheduling.decisions(project.id)))
    outcomes = [d.outcome for d in decisions]
    assert outcomes == ["deferred", "skipped", "skipped", "skipped", "started"]
    assert decisions[0].detail.startswith("concurrency limit")
    assert "waiting for a free slot" in decisions[1].detail
    assert "deferred since" in decisions[-1].detail


async def test_skipped_when_paused(store: Store, clock: FakeClock) -> None:
    clock.set(berlin(2026, 11, 20, 9, 0, 30))
    project = await add(store, clock, "p", "* * * * *")
    await store.projects.set_paused(project.id, True, "operator said so", clock.now())
    sched, starter = make(store, clock)
    clock.set(berlin(2026, 11, 20, 9, 1, 0, 300000))
    await sched.run_once()
    assert not starter.calls
    [decision] = await store.scheduling.decisions(project.id)
    assert (decision.outcome, decision.detail.split(";")[0]) == (
        "skipped", "paused (operator said so)")
    # a disabled project's schedule is silent: nothing starts and nothing is logged
    await store.projects.set_paused(project.id, False, None, clock.now())
    await store.projects.update_policy(project.id, Policy(schedule="* * * * *", enabled=False),
                                      clock.now())
    clock.set(berlin(2026, 11, 20, 9, 2, 0, 300000))
    await sched.run_once()
    assert not starter.calls and len(await store.scheduling.decisions(project.id)) == 1


async def test_daily_budget_warning_and_stop(store: Store, clock: FakeClock) -> None:
    clock.set(berlin(2026, 11, 20, 9, 0, 30))
    spender = await add(store, clock, "spender")
    project = await add(store, clock, "p", "0 * * * *")
    notices: list[Notice] = []
    bus = Bus()

    def collect(event: BusEvent) -> None:
        if isinstance(event, Notice) and event.kind == "daily_budget":
            notices.append(event)

    bus.subscribe(collect)
    settings = Settings(daily_budget_usd=10.0, max_concurrent_shifts=8)
    sched, starter = make(store, clock, settings=settings, bus=bus)
    starter.end = None
    spent = await starter.start_shift(spender.id)
    await store.shifts.update_progress(spent.id, cost_usd=7.4, tokens_in=0, tokens_out=0,
                                       num_turns=1)
    await sched.run_once()
    assert notices == []
    state = await daily_budget_state(store, settings, clock.now(), BERLIN)
    assert (state.level, state.needs_confirmation) == (BudgetLevel.OK, False)

    await store.shifts.update_progress(spent.id, cost_usd=7.6, tokens_in=0, tokens_out=0,
                                       num_turns=1)
    await sched.run_once()
    await sched.run_once()
    assert [(n.severity, n.data["level"]) for n in notices] == [("warning", "warning")]

    await store.shifts.update_progress(spent.id, cost_usd=10.0, tokens_in=0, tokens_out=0,
                                       num_turns=1)
    await finish(store, spent.id, clock.now())
    clock.set(berlin(2026, 11, 20, 10, 0, 0, 400000))
    await sched.run_once()
    assert [n.data["level"] for n in notices] == ["warning", "exhausted"]
    state = await daily_budget_state(store, settings, clock.now(), BERLIN)
    assert state.level is BudgetLevel.EXHAUSTED and state.needs_confirmation
    assert [c.project_id for c in starter.calls] == [spender.id]
    [decision] = await store.scheduling.decisions(project.id)
    assert decision.outcome == "skipped" and decision.detail.startswith("daily budget reached")
    # still refused at 23:00 Berlin, allowed again after local midnight
    clock.set(berlin(2026, 11, 20, 23, 0, 0, 400000))
    await sched.run_once()
    clock.set(berlin(2026, 11, 21, 0, 0, 0, 400000))
    await sched.run_once()
    assert [c.project_id for c in starter.calls] == [spender.id, project.id]
    state = await daily_budget_state(store, settings, clock.now(), BERLIN)
    assert state.level is BudgetLevel.OK and state.spent_usd == 0


async def test_views_next_fire_state_and_timeline(store: Store, clock: FakeClock) -> None:
    clock.set(berlin(2026, 11, 20, 9, 10))
    hourly = await add(store, clock, "hourly", "0 * * * *")
    nightly = await add(store, clock, "nightly", "0 3 * * *")
    paused = await add(store, clock, "paused", "* * * * *")
    paused = await store.projects.set_paused(paused.id, True, None, clock.now())
    starter = FakeStarter(store, clock, end=None)
    shift = await starter.start_shift(hourly.id)
    await store.shifts.update_progress(shift.id, cost_usd=2.0, tokens_in=0, tokens_out=0,
                                       num_turns=1)
    await finish(store, shift.id, clock.now())
    now = clock.now()
    assert next_fire_for(hourly, now, BERLIN) == berlin(2026, 11, 20, 10, 0)
    assert next_fire_for(nightly, now, BERLIN) == berlin(2026, 11, 21, 3, 0)
    assert next_fire_for(paused, now, BERLIN) is None
    assert next_fires("0 3 * * *", now, BERLIN, 3)[-1] == berlin(2026, 11, 23, 3, 0)

    settings = Settings(daily_budget_usd=20.0)
    line = await timeline(store, settings, now, BERLIN)
    assert [e.project_id for e in line.entries].count(hourly.id) == 24
    assert [e.project_id for e in line.entries].count(nightly.id) == 1
    assert paused.id not in {e.project_id for e in line.entries}
    assert [e.at for e in line.entries] == sorted(e.at for e in line.entries)
    assert line.projected_total_usd == pytest.approx(48.0)
    # today $2 spent, each hourly run ~$2: runs from 19:00 on would meet the $20 budget, and
    # the budget starts again at midnight
    over = [e.at for e in line.entries if not e.within_budget]
    assert over and min(over) == berlin(2026, 11, 20, 19, 0)
    assert berlin(2026, 11, 21, 0, 0) not in over

    off = await scheduler_state(store, settings, now, BERLIN)
    assert off.role is SchedulerRole.OFF
    sched, _ = make(store, clock, settings=settings, starter=starter)
    await sched.run_once()
    mine = await scheduler_state(store, settings, now, BERLIN, me=sched.lease.holder)
    theirs = await scheduler_state(store, settings, now, BERLIN)
    assert mine.role is SchedulerRole.ACTIVE
    assert theirs.role is SchedulerRole.STANDBY and theirs.lease is not None
    assert f"pid {theirs.lease.pid}" in theirs.describe()
    assert "$2.00 of $20.00" in theirs.describe()
    decisions = await store.scheduling.decisions()
    assert all(format_decision(d, BERLIN) for d in decisions)


async def test_due_marks_and_trigger_requests_are_taken_once(
    store: Store, clock: FakeClock
) -> None:
    project = await add(store, clock, "p", "* * * * *")
    t0 = clock.now()
    t1, t2 = t0 + timedelta(minutes=1), t0 + timedelta(minutes=2)
    marks = store.scheduling
    assert await marks.claim_due(project.id, None, t0)
    assert not await marks.claim_due(project.id, None, t1)
    assert await marks.claim_due(project.id, t0, t1)
    assert not await marks.claim_due(project.id, t0, t2)  # another scheduler moved it first
    assert await marks.last_due(project.id) == t1
    rid = await marks.request_trigger(project.id, now=t0, source="cli", reason=None)
    assert await marks.claim_trigger(rid, t0)
    assert not await marks.claim_trigger(rid, t0)
