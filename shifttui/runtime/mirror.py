"""Shifts that another shifttui process runs, shown here as if they ran here: their new events,
live figures, questions and endings are read from the database and published on this
process's bus, so every window (the app beside a daemon, a second app) sees them live."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from shifttui.base.bus import (
    Bus,
    QuestionAsked,
    QuestionClosed,
    ShiftEnded,
    ShiftEventsAdded,
    ShiftProgress,
    ShiftStarted,
    ShiftStats,
)
from shifttui.base.clock import Clock
from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import Shift
from shifttui.store import Store
from shifttui.store.changes import Stamp

log = logging.getLogger(__name__)

# Live events of another process's shift reach this bus at most this late (the sink itself
# commits every ~100 ms).
POLL_S = 0.25
# With no other process's shift running, look for one this often: a look is one small query
# (the database's change stamp) unless someone wrote since the last one.
IDLE_POLL_S = 1.0
READ_LIMIT = 2000


@dataclass
class _Seen:
    shift: Shift
    last_seq: int
    budget_usd: float
    figures: tuple[float, int, int, int] = (0.0, 0, 0, 0)


class ForeignShifts:
    def __init__(self, store: Store, bus: Bus, clock: Clock, local_ids: Callable[[], set[str]],
                 *, poll_s: float = POLL_S, idle_poll_s: float = IDLE_POLL_S) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._local_ids = local_ids
        self._poll_s = poll_s
        self._idle_poll_s = idle_poll_s
        self._seen: dict[str, _Seen] = {}
        self._questions: dict[str, QuestionAsked] = {}
        self._stamp: Stamp | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll()
            except ShiftTuiError as exc:
                log.warning("cannot read other processes' shifts: %s", exc)
            except Exception:
                log.exception("reading other processes' shifts failed")
            wait = self._poll_s if self._seen else self._idle_poll_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def poll(self) -> None:
        stamp = await self._store.changes.stamp(max_age_s=self._idle_poll_s)
        if stamp == self._stamp and not self._seen:
            return  # nobody wrote: no shift started or ended, no question asked or closed
        self._stamp = stamp
        local = self._local_ids()
        running = {s.id: s for s in await self._store.shifts.running() if s.id not in local}
        for shift_id, shift in running.items():
            if shift_id not in self._seen:
                project = await self._store.projects.get(shift.project_id)
                self._seen[shift_id] = _Seen(shift, await self._store.events.last_seq(shift_id),
                                             project.policy.max_budget_usd)
                self._bus.publish(ShiftStarted(shift))
        for shift_id, seen in list(self._seen.items()):
            await self._forward_events(seen)
            current = running.get(shift_id)
            if current is None:
                await self._ended(seen)
            else:
                self._progress(seen, current)
        await self._forward_questions(local)

    async def _forward_events(self, seen: _Seen) -> None:
        while True:
            events = await self._store.events.read(seen.shift.id, seen.last_seq + 1, READ_LIMIT)
            if not events:
                return
            seen.last_seq = events[-1].seq
            self._bus.publish(ShiftEventsAdded(seen.shift.id, events))
            if len(events) < READ_LIMIT:
                return

    def _progress(self, seen: _Seen, shift: Shift) -> None:
        figures = (shift.cost_usd, shift.tokens_in, shift.tokens_out, shift.num_turns)
        seen.shift = shift
        if figures == seen.figures:
            return
        seen.figures = figures
        self._bus.publish(ShiftProgress(ShiftStats(
            shift_id=shift.id, project_id=shift.project_id, cost_usd=shift.cost_usd,
            budget_usd=seen.budget_usd, tokens_in=shift.tokens_in, tokens_out=shift.tokens_out,
            num_turns=shift.num_turns,
            elapsed_s=(self._clock.now() - shift.started_at).total_seconds(),
            max_duration_s=(shift.deadline - shift.started_at).total_seconds(),
            model=shift.model,
        )))

    async def _ended(self, seen: _Seen) -> None:
        del self._seen[seen.shift.id]
        final = await self._store.shifts.get(seen.shift.id)
        handoff = await self._store.handoffs.for_shift(final.id)
        self._bus.publish(ShiftEnded(final, handoff))

    async def _forward_questions(self, local: set[str]) -> None:
        waiting = {q.id: q for q in await self._store.control.waiting()
                   if q.shift_id not in local}
        for qid, q in waiting.items():
            if qid not in self._questions:
                asked = QuestionAsked(q.shift_id, q.project_id, q.id, q.question,
                                      (q.timeout_at - q.asked_at).total_seconds())
                self._questions[qid] = asked
                self._bus.publish(asked)
        for qid in [qid for qid in self._questions if qid not in waiting]:
            asked = self._questions.pop(qid)
            answer = None
            with contextlib.suppress(ShiftTuiError):
                answer = (await self._store.control.question(qid)).answer
            self._bus.publish(QuestionClosed(asked.shift_id, qid, answer))
