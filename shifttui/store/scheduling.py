"""What the scheduler keeps: decisions, trigger requests, the lease and schedule marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from shifttui.base.states import Decision, DecisionOutcome, DecisionReason
from shifttui.store.db import Database, _Tx, parse_ts, ts


def _decision(row: aiosqlite.Row) -> Decision:
    when = parse_ts(row["ts"])
    assert when is not None
    return Decision(
        id=row["id"], project_id=row["project_id"], ts=when, source=row["source"],
        outcome=DecisionOutcome(row["outcome"]), reason=DecisionReason(row["reason"]),
        detail=row["detail"], shift_id=row["shift_id"],
    )


@dataclass(frozen=True)
class TriggerRequest:
    id: int
    project_id: str
    source: str
    reason: str | None
    created_at: datetime
    manual: bool = False  # asked for by hand: the schedule's rules (paused, budget) do not apply
    resume_of: str | None = None


@dataclass(frozen=True)
class TriggerResult:
    outcome: str | None  # None while pending; 'taken' while being handled
    shift_id: str | None


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    pid: int
    host: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


class Scheduling:
    def __init__(self, db: Database) -> None:
        self._db = db

    # decisions ---------------------------------------------------------------------------
    async def record_decision(
        self, project_id: str, *, now: datetime, source: str, outcome: DecisionOutcome,
        reason: DecisionReason, detail: str = "", shift_id: str | None = None,
    ) -> Decision:
        async with self._db.write() as tx:
            cur = await tx.execute(
                "INSERT INTO decisions (project_id, ts, source, outcome, reason, detail,"
                " shift_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (project_id, ts(now), source, outcome.value, reason.value, detail, shift_id),
            )
        return Decision(
            id=int(cur.lastrowid or 0), project_id=project_id, ts=now, source=source,
            outcome=outcome, reason=reason, detail=detail, shift_id=shift_id,
        )

    async def decisions(
        self, project_id: str | None = None, limit: int = 50, since: datetime | None = None
    ) -> list[Decision]:
        where, params = [], []
        if project_id is not None:
            where.append("project_id = ?")
            params.append(project_id)
        if since is not None:
            where.append("ts >= ?")
            params.append(ts(since))
        sql = "SELECT * FROM decisions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        return [_decision(r) for r in await self._db.fetchall(sql, (*params, limit))]

    # trigger requests --------------------------------------------------------------------
    async def request_trigger(
        self, project_id: str, *, now: datetime, source: str, reason: str | None,
        manual: bool = False, resume_of: str | None = None,
    ) -> int:
        async with self._db.write() as tx:
            cur = await tx.execute(
                "INSERT INTO trigger_requests (project_id, source, reason, created_at, manual,"
                " resume_of) VALUES (?, ?, ?, ?, ?, ?)",
                (project_id, source, reason, ts(now), int(manual), resume_of),
            )
        return int(cur.lastrowid or 0)

    async def pending_triggers(self) -> list[TriggerRequest]:
        rows = await self._db.fetchall(
            "SELECT * FROM trigger_requests WHERE handled_at IS NULL ORDER BY id"
        )
        out = []
        for r in rows:
            created = parse_ts(r["created_at"])
            assert created is not None
            out.append(TriggerRequest(r["id"], r["project_id"], r["source"], r["reason"], created,
                                      bool(r["manual"]), r["resume_of"]))
        return out

    async def claim_trigger(self, request_id: int, now: datetime) -> bool:
        """Take a pending request for handling; False if another scheduler already took it."""
        async with self._db.write() as tx:
            cur = await tx.execute(
                "UPDATE trigger_requests SET handled_at = ?, outcome = 'taken'"
                " WHERE id = ? AND handled_at IS NULL",
                (ts(now), request_id),
            )
        return cur.rowcount == 1

    async def trigger_outcome(self, request_id: int) -> str | None:
        return (await self.trigger_result(request_id)).outcome

    async def trigger_result(self, request_id: int) -> TriggerResult:
        row = await self._db.fetchone(
            "SELECT outcome, shift_id FROM trigger_requests WHERE id = ?", (request_id,)
        )
        return TriggerResult(row["outcome"], row["shift_id"]) if row else TriggerResult(None, None)

    async def mark_trigger_handled(
        self, request_id: int, outcome: DecisionOutcome, now: datetime,
        shift_id: str | None = None,
    ) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE trigger_requests SET handled_at = ?, outcome = ?, shift_id = ?"
                " WHERE id = ?",
                (ts(now), outcome.value, shift_id, request_id),
            )

    # lease -------------------------------------------------------------------------------
    async def acquire_lease(
        self, name: str, *, holder: str, pid: int, host: str, now: datetime, ttl_s: float
    ) -> Lease:
        """Take or renew the lease if it is free, expired or ours; return whoever holds it."""
        from datetime import timedelta

        expires = now + timedelta(seconds=ttl_s)
        async with self._db.write() as tx:
            row = await tx.fetchone("SELECT * FROM leases WHERE name = ?", (name,))
            if row is None:
                await tx.execute(
                    "INSERT INTO leases (name, holder, pid, host, acquired_at, heartbeat_at,"
                    " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, holder, pid, host, ts(now), ts(now), ts(expires)),
                )
            elif row["holder"] == holder:
                await tx.execute(
                    "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name = ?",
                    (ts(now), ts(expires), name),
                )
            elif row["expires_at"] <= ts(now):
                await tx.execute(
                    "UPDATE leases SET holder = ?, pid = ?, host = ?, acquired_at = ?,"
                    " heartbeat_at = ?, expires_at = ? WHERE name = ?",
                    (holder, pid, host, ts(now), ts(now), ts(expires), name),
                )
            row = await tx.fetchone("SELECT * FROM leases WHERE name = ?", (name,))
        assert row is not None
        return _lease(row)

    async def release_lease(self, name: str, holder: str) -> None:
        async with self._db.write() as tx:
            await tx.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    async def lease(self, name: str) -> Lease | None:
        row = await self._db.fetchone("SELECT * FROM leases WHERE name = ?", (name,))
        return _lease(row) if row else None

    # schedule marks ----------------------------------------------------------------------
    async def last_due(self, project_id: str) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT last_due_at FROM schedule_marks WHERE project_id = ?", (project_id,)
        )
        return parse_ts(row["last_due_at"]) if row else None

    async def set_last_due(self, project_id: str, due: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "INSERT INTO schedule_marks (project_id, last_due_at) VALUES (?, ?)"
                " ON CONFLICT(project_id) DO UPDATE SET last_due_at = excluded.last_due_at",
                (project_id, ts(due)),
            )

    async def claim_due(
        self, project_id: str, previous: datetime | None, due: datetime
    ) -> bool:
        """Move the mark from `previous` to `due` only if nobody moved it meanwhile, so a due
        time is handled once even if two schedulers briefly both think they hold the lease."""
        async with self._db.write() as tx:
            if previous is None:
                cur = await tx.execute(
                    "INSERT OR IGNORE INTO schedule_marks (project_id, last_due_at)"
                    " VALUES (?, ?)",
                    (project_id, ts(due)),
                )
            else:
                cur = await tx.execute(
                    "UPDATE schedule_marks SET last_due_at = ?"
                    " WHERE project_id = ? AND last_due_at = ?",
                    (ts(due), project_id, ts(previous)),
                )
        return cur.rowcount == 1

    # completions (for `after` triggers) -------------------------------------------------
    async def completed_since(self, since: datetime) -> list[tuple[str, str, datetime]]:
        """(shift_id, project_id, ended_at) of shifts completed after `since`, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id, project_id, ended_at FROM shifts WHERE status = 'completed'"
            " AND ended_at > ? ORDER BY ended_at, id",
            (ts(since),),
        )
        out = []
        for r in rows:
            ended = parse_ts(r["ended_at"])
            assert ended is not None
            out.append((r["id"], r["project_id"], ended))
        return out


async def move_schedule_mark(tx: _Tx, project_id: str, at: datetime) -> None:
    """The schedule was edited at `at`: runs due before it are not the new schedule's misses,
    so the mark moves to the later of the last handled due time and the edit."""
    await tx.execute(
        "INSERT INTO schedule_marks (project_id, last_due_at) VALUES (?, ?)"
        " ON CONFLICT(project_id) DO UPDATE SET"
        " last_due_at = MAX(last_due_at, excluded.last_due_at)",
        (project_id, ts(at)),
    )


def _lease(row: aiosqlite.Row) -> Lease:
    acquired, beat, expires = (parse_ts(row[k]) for k in ("acquired_at", "heartbeat_at",
                                                           "expires_at"))
    assert acquired and beat and expires
    return Lease(row["name"], row["holder"], row["pid"], row["host"], acquired, beat, expires)
