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
from shifttui.store.db import StorageFault
from shifttui.store.events import EncodedEvents, encode_event
from shifttui.system.agentlog import strip_payloads

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.1  # persistence is at most ~this far behind (SPEC: ≤ 250 ms)
# Back-pressure: past this many unstored events the reader waits for a flush, so a flood
# holds bounded memory and the database stays about one batch behind the agent.
BACKLOG_LIMIT = 5000
# A busy or locked database (another process holds the lock past SQLite's own busy timeout) is
# retried with backoff; the events wait in memory (within BACKLOG_LIMIT) and are in agent.log.
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 2.0
# A lock held this long is no longer transient: the shift stops, as for a full disk.
GIVE_UP_BUSY_S = 120.0
_COLUMNS = 6  # row values per event in EncodedEvents.values


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
        # Row values logged and published but not yet in the database (a busy database).
        self._unstored: list[object] = []
        self._store_lock = asyncio.Lock()
        self._retry_s = RETRY_FIRST_S
        self._busy_since: float | None = None
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

    @property
    def store(self) -> Store:
        """The store the events go to (the runner stores an accepted handoff through it)."""
        return self._store

    @property
    def unstored(self) -> int:
        """Events in agent.log that the database does not have yet."""
        return len(self._pending) + len(self._unstored) // _COLUMNS

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
            if self._unstored and not self._storage_failed:
                await _wait(self._wake, self._retry_s)  # a retry, or sooner for new events
            else:
                await self._wake.wait()
            self._wake.clear()
            await self.flush()
            if self._closed:
                return
            # Batch: let events gather for a moment, unless closing or the backlog is full.
            await _wait(self._hurry, FLUSH_INTERVAL_S)
            if not self._closed:
                self._hurry.clear()

    @property
    def backlogged(self) -> bool:
        return len(self._pending) + len(self._unstored) // _COLUMNS >= BACKLOG_LIMIT

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
        """Log and publish what is pending, and store everything not stored yet (one attempt:
        a busy database keeps the rows for the flusher's next try)."""
        if self._pending:
            batch, self._pending = self._pending, []
            # Each event was serialised once, for the log line and the database row alike.
            encoded, self._encoded = self._encoded, EncodedEvents([], [])
            self._write_log(encoded.lines)
            if not self._storage_failed:
                if self._unstored:
                    self._unstored.extend(encoded.values)
                else:
                    self._unstored = encoded.values
            self._bus.publish(ShiftEventsAdded(self.shift_id, batch))
        await self._store_unstored()
        self._flushed.set()

    async def _store_unstored(self) -> None:
        async with self._store_lock:
            if not self._unstored or self._storage_failed:
                return
            rows, self._unstored = self._unstored, []
            try:
                await self._store.events.append_encoded(EncodedEvents([], rows))
            except StorageFault as exc:
                self._unstored = rows + self._unstored  # INSERT OR IGNORE: a retry is safe
                if exc.transient and not self._busy_too_long():
                    self._retry_s = min(RETRY_MAX_S, self._retry_s * 2)
                    return
                self._fail(exc)
            except Exception as exc:
                self._fail(exc)
            else:
                if self._busy_since is not None:
                    log.warning("events of %s stored again after a busy database",
                                self.shift_id)
                self._busy_since, self._retry_s = None, RETRY_FIRST_S

    def _busy_too_long(self) -> bool:
        now = asyncio.get_running_loop().time()
        if self._busy_since is None:
            self._busy_since = now
            log.warning("database busy: events of %s wait in memory and agent.log",
                        self.shift_id)
        return now - self._busy_since >= GIVE_UP_BUSY_S

    def _fail(self, exc: Exception) -> None:
        # A full disk or read-only database must stop the shift loudly, not crash it; the
        # events are in agent.log, so memory is not kept for them any longer.
        self._storage_failed = True
        self._unstored = []
        log.error("cannot store events of %s: %s", self.shift_id, exc)
        if self._on_storage_error is not None:
            self._on_storage_error(exc)

    def _write_log(self, lines: list[str]) -> None:
        if self._log is None:
            return
        try:
            self._log.write(("\n".join(lines) + "\n").encode())
            self._log.flush()
        except OSError as exc:
            log.error("cannot write agent.log of %s: %s", self.shift_id, exc)

    async def close(self) -> None:
        """Flush everything and stop the flusher; a busy database is retried until it takes
        the events or GIVE_UP_BUSY_S have passed."""
        self._closed = True
        self._hurry.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.shield(self._task)
        await self.flush()
        while self._unstored and not self._storage_failed:
            await asyncio.sleep(self._retry_s)
            await self.flush()
        if self._log is not None:
            self._log.close()
            self._log = None
            if not self._unstored and not self._storage_failed:
                # Every payload is in the database now: one copy (system.agentlog).
                await asyncio.to_thread(strip_payloads, self.log_path)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` have passed."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        pass
