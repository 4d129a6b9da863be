"""Event triggers (requests, file changes, `after`) and auto-pause after counted failures."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.bus import Bus, BusEvent, Notice, ShiftEnded
from shifttui.base.clock import FakeClock
from shifttui.base.config import Settings
from shifttui.base.models import Policy, Project, Trigger, Triggers
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.autopause import auto_pause
from shifttui.store import Store
from tests.filewatch_support import arrived
from tests.scheduler_support import FakeStarter, finish

pytestmark = pytest.mark.timeout(30)

BERLIN = ZoneInfo("Europe/Berlin")


def make(store: Store, clock: FakeClock, bus: Bus | None = None,
         settings: Settings | None = None) -> tuple[Scheduler, FakeStarter]:
    starter = FakeStarter(store, clock, end=None)
    return Scheduler(store, starter, settings or Settings(), bus=bus or Bus(), clock=clock,
                     tz=BERLIN), starter


async def add(store: Store, clock: FakeClock, name: str, path: Path | None = None,
              **policy: object) -> Project:
    return await store.projects.add(
        name, str(path or f"/tmp/{name}"), Policy(**policy), clock.now()  # type: ignore[arg-type]
    )


# trigger requests ----------------------------------------------------------------------------


async def test_trigger_request_starts_an_event_shift(store: Store, clock: FakeClock) -> None:
    project = await add(store, clock, "p")
    sched, starter = make(store, clock)
    await sched.run_once()
    rid = await store.scheduling.request_trigger(project.id, now=clock.now(), source="cli",
                                                 reason="CI is green")
    clock.advance(0.5)
    await sched.run_once()
    [call] = starter.calls
    assert (call.project_id, call.trigger, call.reason) == (project.id, Trigger.EVENT,
                                                            "CI is green")
    assert await store.scheduling.pending_triggers() == []
    assert await store.scheduling.trigger_outcome(rid) == "started"
    # the same rules as the schedule: a second request while it runs is skipped, and says why
    rid2 = await store.scheduling.request_trigger(project.id, now=clock.now(), source="hook",
                                                  reason=None)
    await sched.run_once()
    assert len(starter.calls) == 1
    assert await store.scheduling.trigger_outcome(rid2) == "skipped"
    latest = (await store.scheduling.decisions(project.id))[0]
    assert latest.outcome == "skipped" and "shift already running" in latest.detail
    assert "hook" in latest.detail


async def test_trigger_request_respects_pause_and_a_standby_does_nothing(
    store: Store, clock: FakeClock
) -> None:
    project = await add(store, clock, "p")
    holder, holder_starter = make(store, clock)
    standby, standby_starter = make(store, clock)
    await holder.run_once()
    await store.projects.set_paused(project.id, True, "auto-paused", clock.now())
    await store.scheduling.request_trigger(project.id, now=clock.now(), source="cli", reason="x")
    await standby.run_once()
    assert len(await store.scheduling.pending_triggers()) == 1  # the standby left it alone
    await holder.run_once()
    assert not holder_starter.calls and not standby_starter.calls
    [decision] = await store.scheduling.decisions(project.id)
    assert decision.outcome == "skipped" and decision.detail.startswith("paused")


# file triggers -------------------------------------------------------------------------------


async def test_file_trigger_debounced(store: Store, clock: FakeClock, project_dir: Path) -> None:
    (project_dir / "docs").mkdir()
    (project_dir / "docs" / "a.md").write_text("one")
    (project_dir / ".git").mkdir()
    project = await add(store, clock, "p", project_dir,
                        triggers=Triggers(on_change=["docs/*.md", "**/*.py"],
                                          debounce_seconds=5))
    sched, starter = make(store, clock)
    await sched.run_once()  # starts watching: what is there already does not count
    await sched.file_triggers.ready()
    watch = sched.file_triggers.watch(project.id)
    assert watch is not None
    (project_dir / ".git" / "hook.py").write_text("ignored")
    (project_dir / "notes.txt").write_text("not watched")
    (project_dir / "docs" / "b.md").write_text("new")
    await arrived(watch, "docs/b.md")
    # the two changes before it were reported first, and filtered out
    assert watch.pending == {"docs/b.md"}
    clock.advance(1)
    await sched.run_once()
    (project_dir / "src").mkdir()
    (project_dir / "src" / "x.py").write_text("print()")
    await arrived(watch, "src/x.py")
    clock.advance(3)
    await sched.run_once()  # still changing: debounce restarts
    clock.advance(3)
    await sched.run_once()
    assert not starter.calls
    clock.advance(3)
    await sched.run_once()
    [call] = starter.calls
    assert call.trigger is Trigger.EVENT and call.project_id == project.id
    assert call.reason == "files changed: docs/b.md, src/x.py"

    # the agent editing watched files during its own shift does not trigger another shift
    (project_dir / "src" / "x.py").write_text("print(1)  # changed by the agent")
    await arrived(watch, "src/x.py")
    clock.advance(1)
    await sched.run_once()
    await finish(store, call.shift_id, clock.now())
    clock.advance(10)
    await sched.run_once()
    clock.advance(10)
    await sched.run_once()
    assert len(starter.calls) == 1
    await sched.close()


async def test_file_trigger_fires_on_a_deletion(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    (project_dir / "src" / "pkg").mkdir(parents=True)
    (project_dir / "src" / "pkg" / "old.py").write_text("x")
    project = await add(store, clock, "p", project_dir,
                        triggers=Triggers(on_change=["src/**"], debounce_seconds=2))
    sched, starter = make(store, clock)
    await sched.run_once()
    await sched.file_triggers.ready()
    watch = sched.file_triggers.watch(project.id)
    assert watch is not None
    (project_dir / "src" / "pkg" / "old.py").unlink()
    await arrived(watch, "src/pkg/old.py")
    clock.advance(1)
    await sched.run_once()
    clock.advance(2)
    await sched.run_once()
    [call] = starter.calls
    assert (call.project_id, call.reason) == (project.id, "files changed: src/pkg/old.py")
    await sched.close()


# after triggers ------------------------------------------------------------------------------


async def test_after_trigger_starts_when_the_other_project_completes(
    store: Store, clock: FakeClock
) -> None:
    upstream = await add(store, clock, "Up Stream")
    follower = await add(store, clock, "follower", triggers=Triggers(after=["Up Stream"]))
    sched, starter = make(store, clock)
    await sched.run_once()
    first = await starter.start_shift(upstream.id)
    await finish(store, first.id, clock.now(), "agent_error")  # a failure does not trigger
    clock.advance(1)
    await sched.run_once()
    assert [c.project_id for c in starter.calls] == [upstream.id]

    second = await starter.start_shift(upstream.id)
    clock.advance(1)
    await finish(store, second.id, clock.now())
    clock.advance(1)
    await sched.run_once()
    clock.advance(1)
    await sched.run_once()
    assert [c.project_id for c in starter.calls] == [upstream.id, upstream.id, follower.id]
    call = starter.calls[-1]
    assert call.trigger is Trigger.EVENT and second.id in (call.reason or "")
    [decision] = await store.scheduling.decisions(follower.id)
    assert (decision.source, decision.outcome) == ("after", "started")


# auto-pause ----------------------------------------------------------------------------------


async def _end(store: Store, starter: FakeStarter, bus: Bus, project: Project, how: str,
               clock: FakeClock) -> None:
    shift = await starter.start_shift(project.id)
    clock.advance(60)
    ended = await finish(store, shift.id, clock.now(), how)
    # As the supervisor does when a shift ends, whoever ran it (shifts/autopause.py).
    paused = await auto_pause(store, ended, clock.now())
    bus.publish(ShiftEnded(ended))
    if paused is not None:
        bus.publish(paused)


@pytest.mark.parametrize(
    ("endings", "paused"),
    [
        (["agent_error", "no_handoff"], False),
        (["agent_error", "no_handoff", "timeout"], True),
        (["agent_error", "completed", "no_handoff", "guard_halt"], False),
        (["rate_limited", "rate_limited", "rate_limited", "rate_limited"], False),
        (["abandoned", "abandoned", "abandoned", "abandoned"], False),
        (["agent_error", "rate_limited", "abandoned", "no_handoff", "budget_exhausted"], True),
    ],
)
async def test_auto_pause_after_counted_failures(
    store: Store, clock: FakeClock, endings: list[str], paused: bool
) -> None:
    bus = Bus()
    notices: list[Notice] = []

    def collect(event: BusEvent) -> None:
        if isinstance(event, Notice) and event.kind == "auto_paused":
            notices.append(event)

    bus.subscribe(collect)
    project = await add(store, clock, "p", pause_after_failures=3)
    sched, starter = make(store, clock, bus)
    for how in endings:
        await _end(store, starter, bus, project, how, clock)
        await sched.settle()
    after = await store.projects.get(project.id)
    assert after.paused is paused
    assert len(notices) == int(paused)
    if paused:
        assert after.paused_reason and "3 consecutive failures" in after.paused_reason
        [decision] = await store.scheduling.decisions(project.id)
        assert decision.outcome == "paused"


async def test_resume_resets_the_failure_count(store: Store, clock: FakeClock) -> None:
    bus = Bus()
    project = await add(store, clock, "p", pause_after_failures=2)
    sched, starter = make(store, clock, bus)
    for how in ["agent_error", "agent_error"]:
        await _end(store, starter, bus, project, how, clock)
        await sched.settle()
    assert (await store.projects.get(project.id)).paused
    clock.advance(60)
    await store.projects.set_paused(project.id, False, None, clock.now())
    await _end(store, starter, bus, project, "agent_error", clock)
    await sched.settle()
    assert not (await store.projects.get(project.id)).paused
    await _end(store, starter, bus, project, "agent_error", clock)
    await sched.settle()
    assert (await store.projects.get(project.id)).paused

