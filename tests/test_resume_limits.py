"""A resumed shift continues the interrupted one: its budget and time are what the earlier
parts left, not a fresh allowance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from agent_support import Harness

from shifttui.base.errors import LimitReached
from shifttui.base.models import Shift, Trigger


async def _interrupted(h: Harness, project_id: str, *, cost: float, minutes: float,
                       parent: str | None = None) -> Shift:
    start = h.supervisor.clock.now() - timedelta(minutes=minutes + 1)
    shift = await h.store.shifts.claim(
        project_id, trigger=Trigger.RESUME if parent else Trigger.MANUAL, now=start,
        deadline=start + timedelta(hours=2), owner_pid=1, owner_token="gone",
        parent_shift_id=parent)
    await h.store.shifts.update_progress(shift.id, cost_usd=cost, tokens_in=0, tokens_out=0,
                                         num_turns=1, model=None, session_id="s1",
                                         agent_pid=None)
    return await h.store.shifts.interrupt(shift.id, "plan window", start +
                                          timedelta(minutes=minutes))


async def test_a_resume_gets_what_the_interrupted_chain_left(harness: Harness) -> None:
    h = harness
    project = await h.add_project("slow", max_budget_usd=5.0, max_duration_minutes=120)
    first = await _interrupted(h, project.id, cost=1.5, minutes=30)
    second = await _interrupted(h, project.id, cost=1.0, minutes=20, parent=first.id)
    resumed = await h.supervisor.start_shift(project.id, resume_of=second.id)
    try:
        allowed_s = (resumed.deadline - resumed.started_at).total_seconds()
        assert allowed_s == pytest.approx(70 * 60, abs=2)  # 120 - 30 - 20 minutes
        stats = h.supervisor.stats(resumed.id)
        assert stats is not None and stats.budget_usd == pytest.approx(2.5)  # 5 - 1.5 - 1
        assert resumed.parent_shift_id == second.id
    finally:
        await h.supervisor.abandon(resumed.id, "test over")


async def test_a_resume_of_a_shift_that_spent_its_budget_is_refused(harness: Harness) -> None:
    h = harness
    project = await h.add_project("slow", max_budget_usd=2.0)
    spent = await _interrupted(h, project.id, cost=2.0, minutes=5)
    with pytest.raises(LimitReached, match="already spent its budget"):
        await h.supervisor.start_shift(project.id, resume_of=spent.id)
    assert await h.store.shifts.running() == []
