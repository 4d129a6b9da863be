"""The user's `notify_command`, run for every notice of this process (app, `run`, daemon)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.scheduling.views import decision_worth_telling
from shifttui.system.notify import notice_payload, run_notify_command

log = logging.getLogger(__name__)


def worth_telling(notice: Notice) -> bool:
    """Every notice but the scheduler's routine decisions (each is in the decision history)."""
    return notice.kind != "scheduler" or decision_worth_telling(notice)


class Notifier:
    """Sends each notice worth telling to `command` (JSON on stdin) without blocking the bus;
    `on_problem` hears a failing command in one sentence."""

    def __init__(self, bus: Bus, command: Callable[[], str | None], *,
                 worth: Callable[[Notice], bool],
                 on_problem: Callable[[str], None] | None = None) -> None:
        # Read at each notice: a settings change (the app's) applies to the next one.
        self._command = command
        self._worth = worth
        self._on_problem = on_problem
        self._tasks: set[asyncio.Task[None]] = set()
        self.problems: list[str] = []
        self._unsubscribe = bus.subscribe(self._on_bus)

    def _on_bus(self, event: BusEvent) -> None:
        if not isinstance(event, Notice) or not self._worth(event):
            return
        command = self._command()
        if not command:
            return
        task = asyncio.get_running_loop().create_task(self._send(command, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, command: str, notice: Notice) -> None:
        problem = await run_notify_command(command, notice_payload(notice))
        if problem is not None:
            log.warning("%s", problem)
            self.problems.append(problem)
            if self._on_problem is not None:
                self._on_problem(problem)

    async def close(self, timeout_s: float = 5.0) -> None:
        """Let the notices under way reach the command (a `run` about to exit sends its last)."""
        self._unsubscribe()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)
