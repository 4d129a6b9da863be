"""The one wiring of the core that the app, `run` and `daemon` share.

Every long-running shifttui process gets the same pieces from here: the bus, the supervisor
(which owns this process's shifts, answers requests for them and pauses a failing project), the
notifier (the user's notify_command for every notice), the view of other processes' shifts, and
— when asked for and while this process holds the lease — the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import Literal

from shifttui.base.bus import Bus, Notice
from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Home, Settings
from shifttui.base.states import Decision
from shifttui.runtime.mirror import ForeignShifts
from shifttui.runtime.notifier import Notifier, worth_telling
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.lease import LeaseInfo
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

log = logging.getLogger(__name__)

Kind = Literal["app", "run", "daemon"]
# How long stopping waits for the scheduler to finish its tick and release the lease.
SCHEDULER_STOP_S = 10.0


class Runtime:
    """Call `start()` once the event loop runs and `close()` before the process exits."""

    def __init__(
        self,
        store: Store,
        home: Home,
        settings: Settings,
        *,
        kind: Kind,
        clock: Clock | None = None,
        tz: tzinfo | None = None,
        cli_path: str | None = None,
        supervisor: Supervisor | None = None,
        on_notify_problem: Callable[[str], None] | None = None,
        notify_command: Callable[[], str | None] | None = None,
    ) -> None:
        """`notify_command`: where to read the command at each notice (default: `settings`)."""
        self.store = store
        self.home = home
        self.settings = settings
        self.kind = kind
        self.clock = clock or SystemClock()
        self.tz = tz or local_tz()
        self.supervisor = supervisor or Supervisor(
            store, home, settings, clock=self.clock, bus=Bus(),
            cli_path=cli_path, kind=kind,
        )
        self.bus = self.supervisor.bus
        self.notifier = Notifier(self.bus, notify_command or (lambda: settings.notify_command),
                                 worth=worth_telling,
                                 on_problem=on_notify_problem)
        self.foreign = ForeignShifts(store, self.bus, self.clock,
                                     lambda: set(self.supervisor.running_ids()))
        self.scheduler: Scheduler | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(
        self,
        *,
        scheduler: bool,
        watch_others: bool = True,
        on_decision: Callable[[Decision], None] | None = None,
        on_role: Callable[[LeaseInfo], None] | None = None,
    ) -> None:
        """`scheduler`: fire schedules and triggers while this process holds the lease.
        `watch_others`: publish other processes' running shifts on this bus (windows)."""
        loop = asyncio.get_running_loop()
        if scheduler:
            self.scheduler = Scheduler(
                self.store, self.supervisor, self.settings, bus=self.bus, clock=self.clock,
                tz=self.tz, kind=self.kind, on_decision=on_decision, on_role=on_role,
            )
            self._tasks.append(loop.create_task(self.scheduler.run(self._stop),
                                                name="shifttui-scheduler"))
        if watch_others:
            self._tasks.append(loop.create_task(self.foreign.run(self._stop),
                                                name="shifttui-foreign-shifts"))

    async def stop_scheduler(self) -> None:
        """The scheduler finishes its tick and releases the lease, so another shifttui takes
        over at once instead of after the lease expires; no shift starts after this."""
        self._stop.set()
        if not self._tasks:
            return
        done, pending = await asyncio.wait(self._tasks, timeout=SCHEDULER_STOP_S)
        for task in pending:
            log.warning("%s did not stop within %s s; cancelled", task.get_name(),
                        SCHEDULER_STOP_S)
            task.cancel()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s failed while stopping: %r", task.get_name(), task.exception())
        self._tasks = []

    async def close(self, reason: str = "shifttui quit") -> None:
        """Stop the scheduler, then this process's shifts (as interrupted, resumable), then let
        the last notices go out."""
        await self.stop_scheduler()
        with contextlib.suppress(Exception):
            await self.supervisor.shutdown(reason)
        await self.notifier.close()

    def notice(self, notice: Notice) -> None:
        self.bus.publish(notice)
