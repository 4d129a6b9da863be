"""Shift events: appended in batches, read by range or tail."""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import aiosqlite
import orjson

from shifttui.base.models import EventKind, ShiftEvent
from shifttui.store.db import Database, loads, parse_ts, ts
from shifttui.store.payloads import pack, unpack

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
        payload=loads(unpack(row["payload"])),
    )


class EncodedEvents(NamedTuple):
    """A batch serialised once: agent.log lines and the database's row values."""

    lines: list[str]
    # (shift_id, seq, ts, kind, summary, payload) of each row, one after another.
    values: list[object]


def encode_events(events: Sequence[ShiftEvent]) -> EncodedEvents:
    """Each event's line is one compact JSON object (seq, ts, kind, summary, payload); the
    payload's JSON text is made once, for the line and the row."""
    batch = EncodedEvents([], [])
    for e in events:
        encode_event(e, batch)
    return batch


def encode_event(e: ShiftEvent, into: EncodedEvents) -> None:
    """Add one event's line and row to `into` (see encode_events).

    This runs for every event of a flood, so it is written for speed: the line is assembled
    from pieces already made (a dict with an orjson.Fragment took twice as long)."""
    stamp = ts(e.ts)
    summary = e.summary
    try:
        payload = _dumps(e.payload, default=str, option=_OPTIONS).decode()
        summary_json = _dumps(summary).decode()
    except (TypeError, orjson.JSONEncodeError):
        # What orjson refuses: a lone surrogate (the CLI escapes one from a broken file as
        # `\\ud800`, and json decodes it), an integer beyond 64 bits. The summary is display
        # text: a surrogate becomes "?". The payload keeps it, escaped (its text is ASCII).
        summary = summary.encode("utf-8", "replace").decode()
        payload = json.dumps(e.payload, separators=(",", ":"), default=str)
        summary_json = json.dumps(summary)
    kind = e.kind.value  # an identifier: nothing to escape
    into.lines.append(f'{{"seq":{e.seq},"ts":"{stamp}","kind":"{kind}",'
                      f'"summary":{summary_json},"payload":{payload}}}')
    # The row keeps the payload compressed once large (store.payloads); the log line as is.
    into.values.extend((e.shift_id, e.seq, stamp, kind, summary, pack(payload)))


_COLUMNS = 6
# Rows per INSERT statement. A multi-row VALUES binds all its parameters in one call and runs
# with the GIL released; executemany of single rows released and re-took the GIL per row. Every
# statement is one more time the SQLite thread waits (up to 5 ms, the interpreter's switch
# interval) for the GIL held by the busy event loop, so statements are as large as SQLite allows:
# 32,766 parameters since 3.32, 999 before.
_CHUNK = 500 if sqlite3.sqlite_version_info >= (3, 32, 0) else 160


@functools.lru_cache(maxsize=16)
def _insert_sql(rows: int) -> str:
    return ("INSERT OR IGNORE INTO events (shift_id, seq, ts, kind, summary, payload) VALUES "
            + ",".join(["(?,?,?,?,?,?)"] * rows))


class Events:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, events: Sequence[ShiftEvent]) -> None:
        """One transaction for the whole batch."""
        await self.append_encoded(encode_events(events))

    async def append_encoded(self, batch: EncodedEvents) -> None:
        """Store a batch made by `encode_events` (the event sink makes it once for agent.log and
        the database alike); one transaction."""
        values = batch.values
        step = _CHUNK * _COLUMNS
        if not values:
            return
        async with self._db.write() as tx:
            for i in range(0, len(values), step):
                chunk = values[i:i + step]
                await tx.execute(_insert_sql(len(chunk) // _COLUMNS), chunk)

    async def import_log(self, shift_id: str, log_path: Path) -> int:
        """Store what agent.log holds beyond the database's last event of the shift (the sink
        writes the log first, so a SIGKILL between the two left the newest events only there);
        returns how many. A torn last line, or a log that cannot be read, is skipped."""
        try:
            raw = await asyncio.to_thread(log_path.read_bytes)
        except OSError:
            return 0
        last = await self.last_seq(shift_id)
        values: list[object] = []
        for line in raw.splitlines():
            try:
                e = orjson.loads(line)
                seq = int(e["seq"])
                if seq > last:
                    values.extend((shift_id, seq, str(e["ts"]), EventKind(e["kind"]).value,
                                   str(e["summary"]), pack(_dumps(e["payload"]).decode())))
            except (ValueError, KeyError, TypeError):
                continue  # (orjson.JSONDecodeError is a ValueError)
        await self.append_encoded(EncodedEvents([], values))
        return len(values) // _COLUMNS

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

    async def summaries_of_kind(self, shift_id: str, kind: EventKind,
                                limit: int = 20) -> tuple[int, list[str]]:
        """How many events of `kind` the shift has, and the first `limit` one-line summaries."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM events WHERE shift_id = ? AND kind = ?", (shift_id, kind.value))
        rows = await self._db.fetchall(
            "SELECT summary FROM events WHERE shift_id = ? AND kind = ? ORDER BY seq LIMIT ?",
            (shift_id, kind.value, limit))
        return (int(row[0]) if row else 0), [str(r["summary"]) for r in rows]

    async def count(self, shift_id: str) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM events WHERE shift_id = ?", (shift_id,))
        return int(row[0]) if row else 0

    async def last_seq(self, shift_id: str) -> int:
        row = await self._db.fetchone(
            "SELECT MAX(seq) FROM events WHERE shift_id = ?", (shift_id,)
        )
        return int(row[0]) if row and row[0] is not None else 0
