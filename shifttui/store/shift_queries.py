"""Read-only questions about shift history: review inbox, failure streaks, costs."""

from __future__ import annotations

import builtins  # `list` may name a method in subclasses
import json
from datetime import datetime
from typing import Any

import aiosqlite

from shifttui.base.models import (
    FailureKind,
    JudgeVerdict,
    MergeState,
    Shift,
    ShiftStatus,
    TestResult,
    Trigger,
)
from shifttui.store.db import Database, parse_ts, ts

_COUNTED_FAILED = tuple(k.value for k in FailureKind if k.counts_toward_pause)
_CHECKS_FAILED = FailureKind.CHECKS_FAILED.value


def shift_from_row(row: aiosqlite.Row) -> Shift:
    started = parse_ts(row["started_at"])
    deadline = parse_ts(row["deadline"])
    assert started is not None and deadline is not None
    test, lint = row["test_result"], _optional(row, "lint_result")
    judge = _optional(row, "judge_result")
    return Shift(
        id=row["id"],
        project_id=row["project_id"],
        trigger=Trigger(row["trigger"]),
        reason=row["reason"],
        status=ShiftStatus(row["status"]),
        started_at=started,
        deadline=deadline,
        ended_at=parse_ts(row["ended_at"]),
        cost_usd=row["cost_usd"],
        tokens_in=row["tokens_in"],
        tokens_out=row["tokens_out"],
        num_turns=row["num_turns"],
        model=row["model"],
        session_id=row["session_id"],
        agent_pid=row["agent_pid"],
        owner_pid=row["owner_pid"],
        owner_token=row["owner_token"],
        handoff_id=row["handoff_id"],
        failure_kind=FailureKind(row["failure_kind"]) if row["failure_kind"] else None,
        error=row["error"],
        forced=bool(row["forced"]),
        parent_shift_id=row["parent_shift_id"],
        start_commit=row["start_commit"],
        test_result=TestResult.model_validate_json(test) if test else None,
        lint_result=TestResult.model_validate_json(lint) if lint else None,
        judge_result=JudgeVerdict.model_validate_json(judge) if judge else None,
        files_changed=json.loads(row["files_changed"] or "[]"),
        reviewed_at=parse_ts(row["reviewed_at"]),
        # (a database older than migration 7 has no such column)
        resume_at=parse_ts(row["resume_at"]) if "resume_at" in row.keys() else None,
        workdir=_optional(row, "workdir"),
        branch=_optional(row, "branch"),
        base_commit=_optional(row, "base_commit"),
        head_commit=_optional(row, "head_commit"),
        merge_state=MergeState(state) if (state := _optional(row, "merge_state")) else None,
    )


def _optional(row: aiosqlite.Row, column: str) -> Any:
    """A column of a later migration: a database opened at an older version has none."""
    return row[column] if column in row.keys() else None


class ShiftQueries:
    """Queries over the shifts table that change nothing (mixed into `Shifts`)."""

    _db: Database

    async def find(self, shift_id: str) -> Shift | None:
        """The shift with exactly this id, or None (no prefix matching: see `get`)."""
        row = await self._db.fetchone("SELECT * FROM shifts WHERE id = ?", (shift_id,))
        return shift_from_row(row) if row else None

    async def ids_matching(self, fragment: str, limit: int) -> builtins.list[str]:
        """Ids that start or end with `fragment`, newest first: a shift reference typed short."""
        like = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._db.fetchall(
            "SELECT id FROM shifts WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (like + "%", "%" + like, limit),
        )
        return [r["id"] for r in rows]

    async def unreviewed(
        self, statuses: tuple[ShiftStatus, ...], *, project_id: str | None = None,
        limit: int = 200,
    ) -> builtins.list[Shift]:
        """Ended shifts with one of `statuses` that nobody has reviewed yet, newest first."""
        marks = ", ".join("?" for _ in statuses)
        sql = f"SELECT * FROM shifts WHERE reviewed_at IS NULL AND status IN ({marks})"
        params: builtins.list[object] = [s.value for s in statuses]
        if project_id is not None:
            sql += " AND project_id = ?"
            params.append(project_id)
        sql += " ORDER BY COALESCE(ended_at, started_at) DESC, id DESC LIMIT ?"
        rows = await self._db.fetchall(sql, (*params, limit))
        return [shift_from_row(r) for r in rows]

    async def count_unreviewed(self, statuses: tuple[ShiftStatus, ...]) -> int:
        marks = ", ".join("?" for _ in statuses)
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM shifts WHERE reviewed_at IS NULL AND status IN ({marks})",
            [s.value for s in statuses],
        )
        return int(row[0]) if row else 0

    async def next_in_project(self, shift: Shift) -> Shift | None:
        """The project's first shift started after `shift` (where its changes end)."""
        row = await self._db.fetchone(
            "SELECT * FROM shifts WHERE project_id = ? AND (started_at > ? OR"
            " (started_at = ? AND id > ?)) ORDER BY started_at, id LIMIT 1",
            (shift.project_id, ts(shift.started_at), ts(shift.started_at), shift.id),
        )
        return shift_from_row(row) if row else None

    async def consecutive_failures(self, project_id: str, since: datetime | None) -> int:
        """Counted failures since the last completed shift (and since the last resume)."""
        params: list[object] = [project_id]
        sql = (
            "SELECT status, failure_kind FROM shifts WHERE project_id = ?"
            " AND status IN ('completed', 'failed', 'expired')"
        )
        if since is not None:
            sql += " AND started_at >= ?"
            params.append(ts(since))
        sql += " ORDER BY started_at DESC LIMIT 1000"
        count = 0
        for row in await self._db.fetchall(sql, params):
            if row["status"] == "completed" and row["failure_kind"] != _CHECKS_FAILED:
                break
            if row["status"] == "expired" or row["failure_kind"] in _COUNTED_FAILED:
                count += 1
        return count

    async def consecutive_failures_all(self) -> dict[str, int]:
        """`consecutive_failures` of every project (since its failures_reset_at) in one query:
        the projects view needs all of them, and 200 round trips took most of its start-up."""
        rows = await self._db.fetchall(
            "WITH last_ok AS (SELECT project_id, MAX(started_at) AS at FROM shifts"
            " WHERE status = 'completed' AND failure_kind IS NOT ?"
            " GROUP BY project_id)"
            " SELECT s.project_id, s.status, s.failure_kind FROM shifts s"
            " JOIN projects p ON p.id = s.project_id"
            " LEFT JOIN last_ok l ON l.project_id = s.project_id"
            " WHERE (s.status IN ('failed', 'expired')"
            " OR (s.status = 'completed' AND s.failure_kind IS ?))"
            " AND (p.failures_reset_at IS NULL OR s.started_at >= p.failures_reset_at)"
            " AND (l.at IS NULL OR s.started_at > l.at)",
            (_CHECKS_FAILED, _CHECKS_FAILED),
        )
        counts: dict[str, int] = {}
        for row in rows:
            if row["status"] == "expired" or row["failure_kind"] in _COUNTED_FAILED:
                counts[row["project_id"]] = counts.get(row["project_id"], 0) + 1
        return counts

    async def unmerged(self, project_id: str) -> builtins.list[Shift]:
        """The project's isolated shifts whose commits are on the work branch and not yet in
        the user's branch, oldest first (the order they merge in)."""
        rows = await self._db.fetchall(
            "SELECT * FROM shifts WHERE project_id = ? AND merge_state = 'unmerged'"
            " ORDER BY started_at, id", (project_id,),
        )
        return [shift_from_row(r) for r in rows]

    async def on_work_branch(self, project_id: str) -> builtins.list[Shift]:
        """The project's isolated shifts with a recorded range, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM shifts WHERE project_id = ? AND head_commit IS NOT NULL"
            " AND branch IS NOT NULL ORDER BY started_at, id", (project_id,),
        )
        return [shift_from_row(r) for r in rows]

    async def cost_since(self, since: datetime) -> float:
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM shifts WHERE started_at >= ?", (ts(since),)
        )
        return float(row[0]) if row else 0.0

    async def average_cost(self, project_id: str, last: int = 10) -> float | None:
        row = await self._db.fetchone(
            "SELECT AVG(cost_usd), COUNT(*) FROM (SELECT cost_usd FROM shifts WHERE"
            " project_id = ? AND status != 'running' ORDER BY started_at DESC LIMIT ?)",
            (project_id, last),
        )
        if not row or not row[1]:
            return None
        return float(row[0])
