"""The control plane: operator requests for a shift travel through the database to the process
that owns it, which carries them out and writes the result back.

The owner polls only while it runs shifts (every `POLL_S`); a requester waits for the owner to
accept the request, and if the owner is gone, recovery answers instead (the shift becomes
`interrupted`), so no request is left hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shifttui.base.clock import Clock
from shifttui.base.control import OperatorRequest, RequestKind, RequestStatus
from shifttui.base.errors import ShiftTuiError, StateError
from shifttui.base.models import HandoffInput, Shift, ShiftStatus
from shifttui.store import Store
from shifttui.system.procs import owner_alive

log = logging.getLogger(__name__)

POLL_S = 0.2
# How long a requester waits for the owner to take a request before it checks the owner's pulse.
ACCEPT_S = 2.0

Handler = Callable[[OperatorRequest], Awaitable[Shift]]


class ControlServer:
    """Carries out the requests addressed to this process's running shifts."""

    def __init__(self, store: Store, clock: Clock, running_ids: Callable[[], list[str]],
                 handle: Handler, *, poll_s: float = POLL_S) -> None:
        self._store = store
        self._clock = clock
        self._running_ids = running_ids
        self._handle = handle
        self._poll_s = poll_s
        self._task: asyncio.Task[None] | None = None
        self._work: set[asyncio.Task[None]] = set()

    def ensure_serving(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._serve(),
                                                                name="shifttui-control")

    async def _serve(self) -> None:
        while True:
            ids = self._running_ids()
            if not ids:
                return  # idle: nothing to poll for until the next shift starts
            try:
                for request in await self._store.control.pending_for(ids):
                    if await self._store.control.settle(request.id, RequestStatus.ACCEPTED,
                                                        None, now=self._clock.now()):
                        task = asyncio.get_running_loop().create_task(self._carry_out(request))
                        self._work.add(task)
                        task.add_done_callback(self._work.discard)
            except ShiftTuiError as exc:
                log.warning("cannot read operator requests: %s", exc)
            await asyncio.sleep(self._poll_s)

    async def _carry_out(self, request: OperatorRequest) -> None:
        status, result = RequestStatus.DONE, ""
        try:
            final = await self._handle(request)
            result = _outcome(final)
        except ShiftTuiError as exc:
            status, result = RequestStatus.REFUSED, str(exc)
        except Exception as exc:  # the requester must hear something, not wait forever
            log.exception("operator request %s failed", request.id)
            status, result = RequestStatus.REFUSED, f"shifttui error: {exc}"
        with contextlib.suppress(ShiftTuiError):
            await self._store.control.settle(request.id, status, result, now=self._clock.now())

    async def close(self, drain_s: float = 2.0) -> None:
        """Take no more requests; give those under way (their shifts are being stopped too)
        `drain_s` to write their results."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._work:
            await asyncio.wait(list(self._work), timeout=drain_s)


def _outcome(shift: Shift) -> str:
    kind = f" ({shift.failure_kind.value})" if shift.failure_kind else ""
    return f"shift {shift.id} {shift.status.value}{kind}"


async def send_request(
    store: Store, clock: Clock, shift_id: str, kind: RequestKind, args: dict[str, Any], *,
    by: str, wait_s: float | None = None, poll_s: float = 0.05,
    on_accepted: Callable[[], None] | None = None,
) -> Shift:
    """Ask the process that owns `shift_id` to carry out `kind`; returns the shift's row after
    it did. StateError: the shift already ended, the owner refused, or the owner is gone (then
    recovery has marked the shift interrupted). `wait_s` None waits as long as it takes."""
    shift = await store.shifts.get(shift_id)
    _check_running(shift)
    if not owner_alive(shift.owner_pid, shift.owner_token):
        return await _owner_gone(store, clock, shift, kind, args)
    request = await store.control.request(shift_id, kind, args, now=clock.now(), by=by)
    loop = asyncio.get_running_loop()
    started = loop.time()
    accepted = False
    while True:
        current = await store.control.get_request(request.id)
        if current.status is RequestStatus.DONE:
            return await store.shifts.get(shift_id)
        if current.status is RequestStatus.REFUSED:
            raise StateError(current.result or "the owner refused the request")
        if current.status is RequestStatus.ACCEPTED and not accepted:
            accepted = True
            if on_accepted is not None:
                on_accepted()
        elapsed = loop.time() - started
        if not accepted and elapsed > ACCEPT_S:
            shift = await store.shifts.get(shift_id)
            if shift.status is not ShiftStatus.RUNNING:
                await store.control.settle(request.id, RequestStatus.REFUSED,
                                           "the shift ended first", now=clock.now())
                _check_running(shift)
            if not owner_alive(shift.owner_pid, shift.owner_token):
                await store.control.settle(request.id, RequestStatus.REFUSED,
                                           "the owner is gone", now=clock.now())
                return await _owner_gone(store, clock, shift, kind, args)
        if wait_s is not None and elapsed > wait_s:
            raise StateError(f"shift {shift_id}: the request was sent but its owner (pid "
                             f"{shift.owner_pid}) has not finished it within {wait_s:g} s")
        await asyncio.sleep(poll_s)


def _check_running(shift: Shift) -> None:
    if shift.status is not ShiftStatus.RUNNING:
        raise StateError(f"that shift already ended ({shift.id} is {shift.status.value})")


async def _owner_gone(store: Store, clock: Clock, shift: Shift, kind: RequestKind,
                      args: dict[str, Any]) -> Shift:
    """Nobody runs the shift any more: an abandon is recorded as asked; anything else finds
    the shift interrupted by recovery (resumable)."""
    now = clock.now()
    if kind is RequestKind.ABANDON:
        ended = await store.shifts.abandon(shift.id, str(args.get("reason") or "abandoned"),
                                           now)
        await store.control.release(shift.id, now)
        return ended
    await store.recover(now)
    ended = await store.shifts.get(shift.id)
    raise StateError(f"shift {shift.id}: its shifttui process (pid {shift.owner_pid}) is gone; "
                     f"the shift is now {ended.status.value} (resume it with r)")


def handoff_arg(handoff: HandoffInput | None) -> dict[str, Any]:
    return {"handoff": handoff.model_dump()} if handoff is not None else {}
