"""What screens and widgets need from the app: the store, the supervisor, the clock, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Protocol, cast

from textual.dom import DOMNode

from shifttui.base.clock import Clock
from shifttui.base.config import Home, Settings
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


class _HasServices(Protocol):
    services: Services


def services(node: DOMNode) -> Services:
    return cast(_HasServices, node.app).services
