"""Handoffs (read side) and operator feedback on shifts."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from shifttui.base.errors import InvalidInput, NotFound
from shifttui.base.models import Author, Feedback, Handoff
from shifttui.store.db import Database, parse_ts, ts


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
