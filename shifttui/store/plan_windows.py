"""The latest state of each plan window (5-hour, weekly, …), whichever process's agent saw it."""

from __future__ import annotations

import aiosqlite

from shifttui.base.plan import PlanState, PlanWindow, WindowStatus
from shifttui.store.db import Database, parse_ts, ts


def _window(row: aiosqlite.Row) -> PlanWindow:
    seen = parse_ts(row["seen_at"])
    assert seen is not None
    return PlanWindow(type=row["type"], status=WindowStatus(row["status"]),
                      utilization=row["utilization"], resets_at=parse_ts(row["resets_at"]),
                      seen_at=seen, shift_id=row["shift_id"])


class PlanWindows:
    """One row per window; a report never replaces one seen later (two shifts in two
    processes may report out of order)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, windows: list[PlanWindow]) -> None:
        if not windows:
            return
        async with self._db.write() as tx:
            await tx.executemany(
                "INSERT INTO plan_windows (type, status, utilization, resets_at, seen_at,"
                " shift_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(type) DO UPDATE SET"
                " status = excluded.status, utilization = excluded.utilization,"
                " resets_at = excluded.resets_at, seen_at = excluded.seen_at,"
                " shift_id = excluded.shift_id WHERE excluded.seen_at >= plan_windows.seen_at",
                [(w.type, w.status.value, w.utilization,
                  ts(w.resets_at) if w.resets_at else None, ts(w.seen_at), w.shift_id)
                 for w in windows],
            )

    async def state(self) -> PlanState:
        rows = await self._db.fetchall("SELECT * FROM plan_windows")
        return PlanState(windows=[_window(r) for r in rows])
