"""Test doubles for the scheduler: a starter that claims real shift rows, and a time line
helper that ticks a scheduler around every expected due time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shifttui.base.clock import Clock
from shifttui.base.errors import AlreadyRunning, LimitReached
from shifttui.base.models import FailureKind, HandoffInput, Shift, Trigger
from shifttui.store import Store
from shifttui.system.procs import process_token


@dataclass
class Call:
    project_id: str
    trigger: Trigger
    reason: str | None
    at: datetime
    shift_id: str


@dataclass
class FakeStarter:
    """Claims a `running` row like the supervisor; `end="completed"` ends it at once."""

    store: Store
    clock: Clock
    max_concurrent: int = 64
    end: str | None = "abandoned"  # None: leave it running; or "completed" / "abandoned"
    calls: list[Call] = field(default_factory=list)

    async def start_shift(
        self, project: str, *, trigger: Trigger = Trigger.MANUAL, reason: str | None = None,
        resume_of: str | None = None
    ) -> Shift:
        now = self.clock.now()
        running = await self.store.shifts.running()
        if await self.store.shifts.running_for(project):
            raise AlreadyRunning(f"a shift is already running on {project}")
        if len(running) >= self.max_concurrent:
            raise LimitReached("limit")
        shift = await self.store.shifts.claim(
            project, trigger=trigger, now=now, deadline=now + timedelta(hours=1),
            owner_pid=os.getpid(), owner_token=process_token(), reason=reason,
        )
        self.calls.append(Call(project, trigger, reason, now, shift.id))
        if self.end == "completed":
            await self.store.shifts.complete(shift.id, HandoffInput(summary="done"), now=now)
        elif self.end == "abandoned":
            await self.store.shifts.abandon(shift.id, "test", now)
        return shift


async def finish(store: Store, shift_id: str, now: datetime, how: str = "completed") -> Shift:
    if how == "completed":
        await store.shifts.complete(shift_id, HandoffInput(summary="done"), now=now)
    elif how == "abandoned":
        await store.shifts.abandon(shift_id, "operator", now)
    else:
        await store.shifts.fail(shift_id, FailureKind(how), "boom", now)
    return await store.shifts.get(shift_id)
