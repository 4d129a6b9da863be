"""Stored questions of the agent and the operator's requests to a shift's owning process."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from shifttui.base.control import (
    OperatorRequest,
    Question,
    QuestionStatus,
    RequestKind,
    RequestStatus,
)
from shifttui.base.errors import NotFound
from shifttui.store.db import Database, dumps, loads, parse_ts, ts


def _question(row: aiosqlite.Row) -> Question:
    asked, timeout = parse_ts(row["asked_at"]), parse_ts(row["timeout_at"])
    assert asked is not None and timeout is not None
    return Question(
        id=row["id"], shift_id=row["shift_id"], project_id=row["project_id"],
        question=row["question"], asked_at=asked, timeout_at=timeout,
        status=QuestionStatus(row["status"]), answer=row["answer"],
        answered_at=parse_ts(row["answered_at"]), answered_by=row["answered_by"],
    )


def _request(row: aiosqlite.Row) -> OperatorRequest:
    created = parse_ts(row["created_at"])
    assert created is not None
    return OperatorRequest(
        id=row["id"], shift_id=row["shift_id"], kind=RequestKind(row["kind"]),
        requested_by=row["requested_by"], created_at=created,
        status=RequestStatus(row["status"]), args=loads(row["args"]), result=row["result"],
        handled_at=parse_ts(row["handled_at"]),
    )


class Control:
    def __init__(self, db: Database) -> None:
        self._db = db

    # questions ---------------------------------------------------------------------------
    async def ask(self, question_id: str, shift_id: str, project_id: str, question: str, *,
                  now: datetime, timeout_at: datetime) -> Question:
        async with self._db.write() as tx:
            await tx.execute(
                "INSERT INTO questions (id, shift_id, project_id, question, asked_at, "
                "timeout_at, status) VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
                (question_id, shift_id, project_id, question, ts(now), ts(timeout_at)),
            )
        return Question(question_id, shift_id, project_id, question, now, timeout_at,
                        QuestionStatus.WAITING)

    async def question(self, question_id: str) -> Question:
        row = await self._db.fetchone("SELECT * FROM questions WHERE id = ?", (question_id,))
        if row is None:
            raise NotFound(f"no question {question_id}")
        return _question(row)

    async def find_question(self, ref: str) -> Question:
        """By id or unique id prefix."""
        rows = await self._db.fetchall(
            "SELECT * FROM questions WHERE id = ? OR id LIKE ? ORDER BY asked_at DESC LIMIT 3",
            (ref, ref.replace("%", "").replace("_", "") + "%"),
        )
        exact = [r for r in rows if r["id"] == ref]
        if exact:
            return _question(exact[0])
        if not rows:
            raise NotFound(f"no question {ref} (see `shifttui questions`)")
        if len(rows) > 1:
            raise NotFound(f"question {ref} is ambiguous: "
                           + ", ".join(r["id"] for r in rows))
        return _question(rows[0])

    async def waiting(self, shift_id: str | None = None) -> list[Question]:
        sql, params = "SELECT * FROM questions WHERE status = 'waiting'", []
        if shift_id is not None:
            sql, params = sql + " AND shift_id = ?", [shift_id]
        rows = await self._db.fetchall(sql + " ORDER BY asked_at", params)
        return [_question(r) for r in rows]

    async def answer(self, question_id: str, answer: str, *, now: datetime,
                     by: str) -> Question | None:
        """The answer is stored only while the question waits; None if it no longer does."""
        async with self._db.write() as tx:
            cur = await tx.execute(
                "UPDATE questions SET status = 'answered', answer = ?, answered_at = ?, "
                "answered_by = ? WHERE id = ? AND status = 'waiting'",
                (answer, ts(now), by, question_id),
            )
            changed = cur.rowcount
        return await self.question(question_id) if changed else None

    async def close_question(self, question_id: str, status: QuestionStatus,
                             now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE questions SET status = ?, answered_at = ? "
                "WHERE id = ? AND status = 'waiting'",
                (status.value, ts(now), question_id),
            )

    async def close_questions_of(self, shift_id: str, now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE questions SET status = 'closed', answered_at = ? "
                "WHERE shift_id = ? AND status = 'waiting'",
                (ts(now), shift_id),
            )

    # requests ----------------------------------------------------------------------------
    async def request(self, shift_id: str, kind: RequestKind, args: dict[str, Any], *,
                      now: datetime, by: str) -> OperatorRequest:
        async with self._db.write() as tx:
            cur = await tx.execute(
                "INSERT INTO operator_requests (shift_id, kind, args, requested_by, created_at,"
                " status) VALUES (?, ?, ?, ?, ?, 'pending')",
                (shift_id, kind.value, dumps(args), by, ts(now)),
            )
        return OperatorRequest(int(cur.lastrowid or 0), shift_id, kind, by, now,
                               RequestStatus.PENDING, args)

    async def get_request(self, request_id: int) -> OperatorRequest:
        row = await self._db.fetchone("SELECT * FROM operator_requests WHERE id = ?",
                                      (request_id,))
        if row is None:
            raise NotFound(f"no request {request_id}")
        return _request(row)

    async def pending_for(self, shift_ids: list[str]) -> list[OperatorRequest]:
        if not shift_ids:
            return []
        marks = ", ".join("?" for _ in shift_ids)
        rows = await self._db.fetchall(
            f"SELECT * FROM operator_requests WHERE status = 'pending' AND shift_id IN ({marks})"
            " ORDER BY id", shift_ids,
        )
        return [_request(r) for r in rows]

    async def settle(self, request_id: int, status: RequestStatus, result: str | None, *,
                     now: datetime) -> bool:
        """Move a request on (pending → accepted → done | refused); False if it had moved."""
        before = {RequestStatus.ACCEPTED: ("pending",),
                  RequestStatus.DONE: ("pending", "accepted"),
                  RequestStatus.REFUSED: ("pending", "accepted")}[status]
        marks = ", ".join("?" for _ in before)
        async with self._db.write() as tx:
            cur = await tx.execute(
                f"UPDATE operator_requests SET status = ?, result = ?, handled_at = ? "
                f"WHERE id = ? AND status IN ({marks})",
                (status.value, result, ts(now), request_id, *before),
            )
            return bool(cur.rowcount)

    async def release(self, shift_id: str, now: datetime) -> None:
        """The shift's owner died: its questions close and its requests are refused."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE questions SET status = 'closed', answered_at = ? "
                "WHERE shift_id = ? AND status = 'waiting'", (ts(now), shift_id))
            await tx.execute(
                "UPDATE operator_requests SET status = 'refused', handled_at = ?, result = ? "
                "WHERE shift_id = ? AND status IN ('pending', 'accepted')",
                (ts(now), "its shifttui process is gone; the shift was interrupted", shift_id))
