"""What `shifttui usage` and `status` say about the subscription's plan windows: the latest of
each window, the shifts waiting for a reset, the reserve, or that API-key auth shows none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from shifttui.base.config import Settings
from shifttui.base.models import Shift
from shifttui.base.plan import (
    NO_WINDOWS,
    PlanState,
    clock_time,
    iso,
    percent,
    summary,
    window_label,
)
from shifttui.base.text import ago
from shifttui.store import Store


@dataclass(frozen=True)
class PlanUsage:
    state: PlanState
    waiting: list[Shift]  # interrupted by a rate limit, resuming by themselves, soonest first
    reserve_percent: float

    def to_json(self) -> dict[str, Any]:
        return {**self.state.to_json(), "reserve_percent": self.reserve_percent,
                "resumes": [{"shift_id": s.id, "project_id": s.project_id,
                             "resume_at": iso(s.resume_at)} for s in self.waiting]}


async def gather_usage(store: Store, settings: Settings) -> PlanUsage:
    return PlanUsage(await store.plan.state(), await store.shifts.waiting_resumes(),
                     settings.plan_reserve_percent)


def plan_line(usage: PlanUsage, now: datetime, tz: tzinfo | None = None) -> str:
    """One line for `status`: `5h 91% ↻20:12 · 7d 40% (seen 3m ago); 1 shift resumes at 20:13`."""
    state = usage.state
    if not state.seen:
        text = NO_WINDOWS
    else:
        seen = state.updated_at
        text = summary(state, now, tz) + (f" (seen {ago(seen, now)})" if seen else "")
    held = state.exhausted(now) or state.reserve_reached(usage.reserve_percent, now)
    if held is not None:
        text += "; new shifts are held"
    if usage.waiting:
        first = usage.waiting[0]
        at = clock_time(first.resume_at, now, tz) if first.resume_at else "?"
        count = len(usage.waiting)
        text += f"; {count} shift{'s' if count != 1 else ''} resume{'' if count != 1 else 's'}" \
                f" by {'themselves' if count != 1 else 'itself'} (first at {at})"
    return text


def usage_lines(usage: PlanUsage, now: datetime, tz: tzinfo | None = None) -> list[str]:
    """`shifttui usage`: one line per window, then the reserve and the waiting resumes."""
    state = usage.state
    if not state.seen:
        return [NO_WINDOWS]
    lines = []
    width = max(len(window_label(w.type)) for w in state.windows)
    for w in state.sorted():
        resets = f"resets {clock_time(w.resets_at, now, tz)}" if w.resets_at else ""
        status = "exhausted" if w.exhausted(now) else w.status.value
        lines.append(f"{window_label(w.type):<{width}}  {percent(w.utilization):>4}  "
                     f"{status:<15}  {resets:<17}  seen {ago(w.seen_at, now)}".rstrip())
    if usage.reserve_percent:
        reached = state.reserve_reached(usage.reserve_percent, now)
        lines.append(f"reserve: {usage.reserve_percent:g}% of the 5-hour window is kept for "
                     f"you" + (" (reached: new shifts are held)" if reached else ""))
    for s in usage.waiting:
        at = clock_time(s.resume_at, now, tz) if s.resume_at else "?"
        lines.append(f"{s.id} ({s.project_id}) resumes at {at}")
    return lines
