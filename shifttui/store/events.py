"""Shift events: appended in batches, read by range or tail."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from shifttui.models import EventKind, ShiftEvent
from shifttui.store.db import Database, dumps, loads, parse_ts, ts


def _event(row: aiosqlite.Row) -> ShiftEvent:
    when = parse_ts(row["ts"])
    assert when is not None
    return ShiftEvent(
        shift_id=row["shift_id"],
        seq=row["seq"],
        ts=when,
        kind=EventKind(row["kind"]),
        summary=row["summary"],
        payload=loads(row["payload"]),
    )


class Events:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, events: Sequence[ShiftEvent],
                     payloads: Sequence[str] | None = None,
                     stamps: Sequence[str] | None = None) -> None:
        """One transaction for the whole batch. `payloads` and `stamps`: the payloads and
        timestamps already as text (the event sink makes that text once for its log too)."""
        if not events:
            return
        texts = payloads if payloads is not None else [dumps(e.payload) for e in events]
        times = stamps if stamps is not None else [ts(e.ts) for e in events]
        rows = [(e.shift_id, e.seq, stamp, e.kind.value, e.summary, text)
                for e, text, stamp in zip(events, texts, times, strict=True)]
        async with self._db.write() as tx:
            await tx.executemany(
                "INSERT OR IGNORE INTO events (shift_id, seq, ts, kind, summary, payload)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    async def read(self, shift_id: str, start_seq: int = 0, limit: int = 1000) -> list[ShiftEvent]:
        rows = await self._db.fetchall(
            "SELECT * FROM events WHERE shift_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
            (shift_id, start_seq, limit),
        )
        return [_event(r) for r in rows]

    async def tail(self, shift_id: str, n: int = 100) -> list[ShiftEvent]:
        rows = await self._db.fetchall(
            "SELECT * FROM (SELECT * FROM events WHERE shift_id = ? ORDER BY seq DESC LIMIT ?)"
            " ORDER BY seq",
            (shift_id, n),
        )
        return [_event(r) for r in rows]

    async def count(self, shift_id: str) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM events WHERE shift_id = ?", (shift_id,))
        return int(row[0]) if row else 0

    async def last_seq(self, shift_id: str) -> int:
        row = await self._db.fetchone(
            "SELECT MAX(seq) FROM events WHERE shift_id = ?", (shift_id,)
        )
        return int(row[0]) if row and row[0] is not None else 0
