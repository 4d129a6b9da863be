"""The one wiring of the core that the app, `run` and `daemon` share.

Every long-running shifttui process gets the same pieces from here: the bus, the supervisor
(which owns this process's shifts, answers requests for them and pauses a failing project), the
notifier (the user's notify_command for every notice), the view of other processes' shifts, and
— when asked for and while this process holds the lease — the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Literal

from shifttui.base.bus import Bus
from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import StateError
from shifttui.base.models import Shift, Trigger
from shifttui.base.states import Decision, DecisionOutcome
from shifttui.review.merge import auto_merge
from shifttui.runtime.mirror import ForeignShifts
from shifttui.runtime.notifier import Notifier, worth_telling
from shifttui.runtime.retention import retention_loop
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.lease import LeaseInfo, current_lease
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store
from shifttui.system.procs import pid_alive

if TYPE_CHECKING:
    from shifttui.runtime.telegram import TelegramBridge

log = logging.getLogger(__name__)

Kind = Literal["app", "run", "daemon"]
# A start asked of the scheduler's process: it takes trigger requests about once a second.
HANDOVER_WAIT_S = 5.0
HANDOVER_POLL_S = 0.05
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
        # auto_merge lives in review, above the supervisor: handed down, not imported there.
        self.supervisor.after_end = functools.partial(auto_merge, store, home.root)
        self.notifier = Notifier(self.bus, notify_command or (lambda: settings.notify_command),
                                 worth=worth_telling,
                                 on_problem=on_notify_problem)
        self.foreign = ForeignShifts(store, self.bus, self.clock,
                                     lambda: set(self.supervisor.running_ids()))
        self.scheduler: Scheduler | None = None
        # The Telegram bridge ([telegram] in config.toml) while this process holds the lease.
        self.chat: TelegramBridge | None = None
        self._chat_task: asyncio.Task[None] | None = None
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
            def role(info: LeaseInfo) -> None:
                self._chat_role(info.mine)  # the chat bridge runs where the lease is held
                if on_role is not None:
                    on_role(info)

            self.scheduler = Scheduler(
                self.store, self.supervisor, self.settings, bus=self.bus, clock=self.clock,
                tz=self.tz, kind=self.kind, on_decision=on_decision, on_role=role,
            )
            self._tasks.append(loop.create_task(self.scheduler.run(self._stop),
                                                name="shifttui-scheduler"))
            # Retention rides with the scheduler: the app or daemon that is left open prunes.
            self._tasks.append(loop.create_task(
                retention_loop(self.store, self.home, self.settings, self.clock, self._stop),
                name="shifttui-retention"))
        if watch_others:
            self._tasks.append(loop.create_task(self.foreign.run(self._stop),
                                                name="shifttui-foreign-shifts"))

    def _chat_role(self, mine: bool) -> None:
        if mine and self._chat_task is None and self.settings.telegram is not None \
                and not self._stop.is_set():
            # Imported here: only the process that runs the bridge loads it (and httpx2).
            from shifttui.runtime.telegram import TelegramBridge

            self.chat = TelegramBridge(
                self.settings.telegram, self.store, self.bus, self.clock, self.tz,
                questions=self.supervisor.questions, abandon=self.supervisor.abandon,
                worth=worth_telling)
            self._chat_task = asyncio.get_running_loop().create_task(
                self.chat.run(), name="shifttui-telegram")
        elif not mine and self._chat_task is not None:
            self._chat_task.cancel()  # the new holder of the lease polls from now on
            self._chat_task = None

    async def _stop_chat(self) -> None:
        task, self._chat_task = self._chat_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def stop_scheduler(self) -> None:
        """The scheduler finishes its tick and releases the lease, so another shifttui takes
        over at once instead of after the lease expires; no shift starts after this."""
        self._stop.set()
        await self._stop_chat()
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

    async def start_shift(self, project_id: str, *, resume_of: str | None = None,
                          reason: str | None = None) -> Shift:
        """Start (or resume) a shift by hand. While another process holds the scheduler (a
        daemon beside this app), that process runs it: closing this window must not stop it."""
        now = self.clock.now()
        holder = await current_lease(self.store)
        here = self.scheduler is not None and self.scheduler.active
        # A holder killed on this machine keeps its lease until the TTL runs out: nobody would
        # take the request until then, so the start is this process's own.
        gone = holder is not None and holder.host == socket.gethostname() and not pid_alive(
            holder.pid)
        if here or self.kind != "app" or holder is None or not holder.alive(now) or gone:
            return await self.supervisor.start_shift(
                project_id, trigger=Trigger.RESUME if resume_of else Trigger.MANUAL,
                reason=reason, resume_of=resume_of)
        request = await self.store.scheduling.request_trigger(
            project_id, now=now, source=self.kind, reason=reason or "started by hand",
            manual=True, resume_of=resume_of)
        where = f"the {holder.holder} (pid {holder.pid})"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANDOVER_WAIT_S
        while loop.time() < deadline:
            result = await self.store.scheduling.trigger_result(request)
            if result.outcome == DecisionOutcome.STARTED and result.shift_id:
                return await self.store.shifts.get(result.shift_id)
            if result.outcome not in (None, "taken"):
                latest = await self.store.scheduling.decisions(project_id, limit=1)
                why = f": {latest[0].detail}" if latest and latest[0].detail else ""
                raise StateError(f"{where} did not start it ({result.outcome}{why})")
            await asyncio.sleep(HANDOVER_POLL_S)
        raise StateError(f"asked {where} to start it, but it has not answered within "
                         f"{HANDOVER_WAIT_S:g} s; it will when it can")
