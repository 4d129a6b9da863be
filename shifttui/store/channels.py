"""How each chat bridge last fared, written by the process that runs it, so `shifttui status`
in any window can say that Telegram is failing and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shifttui.store.db import Database, parse_ts, ts


@dataclass(frozen=True)
class ChannelState:
    name: str
    ok: bool
    detail: str
    pid: int | None
    updated_at: datetime
    last_ok_at: datetime | None


class Channels:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(self, name: str, *, ok: bool, detail: str, pid: int, now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "INSERT INTO channels (name, ok, detail, pid, updated_at, last_ok_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET ok = excluded.ok, "
                "detail = excluded.detail, pid = excluded.pid, updated_at = excluded.updated_at,"
                " last_ok_at = COALESCE(excluded.last_ok_at, channels.last_ok_at)",
                (name, int(ok), detail, pid, ts(now), ts(now) if ok else None))

    async def get(self, name: str) -> ChannelState | None:
        row = await self._db.fetchone("SELECT * FROM channels WHERE name = ?", (name,))
        if row is None:
            return None
        updated = parse_ts(row["updated_at"])
        assert updated is not None
        return ChannelState(row["name"], bool(row["ok"]), row["detail"], row["pid"], updated,
                            parse_ts(row["last_ok_at"]))
