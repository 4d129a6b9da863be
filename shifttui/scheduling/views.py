"""What the TUI and CLI show about scheduling: next fire times, the scheduler's state, recent
decisions and a timeline of upcoming shifts with their projected cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from shifttui.base.bus import Notice
from shifttui.base.config import Settings
from shifttui.base.models import Project
from shifttui.base.states import Decision, DecisionOutcome
from shifttui.scheduling.budget import (
    BudgetState,
    daily_budget_state,
    next_local_midnight,
)
from shifttui.scheduling.cron import fire_times, next_fire
from shifttui.scheduling.lease import LeaseInfo, current_lease
from shifttui.store import Store


def next_fire_for(project: Project, after: datetime, tz: tzinfo) -> datetime | None:
    """When the scheduler will next try this project; None without a schedule, or when it
    is disabled or paused (nothing would start)."""
    if not project.policy.schedule or not project.policy.enabled or project.paused:
        return None
    return next_fire(project.policy.schedule, after, tz)


def format_in(delta: timedelta) -> str:
    """'in 2h13m', 'in 45s', 'in 3d4h' for the projects table."""
    secs = max(0, int(delta.total_seconds()))
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"in {days}d{hours}h"
    if hours:
        return f"in {hours}h{minutes:02d}m"
    if minutes:
        return f"in {minutes}m{seconds:02d}s" if minutes < 10 else f"in {minutes}m"
    return f"in {seconds}s"


def format_decision(decision: Decision, tz: tzinfo | None = None) -> str:
    """One line for the history and the daemon's log."""
    when = decision.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    text = f"{when} {decision.project_id} [{decision.source}] {decision.outcome}"
    if decision.detail:
        text += f": {decision.detail}"
    if decision.shift_id:
        text += f" ({decision.shift_id})"
    return text


class SchedulerRole(StrEnum):
    ACTIVE = "active"  # this process holds the lease and fires
    STANDBY = "standby"  # another live process holds it
    OFF = "off"  # nobody holds a live lease: nothing fires


@dataclass(frozen=True)
class SchedulerState:
    role: SchedulerRole
    lease: LeaseInfo | None
    budget: BudgetState

    def describe(self) -> str:
        if self.role is SchedulerRole.ACTIVE:
            head = "scheduler running"
        elif self.role is SchedulerRole.STANDBY and self.lease is not None:
            head = f"scheduler held by {self.lease.describe()}"
        else:
            head = "scheduler off"
        return f"{head} · {self.budget.describe()}"


async def scheduler_state(
    store: Store, settings: Settings, now: datetime, tz: tzinfo, *, me: str | None = None
) -> SchedulerState:
    """`me`: this process's lease holder id (`Scheduler.lease.holder`), if it runs one."""
    lease = await current_lease(store, me)
    if lease is None or not lease.alive(now):
        role = SchedulerRole.OFF
    elif lease.mine:
        role = SchedulerRole.ACTIVE
    else:
        role = SchedulerRole.STANDBY
    budget = await daily_budget_state(store, settings, now, tz)
    return SchedulerState(role, lease if role is not SchedulerRole.OFF else None, budget)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    project_id: str
    project_name: str
    projected_cost_usd: float | None  # the project's recent average; None without history
    within_budget: bool  # False: the daily budget would be reached first, so it would skip


@dataclass(frozen=True)
class Timeline:
    start: datetime
    end: datetime
    entries: list[TimelineEntry]
    budget: BudgetState

    @property
    def projected_total_usd(self) -> float:
        return sum(e.projected_cost_usd or 0.0 for e in self.entries)


async def timeline(
    store: Store, settings: Settings, now: datetime, tz: tzinfo, *, hours: float = 24,
    per_project_limit: int = 1500,
) -> Timeline:
    """Upcoming scheduled shifts in the next `hours`, in time order, with projected costs."""
    end = now + timedelta(hours=hours)
    budget = await daily_budget_state(store, settings, now, tz)
    runs: list[tuple[datetime, Project, float | None]] = []
    for project in await store.projects.list():
        expr = project.policy.schedule
        if not expr or not project.policy.enabled or project.paused:
            continue
        average = await store.shifts.average_cost(project.id)
        for at in fire_times(expr, now, end, tz)[:per_project_limit]:
            runs.append((at, project, average))
    runs.sort(key=lambda r: (r[0], r[1].name))
    entries = []
    day_end = next_local_midnight(now, tz)
    spent = budget.spent_usd
    limit = settings.daily_budget_usd
    for at, project, cost in runs:
        if at >= day_end:
            # A new local day: the budget starts again.
            day_end = next_local_midnight(at, tz)
            spent = 0.0
        within = limit is None or spent < limit
        spent += cost or 0.0
        entries.append(TimelineEntry(at, project.id, project.name, cost, within))
    return Timeline(now, end, entries, budget)


def decision_worth_telling(notice: Notice) -> bool:
    """Which scheduler decisions interrupt the operator (toast, notify_command). Not starts (a
    pane opens), not the routine skips of a frequent schedule ("already running" every minute
    would bury every other notice), not budget or auto-pause decisions (those have their own
    notices). A start that failed, and runs missed while shifttui was closed, are worth it."""
    outcome = notice.data.get("outcome")
    source = notice.data.get("source")
    return outcome == DecisionOutcome.FAILED or (
        source == "catch_up" and outcome == DecisionOutcome.SKIPPED)
