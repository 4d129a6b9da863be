"""What screens and widgets need from the app: the store, the supervisor, the clock, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Protocol, cast

from textual.dom import DOMNode

from shifttui.base.clock import Clock
from shifttui.base.config import Home, Settings
from shifttui.base.models import Shift, Trigger
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store


@dataclass
class Services:
    home: Home
    settings: Settings
    store: Store
    supervisor: Supervisor
    clock: Clock
    # The zone cron schedules run in (the scheduler's, so shown times equal fired times).
    tz: tzinfo = field(default_factory=local_tz)
    # This app's scheduler; None when it was started without one (tests, snapshots).
    scheduler: Scheduler | None = None
    # Starts by hand go through the runtime, which hands them to a daemon holding the schedule.
    launcher: Launcher | None = None

    async def start_shift(self, project_id: str, *, resume_of: str | None = None) -> Shift:
        if self.launcher is not None:
            return await self.launcher(project_id, resume_of=resume_of)
        return await self.supervisor.start_shift(
            project_id, trigger=Trigger.RESUME if resume_of else Trigger.MANUAL,
            resume_of=resume_of)


class Launcher(Protocol):
    async def __call__(self, project_id: str, *, resume_of: str | None = None) -> Shift: ...


class _HasServices(Protocol):
    services: Services


def services(node: DOMNode) -> Services:
    return cast(_HasServices, node.app).services
