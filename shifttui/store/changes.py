"""Did anyone write to the database since I last looked? A stamp that costs one tiny query.

`PRAGMA data_version` moves when another connection (another shifttui process) commits;
`total_changes` counts the rows this connection changed. Together they let every idle loop
(the scheduler, the app's table, the view of other processes' shifts) skip its reads while
nothing changed. Rows a process writes only to say it is alive (the scheduler lease's
heartbeat) are subtracted, so a heartbeat does not wake this process's own readers.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from shifttui.store.db import Database


class Stamp(NamedTuple):
    others: int  # PRAGMA data_version
    mine: int  # rows this connection changed, heartbeats not counted


class Changes:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._quiet = 0
        self._others: tuple[float, int] | None = None  # (monotonic time, data_version)

    async def stamp(self, *, max_age_s: float = 0.0) -> Stamp:
        """`max_age_s`: a data_version read that recently by another loop of this process is
        good enough (a display that polls anyway need not pay for its own read)."""
        seen = self._others
        if seen is None or time.monotonic() - seen[0] > max_age_s:
            # One trip to the database's thread (fetchone would take three: execute, fetch,
            # close), the bulk of an idle tick's cost.
            rows = list(await self._db.conn.execute_fetchall("PRAGMA data_version"))
            seen = self._others = (time.monotonic(), int(rows[0][0]) if rows else 0)
        return Stamp(seen[1], self.rows_written() - self._quiet)

    def rows_written(self) -> int:
        """Rows this connection changed since it opened (SQLite's total_changes)."""
        return int(self._db.conn.total_changes)

    def forget(self, rows: int) -> None:
        """`rows` this process just wrote are of no interest to its readers (a heartbeat)."""
        self._quiet += rows
