"""Where a shift's events go: numbered, batched into SQLite, appended to agent.log, published."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from shifttui.base.bus import Bus, ShiftEventsAdded
from shifttui.base.clock import Clock
from shifttui.base.models import EventKind, ShiftEvent
from shifttui.store import Store
from shifttui.store.events import EncodedEvents, encode_event

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.1  # persistence is at most ~this far behind (SPEC: ≤ 250 ms)
# Back-pressure: past this many unstored events the reader waits for a flush, so a flood
# holds bounded memory and the database stays about one batch behind the agent.
BACKLOG_LIMIT = 5000


class EventSink:
    """Owns the seq counter of one shift. `add` is cheap; a flusher task does the I/O."""

    def __init__(self, shift_id: str, store: Store, bus: Bus, clock: Clock, log_path: Path,
                 *, start_seq: int = 0,
                 on_storage_error: Callable[[Exception], None] | None = None) -> None:
        self.shift_id = shift_id
        self._store = store
        self._bus = bus
        self._now = clock.now
        self._seq = start_seq
        self._pending: list[ShiftEvent] = []
        self._encoded = EncodedEvents([], [])  # the pending events' log lines and rows
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()  # flush now: closing, or the backlog is full
        self._flushed = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._on_storage_error = on_storage_error
        self._storage_failed = False
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] | None = open(log_path, "ab")

    @property
    def count(self) -> int:
        return self._seq

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name=f"sink-{self.shift_id}")

    def add(
        self, kind: EventKind, summary: str, payload: dict[str, Any] | None = None
    ) -> ShiftEvent:
        self._seq += 1
        event = ShiftEvent(self.shift_id, self._seq, self._now(), kind, summary,
                           {} if payload is None else payload)
        pending = self._pending
        if not pending:
            self._wake.set()  # the first since the last flush: later ones find it set
        pending.append(event)
        # Serialised now, not at the flush: encoding a whole batch at once held the event loop
        # for 5-20 ms, long enough for the agent's output pipe to fill and the agent to wait.
        encode_event(event, self._encoded)
        return event

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            if self._closed:
                return
            # Batch: let events gather for a moment, unless closing or the backlog is full.
            try:
                await asyncio.wait_for(self._hurry.wait(), FLUSH_INTERVAL_S)
            except TimeoutError:
                pass
            if not self._closed:
                self._hurry.clear()

    @property
    def backlogged(self) -> bool:
        return len(self._pending) >= BACKLOG_LIMIT

    async def wait_for_room(self) -> None:
        """Wait until the backlog is below the limit (never forever: a stuck flush must not
        stop the reader from seeing the agent's end)."""
        while self.backlogged and not self._closed and self._task and not self._task.done():
            self._flushed.clear()
            self._hurry.set()
            self._wake.set()
            try:
                await asyncio.wait_for(self._flushed.wait(), 5.0)
            except TimeoutError:
                return

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        # Each event was serialised once, for the log line and the database row alike.
        encoded, self._encoded = self._encoded, EncodedEvents([], [])
        self._write_log(encoded.lines)
        if not self._storage_failed:
            try:
                await self._store.events.append_encoded(encoded)
            except Exception as exc:
                # A full disk or read-only database must stop the shift loudly, not crash it.
                self._storage_failed = True
                log.error("cannot store events of %s: %s", self.shift_id, exc)
                if self._on_storage_error is not None:
                    self._on_storage_error(exc)
        self._bus.publish(ShiftEventsAdded(self.shift_id, batch))
        self._flushed.set()

    def _write_log(self, lines: list[str]) -> None:
        if self._log is None:
            return
        try:
            self._log.write(("\n".join(lines) + "\n").encode())
            self._log.flush()
        except OSError as exc:
            log.error("cannot write agent.log of %s: %s", self.shift_id, exc)

    async def close(self) -> None:
        """Flush everything and stop the flusher."""
        self._closed = True
        self._hurry.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.shield(self._task)
        await self.flush()
        if self._log is not None:
            self._log.close()
            self._log = None
