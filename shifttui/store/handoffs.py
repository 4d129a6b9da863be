"""Handoffs (the agent's, stored as it hands them over; reads) and operator feedback."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from shifttui.base.errors import InvalidInput, NotFound, StateError
from shifttui.base.models import Author, Feedback, Handoff, HandoffInput
from shifttui.store.db import Database, dumps, parse_ts, ts


def _handoff(row: aiosqlite.Row) -> Handoff:
    body = json.loads(row["body"])
    created = parse_ts(row["created_at"])
    assert created is not None
    return Handoff(
        id=row["id"],
        shift_id=row["shift_id"],
        project_id=row["project_id"],
        summary=row["summary"],
        author=Author(row["author"]),
        created_at=created,
        **body,
    )


class Handoffs:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def accept(self, shift_id: str, handoff: HandoffInput, now: datetime) -> bool:
        """Store the agent's handoff of a running shift before complete_shift answers it, so a
        shifttui killed from then on loses nothing: the shift's end (Shifts.complete) or
        recovery completes it with this row. False when the shift already has one (a second
        call keeps the first, as the runner does)."""
        body = handoff.model_dump(exclude={"summary"})
        body["files_changed"] = []  # filled from git at the end
        async with self._db.write() as tx:
            row = await tx.fetchone("SELECT project_id, status FROM shifts WHERE id = ?",
                                    (shift_id,))
            if row is None:
                raise NotFound(f"no shift {shift_id!r}")
            if row["status"] != "running":
                raise StateError(f"shift {shift_id} is already {row['status']}")
            cur = await tx.execute(
                "INSERT INTO handoffs (shift_id, project_id, summary, body, author, created_at)"
                " VALUES (?, ?, ?, ?, 'agent', ?) ON CONFLICT (shift_id) DO NOTHING",
                (shift_id, row["project_id"], handoff.summary, dumps(body), ts(now)),
            )
            if cur.rowcount == 0:
                return False
            await tx.execute("UPDATE shifts SET handoff_id = ? WHERE id = ?",
                             (cur.lastrowid, shift_id))
        return True

    async def for_shift(self, shift_id: str) -> Handoff | None:
        row = await self._db.fetchone("SELECT * FROM handoffs WHERE shift_id = ?", (shift_id,))
        return _handoff(row) if row else None

    async def get(self, handoff_id: int) -> Handoff:
        row = await self._db.fetchone("SELECT * FROM handoffs WHERE id = ?", (handoff_id,))
        if row is None:
            raise NotFound(f"no handoff {handoff_id}")
        return _handoff(row)

    async def latest(self, project_id: str) -> Handoff | None:
        history = await self.history(project_id, limit=1)
        return history[0] if history else None

    async def history(self, project_id: str, limit: int = 20) -> list[Handoff]:
        """Newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM handoffs WHERE project_id = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?",
            (project_id, limit),
        )
        return [_handoff(r) for r in rows]


class FeedbackStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, shift_id: str, rating: int, note: str, now: datetime,
                  *, mark_reviewed: bool = False) -> Feedback:
        """Store feedback; with `mark_reviewed` the shift leaves the inbox in the same commit."""
        if not 1 <= rating <= 5:
            raise InvalidInput("rating must be between 1 and 5")
        async with self._db.write() as tx:
            row = await tx.fetchone("SELECT status FROM shifts WHERE id = ?", (shift_id,))
            if row is None:
                raise NotFound(f"no shift {shift_id!r}")
            cur = await tx.execute(
                "INSERT INTO feedback (shift_id, rating, note, created_at) VALUES (?, ?, ?, ?)",
                (shift_id, rating, note.strip(), ts(now)),
            )
            if mark_reviewed:
                await tx.execute("UPDATE shifts SET reviewed_at = ? WHERE id = ?",
                                 (ts(now), shift_id))
        return Feedback(
            id=int(cur.lastrowid or 0), shift_id=shift_id, rating=rating, note=note.strip(),
            created_at=now,
        )

    async def for_shift(self, shift_id: str) -> list[Feedback]:
        rows = await self._db.fetchall(
            "SELECT * FROM feedback WHERE shift_id = ? ORDER BY id", (shift_id,)
        )
        return [_feedback(r) for r in rows]

    async def for_project(self, project_id: str, limit: int = 5) -> list[Feedback]:
        """The project's latest feedback, newest first."""
        rows = await self._db.fetchall(
            "SELECT f.* FROM feedback f JOIN shifts s ON s.id = f.shift_id"
            " WHERE s.project_id = ? ORDER BY f.created_at DESC, f.id DESC LIMIT ?",
            (project_id, limit),
        )
        return [_feedback(r) for r in rows]


def _feedback(row: aiosqlite.Row) -> Feedback:
    created = parse_ts(row["created_at"])
    assert created is not None
    return Feedback(
        id=row["id"], shift_id=row["shift_id"], rating=row["rating"], note=row["note"],
        created_at=created,
    )
