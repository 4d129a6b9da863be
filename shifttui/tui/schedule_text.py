"""Short texts about the scheduler: "next in", the header's lease and budget state, decision
cells for the history. Times come from `shifttui.scheduling`, so what is shown is what fires."""

from __future__ import annotations

import socket
from datetime import datetime, tzinfo

from rich.text import Text

from shifttui.base.bus import Notice
from shifttui.base.models import Project
from shifttui.base.plan import PlanState, WindowStatus, summary
from shifttui.base.states import Decision, DecisionOutcome
from shifttui.scheduling.budget import BudgetLevel, BudgetState
from shifttui.scheduling.views import (
    SchedulerRole,
    SchedulerState,
    decision_worth_telling,
    format_in,
    next_fire_for,
)

DECISION_GLYPH: dict[DecisionOutcome, tuple[str, str]] = {
    DecisionOutcome.STARTED: ("▶", "cyan"),
    DecisionOutcome.SKIPPED: ("⊘", "yellow"),
    DecisionOutcome.DEFERRED: ("↷", "magenta"),
    DecisionOutcome.PAUSED: ("‖", "bold yellow"),
    DecisionOutcome.FAILED: ("✖", "bold red"),
    DecisionOutcome.HELD: ("⧗", "yellow"),  # one catch-up once the plan's window opens
}


class NextFires:
    """"next in …" per project; the fire time is recomputed only once it has passed or the
    schedule changed, so a table can refresh the countdown every second cheaply."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._cache: dict[str, tuple[str, datetime | None]] = {}

    def text(self, project: Project, now: datetime) -> str:
        """'next in 2h13m'; 'off' or 'paused' when nothing would fire."""
        expr = project.policy.schedule
        if not expr:
            return ""
        if not project.policy.enabled:
            return "off"
        if project.paused:
            return "paused"
        cached = self._cache.get(project.id)
        if cached is None or cached[0] != expr or (cached[1] is not None and cached[1] <= now):
            try:
                cached = (expr, next_fire_for(project, now, self.tz))
            except (ValueError, KeyError):
                return "invalid"
            self._cache[project.id] = cached
        fire = cached[1]
        return "never" if fire is None else "next " + format_in(fire - now)

    def fire(self, project: Project) -> datetime | None:
        """The fire time `text` last showed for `project` (None: none, or not shown yet)."""
        cached = self._cache.get(project.id)
        return cached[1] if cached is not None else None


def decision_status(decision: Decision) -> Text:
    """'⊘ skipped: running' — the outcome and its reason's one word, so the status cell stays
    narrow at 80 columns; the full reason is in the note line (and the wide table's last
    column)."""
    glyph, style = DECISION_GLYPH[decision.outcome]
    word = decision.reason.word
    return Text(f"{glyph} {decision.outcome}" + (f": {word}" if word else ""), style=style)


def decision_note(decision: Decision) -> Text:
    """The full reason, for the note line under the history."""
    text = Text.assemble((f"scheduler ({decision.source}) {decision.outcome}", "bold"))
    if decision.detail:
        text.append(f": {decision.detail}")
    return text


def budget_text(budget: BudgetState, *, wide: bool = True) -> Text:
    """'today $2.10/$10 21%' coloured by level (yellow from 75 %, red at 100 %)."""
    if budget.limit_usd is None:
        return Text(f"${budget.spent_usd:.2f} today", style="dim")
    pct = (budget.fraction or 0.0) * 100
    style = {
        BudgetLevel.WARNING: "bold yellow",
        BudgetLevel.EXHAUSTED: "bold reverse red",
    }.get(budget.level, "")
    text = Text(f"today ${budget.spent_usd:.2f}/${budget.limit_usd:g} {pct:.0f}%", style=style)
    if budget.level is BudgetLevel.EXHAUSTED and wide:
        text.append(" ", style="")
        text.append("budget reached", style="bold red")
    return text


def scheduler_text(state: SchedulerState, *, wide: bool) -> Text:
    """The header's right side: who fires the schedules here, and today's budget."""
    text = Text()
    if state.role is SchedulerRole.ACTIVE:
        text.append("⏱ scheduler running here" if wide else "⏱ sched: here", style="green")
    elif state.role is SchedulerRole.STANDBY and state.lease is not None:
        lease = state.lease
        if wide:
            where = f"pid {lease.pid} on {lease.host}"
        else:  # the host only when it is not this one (a database on a shared disk)
            host = lease.host if len(lease.host) <= 12 else lease.host[:11] + "…"
            where = f"pid {lease.pid}" + ("" if lease.host == socket.gethostname() else f"@{host}")
        text.append(f"⏸ held by {lease.kind} {where}", style="yellow")
    else:
        text.append("○ scheduler off" if wide else "○ sched: off", style="dim")
    text.append(" · ")
    text.append_text(budget_text(state.budget, wide=wide))
    return text


def toast_worthy(notice: Notice) -> bool:
    """Which scheduler decisions interrupt the operator: the same as for notify_command."""
    return decision_worth_telling(notice)


def plan_text(state: PlanState | None, now: datetime, tz: tzinfo, *,
              wide: bool = True) -> Text | None:
    """`5h 91% ↻20:12 · 7d 40%`: yellow from the first warning, red while a window is
    exhausted; nothing with API-key auth (no windows: `shifttui usage` and `status` say why)."""
    if state is None or not state.seen:
        return None
    style = ""
    if state.exhausted(now) is not None:
        style = "bold red"
    elif any(w.status is WindowStatus.WARNING for w in state.windows):
        style = "yellow"
    text = summary(state, now, tz)
    if not wide:  # 80 columns: the 5-hour window only
        text = text.split(" · ")[0]
    return Text(text, style=style)
