"""Idle work is proportional to what changes: the database's change stamp, the scheduler's
idle tick (no reads, no heartbeat every tick) and the view of other processes' shifts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.bus import Bus, BusEvent, ShiftStarted
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import Policy, Trigger
from shifttui.runtime.mirror import ForeignShifts
from shifttui.scheduling.lease import LEASE_TTL_S, RENEW_FRACTION
from shifttui.scheduling.scheduler import Scheduler
from shifttui.store import Store
from tests.scheduler_support import FakeStarter

pytestmark = pytest.mark.timeout(30)


class Counting:
    """Counts the calls of some of a repository's methods (the store stays real)."""

    def __init__(self, target: Any, *names: str) -> None:
        self.calls = {n: 0 for n in names}
        for name in names:
            original = getattr(target, name)

            def wrapper(*a: Any, _o: Any = original, _n: str = name, **k: Any) -> Any:
                self.calls[_n] += 1
                return _o(*a, **k)

            setattr(target, name, wrapper)


async def test_the_stamp_moves_on_every_write_but_a_heartbeat(home: Home, store: Store,
                                                               clock: FakeClock) -> None:
    first = await store.changes.stamp()
    assert await store.changes.stamp() == first
    await store.projects.add("mine", "/tmp/mine", Policy(), clock.now())
    mine = await store.changes.stamp()
    assert mine != first  # this connection wrote
    async with await Store.open(home.db_path) as other:
        await other.projects.add("theirs", "/tmp/theirs", Policy(), clock.now())
    theirs = await store.changes.stamp()
    assert theirs.others != mine.others  # another connection wrote
    sched = Scheduler(store, FakeStarter(store, clock), Settings(), clock=clock)
    await sched.lease.renew(clock.now())  # taking the lease: others must hear of it
    taken = await store.changes.stamp()
    assert taken != theirs
    await sched.lease.renew(clock.now())  # renewing it: a heartbeat, no news
    assert await store.changes.stamp() == taken


async def test_an_idle_tick_reads_nothing_and_renews_the_lease_only_when_due(
    home: Home, store: Store, clock: FakeClock
) -> None:
    for i in range(5):
        await store.projects.add(f"p{i}", f"/tmp/p{i}", Policy(schedule="0 3 * * *"),
                                 clock.now())
    starter = FakeStarter(store, clock)
    sched = Scheduler(store, starter, Settings(), clock=clock, tz=ZoneInfo("Europe/Berlin"))
    await sched.run_once()
    await sched.run_once()  # the first tick's own writes (schedule marks) are read once more
    projects = Counting(store.projects, "list")
    leases = Counting(store.scheduling, "acquire_lease", "pending_triggers")
    renew_every = LEASE_TTL_S * RENEW_FRACTION
    ticks = int(renew_every) - 1
    for _ in range(ticks):
        clock.advance(1)
        await sched.run_once()
    assert projects.calls["list"] == 0
    assert leases.calls == {"acquire_lease": 0, "pending_triggers": 0}
    clock.advance(renew_every)
    await sched.run_once()
    assert leases.calls["acquire_lease"] == 1 and sched.active
    # Another process asks for a shift: the next tick sees the write and starts it.
    async with await Store.open(home.db_path) as other:
        await other.scheduling.request_trigger("p1", now=clock.now(), source="cli",
                                               reason="now please")
    clock.advance(1)
    await sched.run_once()
    assert leases.calls["pending_triggers"] == 1
    [call] = starter.calls
    assert call.project_id == "p1" and call.trigger is Trigger.EVENT


async def test_the_view_of_other_processes_reads_only_after_a_write(
    home: Home, store: Store, clock: FakeClock
) -> None:
    await store.projects.add("p", "/tmp/p", Policy(), clock.now())
    bus = Bus()
    seen: list[BusEvent] = []
    bus.subscribe(seen.append)
    mirror = ForeignShifts(store, bus, clock, set, idle_poll_s=0.0)
    shifts = Counting(store.shifts, "running")
    await mirror.poll()
    await mirror.poll()
    await mirror.poll()
    assert shifts.calls["running"] == 1
    async with await Store.open(home.db_path) as other:
        await other.shifts.claim("p", trigger=Trigger.MANUAL, now=clock.now(),
                                 deadline=clock.now() + timedelta(hours=1), owner_pid=1,
                                 owner_token="t", reason=None)
    await mirror.poll()
    assert shifts.calls["running"] == 2
    assert [type(e) for e in seen] == [ShiftStarted]
