"""Resuming an interrupted shift: what is left of its limits."""

from __future__ import annotations

from shifttui.base.errors import LimitReached
from shifttui.base.models import Project, Shift
from shifttui.store import Store


async def limits_left(store: Store, proj: Project, old: Shift) -> Project:
    """A resume continues the interrupted shift: the budget and the time are the shift's,
    across resumes, so the new part gets what the earlier parts left."""
    spent, used_s = 0.0, 0.0
    part: Shift | None = old
    seen: set[str] = set()
    while part is not None and part.id not in seen:
        seen.add(part.id)
        spent += part.cost_usd
        used_s += part.duration_s or 0.0
        part = (await store.shifts.get(part.parent_shift_id)
                if part.parent_shift_id else None)
    policy = proj.policy
    budget_left = policy.max_budget_usd - spent
    minutes_left = policy.max_duration_minutes - used_s / 60
    if budget_left <= 0:
        raise LimitReached(f"shift {old.id} already spent its budget (${spent:.2f} of "
                           f"${policy.max_budget_usd:.2f}); start a new shift instead")
    if minutes_left <= 0:
        raise LimitReached(f"shift {old.id} already used its {policy.max_duration_minutes:g}"
                           " minutes; start a new shift instead")
    return proj.model_copy(update={"policy": policy.model_copy(update={
        "max_budget_usd": budget_left, "max_duration_minutes": minutes_left})})
