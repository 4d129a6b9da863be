"""Shifts: claiming, progress, and every way a shift can end."""

from __future__ import annotations

import builtins  # `list` in the class body names the Shifts.list method
import sqlite3
from collections.abc import Callable
from datetime import datetime

import aiosqlite
from pydantic import ValidationError

from shifttui.base.errors import AlreadyRunning, InvalidInput, NotFound, StateError
from shifttui.base.ids import new_shift_id
from shifttui.base.models import (
    Author,
    FailureKind,
    Handoff,
    HandoffInput,
    JudgeVerdict,
    MergeState,
    Shift,
    ShiftStatus,
    TestResult,
    Trigger,
    first_error,
)
from shifttui.store.db import Database, _Tx, dumps, ts
from shifttui.store.shift_queries import ShiftQueries, shift_from_row


class Shifts(ShiftQueries):
    """Shift rows: claiming, progress and every way a shift ends (queries: ShiftQueries)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self,
        project_id: str,
        *,
        trigger: Trigger,
        now: datetime,
        deadline: datetime,
        owner_pid: int,
        owner_token: str,
        model: str | None = None,
        reason: str | None = None,
        parent_shift_id: str | None = None,
        start_commit: str | None = None,
    ) -> Shift:
        """Insert the `running` row; the partial unique index refuses a second one."""
        shift_id = new_shift_id(now)
        try:
            async with self._db.write() as tx:
                await tx.execute(
                    "INSERT INTO shifts (id, project_id, trigger, reason, status, started_at,"
                    " deadline, model, owner_pid, owner_token, parent_shift_id, start_commit)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        shift_id, project_id, trigger.value, reason, ts(now), ts(deadline),
                        model, owner_pid, owner_token, parent_shift_id, start_commit,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            running = await self.running_for(project_id)
            if running is not None:
                since = running.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
                raise AlreadyRunning(
                    f"{project_id}: a shift is already running since {since} ({running.id})"
                ) from None
            if "FOREIGN KEY" in str(exc):
                raise NotFound(f"no project {project_id!r}") from None
            raise
        return await self.get(shift_id)

    async def get(self, shift_id: str) -> Shift:
        row = await self._db.fetchone("SELECT * FROM shifts WHERE id = ?", (shift_id,))
        if row is None:
            rows = await self._db.fetchall(
                "SELECT * FROM shifts WHERE id LIKE ? ORDER BY id LIMIT 2",
                (shift_id.replace("%", "").replace("_", "") + "%",),
            )
            if len(rows) == 1 and len(shift_id) >= 6:
                return shift_from_row(rows[0])
            raise NotFound(f"no shift {shift_id!r}")
        return shift_from_row(row)

    async def list(
        self,
        project_id: str | None = None,
        *,
        limit: int = 50,
        status: ShiftStatus | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Shift]:
        where, params = [], []
        if project_id is not None:
            where.append("project_id = ?")
            params.append(project_id)
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if since is not None:
            where.append("started_at >= ?")
            params.append(ts(since))
        if until is not None:
            where.append("started_at < ?")
            params.append(ts(until))
        sql = "SELECT * FROM shifts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        rows = await self._db.fetchall(sql, (*params, limit))
        return [shift_from_row(r) for r in rows]

    async def running(self) -> builtins.list[Shift]:
        rows = await self._db.fetchall("SELECT * FROM shifts WHERE status = 'running'")
        return [shift_from_row(r) for r in rows]

    async def running_for(self, project_id: str) -> Shift | None:
        row = await self._db.fetchone(
            "SELECT * FROM shifts WHERE project_id = ? AND status = 'running'", (project_id,)
        )
        return shift_from_row(row) if row else None

    async def latest_per_project(self) -> dict[str, Shift]:
        rows = await self._db.fetchall(
            "SELECT s.* FROM shifts s JOIN (SELECT project_id, MAX(started_at) AS m"
            " FROM shifts GROUP BY project_id) l"
            " ON s.project_id = l.project_id AND s.started_at = l.m"
        )
        return {r["project_id"]: shift_from_row(r) for r in rows}

    async def update_progress(
        self,
        shift_id: str,
        *,
        cost_usd: float,
        tokens_in: int,
        tokens_out: int,
        num_turns: int,
        model: str | None = None,
        session_id: str | None = None,
        agent_pid: int | None = None,
    ) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE shifts SET cost_usd = ?, tokens_in = ?, tokens_out = ?, num_turns = ?,"
                " model = COALESCE(?, model), session_id = COALESCE(?, session_id),"
                " agent_pid = COALESCE(?, agent_pid) WHERE id = ?",
                (cost_usd, tokens_in, tokens_out, num_turns, model, session_id, agent_pid,
                 shift_id),
            )

    async def complete(
        self,
        shift_id: str,
        handoff: HandoffInput | None,
        *,
        now: datetime,
        author: Author = Author.AGENT,
        forced: bool = False,
        files_changed: builtins.list[str] | None = None,
    ) -> Handoff:
        """Store the handoff and mark the shift completed, in one transaction."""
        if handoff is None:
            raise InvalidInput("a shift cannot be completed without a handoff")
        # Re-validated: a model_construct()ed or mutated handoff must not slip past the rules;
        # only the input fields, so a stored Handoff the operator edited is accepted too.
        try:
            handoff = HandoffInput.model_validate(
                handoff.model_dump(include=set(HandoffInput.model_fields))
            )
        except ValidationError as exc:
            raise InvalidInput(f"invalid handoff: {first_error(exc)}") from None
        body = handoff.model_dump(exclude={"summary"})
        body["files_changed"] = files_changed or []
        async with self._db.write() as tx:
            shift = await self._running_in_tx(tx, shift_id)
            # The agent's handoff may be stored already (Handoffs.accept): this is its final form.
            cur = await tx.execute(
                "INSERT INTO handoffs (shift_id, project_id, summary, body, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (shift_id) DO UPDATE SET"
                " summary = excluded.summary, body = excluded.body, author = excluded.author"
                " RETURNING id",
                (shift_id, shift["project_id"], handoff.summary, dumps(body), author.value,
                 ts(now)),
            )
            returned = await cur.fetchone()
            handoff_id = returned[0] if returned else None
            await tx.execute(
                "UPDATE shifts SET status = 'completed', ended_at = ?, handoff_id = ?,"
                " forced = ?, files_changed = ? WHERE id = ?",
                (ts(now), handoff_id, int(forced), dumps(files_changed or []), shift_id),
            )
        return Handoff(
            id=int(handoff_id or 0),
            shift_id=shift_id,
            project_id=shift["project_id"],
            author=author,
            created_at=now,
            files_changed=files_changed or [],
            **handoff.model_dump(),
        )

    async def _complete_accepted(self, shift_id: str, handoff_id: int, now: datetime) -> None:
        # The handoff is the agent's, as accepted; what shifttui adds at the end (files, tests)
        # died with its owner.
        async with self._db.write() as tx:
            await self._running_in_tx(tx, shift_id)
            await tx.execute(
                "UPDATE shifts SET status = 'completed', ended_at = ?, handoff_id = ?"
                " WHERE id = ?", (ts(now), handoff_id, shift_id),
            )

    async def _running_in_tx(self, tx: _Tx, shift_id: str) -> aiosqlite.Row:
        row = await tx.fetchone("SELECT * FROM shifts WHERE id = ?", (shift_id,))
        if row is None:
            raise NotFound(f"no shift {shift_id!r}")
        if row["status"] != "running":
            raise StateError(f"shift {shift_id} is already {row['status']}")
        return row

    async def _end(
        self,
        shift_id: str,
        status: ShiftStatus,
        now: datetime,
        *,
        failure_kind: FailureKind | None = None,
        error: str | None = None,
        reason: str | None = None,
        resume_at: datetime | None = None,
    ) -> Shift:
        async with self._db.write() as tx:
            await self._running_in_tx(tx, shift_id)
            await tx.execute(
                "UPDATE shifts SET status = ?, ended_at = ?, failure_kind = ?,"
                " error = COALESCE(?, error), resume_at = ? WHERE id = ?",
                (status.value, ts(now), failure_kind.value if failure_kind else None,
                 error if error is not None else reason,
                 ts(resume_at) if resume_at else None, shift_id),
            )
        return await self.get(shift_id)

    async def abandon(self, shift_id: str, reason: str, now: datetime) -> Shift:
        if not reason.strip():
            raise InvalidInput("abandoning a shift needs a reason")
        return await self._end(shift_id, ShiftStatus.ABANDONED, now, reason=reason.strip())

    async def fail(self, shift_id: str, kind: FailureKind, error: str, now: datetime) -> Shift:
        return await self._end(shift_id, ShiftStatus.FAILED, now, failure_kind=kind, error=error)

    async def interrupt(
        self, shift_id: str, reason: str, now: datetime, *,
        failure_kind: FailureKind | None = None, resume_at: datetime | None = None,
    ) -> Shift:
        """Resumable; with `resume_at` the scheduler resumes it then (a plan limit's reset)."""
        return await self._end(shift_id, ShiftStatus.INTERRUPTED, now, reason=reason,
                               failure_kind=failure_kind, resume_at=resume_at)

    async def due_resumes(self, now: datetime) -> builtins.list[Shift]:
        """Interrupted shifts whose resume_at has come and that nothing has resumed yet."""
        rows = await self._db.fetchall(
            "SELECT * FROM shifts s WHERE s.status = 'interrupted' AND s.resume_at IS NOT NULL"
            " AND s.resume_at <= ? AND NOT EXISTS (SELECT 1 FROM shifts c"
            " WHERE c.parent_shift_id = s.id) ORDER BY s.resume_at", (ts(now),))
        return [shift_from_row(r) for r in rows]

    async def waiting_resumes(self) -> builtins.list[Shift]:
        """Interrupted shifts that will continue by themselves, soonest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM shifts s WHERE s.status = 'interrupted' AND s.resume_at IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM shifts c WHERE c.parent_shift_id = s.id)"
            " ORDER BY s.resume_at")
        return [shift_from_row(r) for r in rows]

    async def cancel_resume(self, shift_id: str) -> None:
        """It will not continue by itself (its resume could not start): resume by hand."""
        async with self._db.write() as tx:
            await tx.execute("UPDATE shifts SET resume_at = NULL WHERE id = ?", (shift_id,))

    async def expire(self, shift_id: str, reason: str, now: datetime) -> Shift:
        return await self._end(
            shift_id, ShiftStatus.EXPIRED, now, failure_kind=FailureKind.TIMEOUT, error=reason
        )

    async def set_outcome_details(
        self,
        shift_id: str,
        *,
        files_changed: builtins.list[str] | None = None,
        test_result: TestResult | None = None,
        lint_result: TestResult | None = None,
        judge_result: JudgeVerdict | None = None,
        checks_failed: bool = False,
    ) -> None:
        """Facts gathered after the end: files changed (git), the checks' results, and
        whether a completed shift's checks failed (failure kind checks_failed)."""
        async with self._db.write() as tx:
            if judge_result is not None:
                await tx.execute(
                    "UPDATE shifts SET judge_result = ? WHERE id = ?",
                    (judge_result.model_dump_json(), shift_id),
                )
            if lint_result is not None:
                await tx.execute(
                    "UPDATE shifts SET lint_result = ? WHERE id = ?",
                    (lint_result.model_dump_json(), shift_id),
                )
            if checks_failed:
                await tx.execute(
                    "UPDATE shifts SET failure_kind = ? WHERE id = ? AND status = 'completed'",
                    (FailureKind.CHECKS_FAILED.value, shift_id),
                )
            if files_changed is not None:
                await tx.execute(
                    "UPDATE shifts SET files_changed = ? WHERE id = ?",
                    (dumps(files_changed), shift_id),
                )
                await tx.execute(
                    "UPDATE handoffs SET body = json_set(body, '$.files_changed', json(?))"
                    " WHERE shift_id = ?",
                    (dumps(files_changed), shift_id),
                )
            if test_result is not None:
                await tx.execute(
                    "UPDATE shifts SET test_result = ? WHERE id = ?",
                    (test_result.model_dump_json(), shift_id),
                )

    async def set_workspace(
        self, shift_id: str, *, workdir: str, branch: str, base_commit: str
    ) -> Shift:
        """Where an isolated shift works: its base commit is also where it started."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE shifts SET workdir = ?, branch = ?, base_commit = ?, start_commit = ?"
                " WHERE id = ?", (workdir, branch, base_commit, base_commit, shift_id),
            )
        return await self.get(shift_id)

    async def set_range(
        self, shift_id: str, *, base_commit: str, head_commit: str,
        merge_state: MergeState | None,
    ) -> None:
        """An isolated shift's own commits, base (exclusive) to head (inclusive)."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE shifts SET base_commit = ?, start_commit = ?, head_commit = ?,"
                " merge_state = ? WHERE id = ?",
                (base_commit, base_commit, head_commit,
                 merge_state.value if merge_state else None, shift_id),
            )

    async def set_merge_state(self, shift_ids: builtins.list[str], state: MergeState) -> None:
        if not shift_ids:
            return
        async with self._db.write() as tx:
            for shift_id in shift_ids:
                await tx.execute("UPDATE shifts SET merge_state = ? WHERE id = ?",
                                 (state.value, shift_id))

    async def mark_reviewed(self, shift_id: str, now: datetime | None) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE shifts SET reviewed_at = ? WHERE id = ?",
                (ts(now) if now else None, shift_id),
            )

    async def recover(self, owner_alive: Callable[[int | None, str | None], bool],
                      now: datetime) -> builtins.list[str]:
        """Running shifts whose owning process is gone become `interrupted` (resumable), or
        `completed` when the agent's handoff was stored before the owner died."""
        recovered = []
        for shift in await self.running():
            if owner_alive(shift.owner_pid, shift.owner_token):
                continue
            try:
                if shift.handoff_id is not None:
                    await self._complete_accepted(shift.id, shift.handoff_id, now)
                else:
                    await self.interrupt(
                        shift.id, f"shifttui (pid {shift.owner_pid}) stopped during the shift",
                        now)
            except StateError:
                continue
            recovered.append(shift.id)
        return recovered
