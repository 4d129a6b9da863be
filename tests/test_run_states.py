"""A run's states as enums: how each stop ends a shift, which stop wins when two arrive, what
the stop's event says, and the phase the gauges show."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest

from shifttui.base.bus import Bus, ShiftStats
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import EventKind, FailureKind, Policy, ShiftStatus, Trigger
from shifttui.base.states import RunPhase
from shifttui.shifts.agent.endings import Stop, StopKind, hard_ending
from shifttui.shifts.agent.runner import ShiftRun
from shifttui.shifts.agent.sink import EventSink
from shifttui.store import Store
from shifttui.system.procs import process_token
from shifttui.tui.widgets.gauges import gauge_text

pytestmark = pytest.mark.timeout(30)


def test_each_hard_stop_ends_the_shift_its_own_way() -> None:
    endings = {
        kind: (e.status, e.failure_kind, e.reason)
        for kind in StopKind if kind.hard
        for e in [hard_ending(Stop(kind, f"why {kind}"))]
    }
    assert endings == {
        StopKind.ABANDON: (ShiftStatus.ABANDONED, None, "why abandon"),
        StopKind.SHUTDOWN: (ShiftStatus.INTERRUPTED, None, "why shutdown"),
        StopKind.BUDGET: (ShiftStatus.FAILED, FailureKind.BUDGET_EXHAUSTED, "why budget"),
        StopKind.GUARD: (ShiftStatus.FAILED, FailureKind.GUARD_HALT, "why guard"),
    }
    # the deadline, force-complete and the plan reserve ask for a handoff instead
    assert {k for k in StopKind if not k.hard} == {
        StopKind.DEADLINE, StopKind.FORCE, StopKind.RESERVE}
    assert {k for k in StopKind if k.by_operator} == {
        StopKind.ABANDON, StopKind.FORCE, StopKind.SHUTDOWN}


async def test_which_stop_wins_and_what_its_event_says(
    home: Home, store: Store, clock: FakeClock
) -> None:
    project = await store.projects.add("p", str(home.root), Policy(), clock.now())
    shift = await store.shifts.claim(
        project.id, trigger=Trigger.MANUAL, now=clock.now(),
        deadline=clock.now() + timedelta(hours=1), owner_pid=os.getpid(),
        owner_token=process_token())
    bus = Bus()
    sink = EventSink(shift.id, store, bus, clock, home.agent_log(shift.id))
    prompt: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def no_operator(run: ShiftRun, question: str) -> str | None:
        return None

    run = ShiftRun(project=project, shift=shift, prompt=prompt, system_append="", sink=sink,
                   bus=bus, clock=clock, cli_path=None, ask_hook=no_operator)
    assert run.phase is RunPhase.STARTING
    wins = []
    for kind in (StopKind.DEADLINE,  # the first stop
                 StopKind.FORCE,  # a soft stop does not replace another
                 StopKind.BUDGET,  # a hard one replaces a soft one
                 StopKind.GUARD,  # but not another hard one
                 StopKind.ABANDON,  # unless the operator asks for it
                 StopKind.SHUTDOWN):
        run.request_stop(Stop(kind, f"{kind} now"))
        assert run.stop is not None
        wins.append(run.stop.kind)
    assert wins == [StopKind.DEADLINE, StopKind.DEADLINE, StopKind.BUDGET, StopKind.BUDGET,
                    StopKind.ABANDON, StopKind.SHUTDOWN]
    assert prompt.cancelled()  # a hard stop does not wait for the first message
    await sink.close()
    events = [(e.kind, e.summary, e.payload) for e in await store.events.read(shift.id)]
    assert events == [
        (EventKind.INFO, "deadline: deadline now", {"stop": "deadline"}),
        (EventKind.INFO, "budget: budget now", {"stop": "budget"}),
        (EventKind.OPERATOR, "abandon: abandon now", {"stop": "abandon"}),
        (EventKind.OPERATOR, "shutdown: shutdown now", {"stop": "shutdown"}),
    ]
    ending = await run.run()  # at once, without starting an agent: the stop was hard
    assert (ending.status, ending.reason) == (ShiftStatus.INTERRUPTED, "shutdown now")
    assert run.client is None and run.agent_pid is None


@pytest.mark.parametrize(
    ("phase", "shown"),
    [(RunPhase.WORKING, None), (RunPhase.WRAPPING_UP, "[wrapping up]"),
     (RunPhase.AWAITING_HANDOFF, "[awaiting handoff]"), (RunPhase.TESTING, "[testing]")],
)
def test_the_gauges_show_every_phase_but_working(phase: RunPhase, shown: str | None) -> None:
    stats = ShiftStats(shift_id="s", project_id="p", cost_usd=0.5, budget_usd=5.0, tokens_in=1,
                       tokens_out=1, num_turns=1, elapsed_s=60.0, max_duration_s=3600.0,
                       phase=phase)
    text = gauge_text(stats).plain
    if shown is None:
        assert "[" not in text
    else:
        assert text.rstrip().endswith(shown)
