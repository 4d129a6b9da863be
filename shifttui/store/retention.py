"""Retention: payloads of shifts that ended long ago are dropped; everything else stays.

Each event keeps its kind, time and one-line summary; shifts, handoffs, costs, verdicts,
decisions and feedback are untouched. The pages freed go back to the file system through
incremental vacuum (a database made before this needs one full VACUUM to switch to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shifttui.store.db import Database, ts

EMPTY = "{}"
_INCREMENTAL = 2  # PRAGMA auto_vacuum's value for incremental vacuum


@dataclass(frozen=True)
class Pruned:
    """What a prune dropped (or, dry, would drop)."""

    shifts: int
    events: int
    payload_bytes: int
    file_bytes_before: int
    file_bytes_after: int
    shift_ids: list[str]

    @property
    def freed_bytes(self) -> int:
        return max(0, self.file_bytes_before - self.file_bytes_after)


_ENDED_BEFORE = (f"FROM events WHERE payload != '{EMPTY}' AND shift_id IN (SELECT id FROM shifts"
                 " WHERE status != 'running' AND ended_at IS NOT NULL AND ended_at < ?)")


async def file_bytes(db: Database) -> int:
    """The database file's size in pages (what a checkpointed file takes on disk)."""
    row = await db.fetchone("SELECT page_count * page_size FROM pragma_page_count(), "
                            "pragma_page_size()")
    return int(row[0]) if row else 0


async def _incremental(db: Database) -> bool:
    row = await db.fetchone("PRAGMA auto_vacuum")
    return row is not None and int(row[0]) == _INCREMENTAL


async def prune(db: Database, before: datetime, *, dry_run: bool = False,
                convert: bool = False) -> Pruned:
    """Drop the payloads of shifts that ended before `before`, then give the pages back.
    `convert`: switch a database without incremental vacuum to it (a full VACUUM, which
    rewrites the whole file: for the command line, not a background task)."""
    size_before = await file_bytes(db)
    row = await db.fetchone(
        f"SELECT COUNT(*), COALESCE(SUM(length(payload)), 0), COUNT(DISTINCT shift_id) "
        f"{_ENDED_BEFORE}", (ts(before),))
    events, payload_bytes, shifts = (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
    ids = [str(r[0]) for r in await db.fetchall(
        f"SELECT DISTINCT shift_id {_ENDED_BEFORE}", (ts(before),))]
    if dry_run:
        return Pruned(shifts, events, payload_bytes, size_before, size_before, ids)
    if events:
        async with db.write() as tx:
            await tx.execute(f"UPDATE events SET payload = '{EMPTY}' WHERE payload != '{EMPTY}'"
                             " AND shift_id IN (SELECT id FROM shifts WHERE status != 'running'"
                             " AND ended_at IS NOT NULL AND ended_at < ?)", (ts(before),))
    if await _incremental(db):
        await db.conn.execute("PRAGMA incremental_vacuum")
    elif convert:
        await db.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        await db.conn.execute("VACUUM")
    await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Pruned(shifts, events, payload_bytes, size_before, await file_bytes(db), ids)
