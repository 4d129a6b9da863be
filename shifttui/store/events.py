"""Shift events: appended in batches, read by range or tail."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite
import orjson

from shifttui.models import EventKind, ShiftEvent
from shifttui.store.db import Database, loads, parse_ts, ts

_dumps = orjson.dumps
_OPTIONS = orjson.OPT_NON_STR_KEYS


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


def event_lines(events: Sequence[ShiftEvent]) -> list[bytes]:
    """Each event as one compact JSON object (seq, ts, kind, summary, payload): the agent.log
    line and, gathered into one array, what `Events.append_lines` stores."""
    try:
        return [_dumps({"seq": e.seq, "ts": ts(e.ts), "kind": e.kind, "summary": e.summary,
                        "payload": e.payload}, default=str, option=_OPTIONS) for e in events]
    except (TypeError, orjson.JSONEncodeError):
        return [_safe_line(e) for e in events]


def _safe_line(e: ShiftEvent) -> bytes:
    """What orjson refuses: a lone surrogate (the CLI escapes one from a broken file as
    `\\ud800`, and json decodes it), an integer beyond 64 bits. The summary is display text: a
    surrogate becomes "?". The payload keeps it, escaped."""
    summary = e.summary.encode("utf-8", "replace").decode()
    return json.dumps({"seq": e.seq, "ts": ts(e.ts), "kind": e.kind.value, "summary": summary,
                       "payload": e.payload}, separators=(",", ":"), default=str).encode()


# SQLite takes the rows apart itself: one statement per batch, run with the GIL released.
# executemany would bind each row in Python and release and re-take the GIL per row, which
# stalls the event loop's thread once per event during a flood.
_INSERT_LINES = (
    "INSERT OR IGNORE INTO events (shift_id, seq, ts, kind, summary, payload)"
    " SELECT ?1, value->>'seq', value->>'ts', value->>'kind', value->>'summary', value->'payload'"
    " FROM json_each(?2)"
)


class Events:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, events: Sequence[ShiftEvent]) -> None:
        """One transaction for the whole batch."""
        by_shift: dict[str, list[ShiftEvent]] = {}
        for e in events:
            by_shift.setdefault(e.shift_id, []).append(e)
        await self._insert([(shift_id, event_lines(group)) for shift_id, group in by_shift.items()])

    async def append_lines(self, shift_id: str, lines: Sequence[bytes]) -> None:
        """Store lines made by `event_lines` (the event sink makes them once for agent.log and
        the database alike); one transaction."""
        await self._insert([(shift_id, lines)])

    async def _insert(self, groups: list[tuple[str, Sequence[bytes]]]) -> None:
        groups = [(shift_id, lines) for shift_id, lines in groups if lines]
        if not groups:
            return
        async with self._db.write() as tx:
            for shift_id, lines in groups:
                # Text, not bytes: newer SQLite reads a BLOB argument of json_each as JSONB.
                batch = (b"[" + b",".join(lines) + b"]").decode()
                await tx.execute(_INSERT_LINES, (shift_id, batch))

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
