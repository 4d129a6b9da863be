"""`shifttui status` as facts: who holds the scheduler, which shifts run and who owns them,
where the home is, what Claude Code would run with, and what fires next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import psutil

from shifttui.base.config import Home, Settings
from shifttui.base.models import Project, Shift
from shifttui.review.plan_usage import PlanUsage, gather_usage
from shifttui.scheduling.lease import current_lease
from shifttui.scheduling.views import SchedulerRole, SchedulerState, next_fire_for, scheduler_state
from shifttui.store import Store
from shifttui.store.channels import ChannelState
from shifttui.system.procs import owner_alive

if TYPE_CHECKING:
    from shifttui.shifts.agent.environment import AgentEnvironment

NEXT_FIRES_SHOWN = 5


@dataclass(frozen=True)
class RunningShift:
    shift: Shift
    project: str
    owner: str  # "shifttui daemon (pid 4242)"
    owner_alive: bool


@dataclass(frozen=True)
class NextFire:
    at: datetime
    project: str
    schedule: str


@dataclass(frozen=True)
class Status:
    now: datetime
    home: Home
    scheduler: SchedulerState
    last_holder: str | None  # who held an expired lease, when nobody holds it now
    running: list[RunningShift]
    agent: AgentEnvironment
    auth_overrides: dict[str, list[str]]  # project name → credential variables its env sets
    next_fires: list[NextFire]
    projects: int
    plan: PlanUsage | None = None  # the subscription's windows, as the agent last saw them
    # The Telegram bridge: configured at all, and how the process running it last fared.
    telegram_configured: bool = False
    telegram: ChannelState | None = None

    def to_json(self) -> dict[str, Any]:
        lease = self.scheduler.lease
        return {
            "home": str(self.home.root),
            "database": str(self.home.db_path),
            "config": str(self.home.config_path),
            "scheduler": {
                "role": self.scheduler.role.value,
                "kind": lease.kind if lease else None,
                "pid": lease.pid if lease else None,
                "host": lease.host if lease else None,
                "heartbeat_at": lease.heartbeat_at.isoformat() if lease else None,
                "last_holder": self.last_holder,
            },
            "budget": {
                "spent_usd": self.scheduler.budget.spent_usd,
                "limit_usd": self.scheduler.budget.limit_usd,
                "level": self.scheduler.budget.level.value,
            },
            "running": [
                {"shift_id": r.shift.id, "project": r.project,
                 "started_at": r.shift.started_at.isoformat(), "owner": r.owner,
                 "owner_pid": r.shift.owner_pid, "owner_alive": r.owner_alive,
                 "agent_pid": r.shift.agent_pid, "cost_usd": r.shift.cost_usd}
                for r in self.running
            ],
            "agent": {
                "cli": self.agent.cli, "source": self.agent.cli_source,
                "version": self.agent.cli_version, "problem": self.agent.cli_problem,
                "auth": self.agent.auth, "auth_overrides": self.auth_overrides,
                "bubblewrap": self.agent.bwrap,
            },
            "next_fires": [
                {"at": f.at.isoformat(), "project": f.project, "schedule": f.schedule}
                for f in self.next_fires
            ],
            "projects": self.projects,
            "plan": self.plan.to_json() if self.plan else None,
            "telegram": None if not self.telegram_configured else {
                "ok": self.telegram.ok if self.telegram else None,
                "detail": self.telegram.detail if self.telegram else "not started yet",
                "pid": self.telegram.pid if self.telegram else None,
                "updated_at": self.telegram.updated_at.isoformat() if self.telegram else None,
            },
        }


def describe_owner(pid: int | None) -> str:
    """Which shifttui command a pid runs ("shifttui daemon (pid 4242)"), from its arguments."""
    if not pid:
        return "nobody"
    try:
        args = psutil.Process(pid).cmdline()
    except psutil.Error:
        return f"pid {pid} (gone)"
    return f"{_command(args)} (pid {pid})"


def _command(args: list[str]) -> str:
    for i, arg in enumerate(args):
        if arg == "shifttui" or arg.endswith("/shifttui") or (
                arg == "-m" and i + 1 < len(args) and args[i + 1] == "shifttui"):
            rest = args[i + (2 if arg == "-m" else 1):]
            words = iter(rest)
            for word in words:
                if word in ("--home", "--claude-cli"):
                    next(words, None)  # the option's value
                elif not word.startswith("-"):
                    return f"shifttui {word}"
            return "shifttui (the app)"
    return "another process"


async def gather_status(
    store: Store, home: Home, settings: Settings, now: datetime, tz: tzinfo
) -> Status:
    # Imported here: it loads claude-agent-sdk, which the other commands need not pay for.
    from shifttui.shifts.agent.environment import agent_environment, auth_overrides

    state = await scheduler_state(store, settings, now, tz)
    last_holder = None
    if state.role is SchedulerRole.OFF:
        stale = await current_lease(store)
        if stale is not None:
            last_holder = (f"{stale.describe()}, last seen "
                           f"{stale.heartbeat_at.astimezone(tz).strftime('%Y-%m-%d %H:%M:%S')}")
    projects = await store.projects.list()
    names = {p.id: p.name for p in projects}
    running = [
        RunningShift(s, names.get(s.project_id, s.project_id), describe_owner(s.owner_pid),
                     owner_alive(s.owner_pid, s.owner_token))
        for s in sorted(await store.shifts.running(), key=lambda s: s.started_at)
    ]
    return Status(
        now=now, home=home, scheduler=state, last_holder=last_holder, running=running,
        agent=await agent_environment(settings),
        auth_overrides={p.name: found for p in projects
                        if (found := auth_overrides(p.policy.env))},
        next_fires=upcoming(projects, now, tz),
        projects=len(projects),
        plan=await gather_usage(store, settings),
        telegram_configured=settings.telegram is not None,
        telegram=await store.channels.get("telegram"),
    )


def upcoming(projects: list[Project], now: datetime, tz: tzinfo,
             count: int = NEXT_FIRES_SHOWN) -> list[NextFire]:
    """The next fire of each scheduled project (enabled, not paused), soonest first."""
    fires = []
    for p in projects:
        at = next_fire_for(p, now, tz)
        if at is not None and p.policy.schedule:
            fires.append(NextFire(at, p.name, p.policy.schedule))
    fires.sort(key=lambda f: (f.at, f.project))
    return fires[:count]
