"""What the scheduler decides: outcomes, the reasons a run did not start, and what it asks of
the supervisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shifttui.base.models import Shift, Trigger

# Outcomes and reasons of decisions; the UI shows "outcome: detail".
STARTED, SKIPPED, DEFERRED, PAUSED, FAILED = "started", "skipped", "deferred", "paused", "failed"
R_RUNNING = "shift already running"
R_LIMIT = "concurrency limit"
R_BUDGET = "daily budget reached"
R_PAUSED = "paused"
R_DISABLED = "project disabled (policy.enabled is off)"
R_WAITING = "a deferred run is already waiting for a free slot"
R_REMOVED = "project no longer exists"


class Starter(Protocol):
    """What the scheduler needs of the supervisor."""

    async def start_shift(
        self, project: str, *, trigger: Trigger = ..., reason: str | None = None
    ) -> Shift: ...


@dataclass
class Deferred:
    """A run waiting for a free slot under max_concurrent_shifts."""

    project_id: str
    source: str
    reason: str
    since: datetime


@dataclass
class Attempt:
    """A run the scheduler wants to start, and how it will be described."""

    source: str
    trigger: Trigger
    reason: str
    detail: str = ""  # extra words for the decision, e.g. the due time
