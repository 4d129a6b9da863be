"""The operator's tasks (base/tasks.py)."""

from __future__ import annotations

import builtins  # `list` in the class body names the Tasks.list method
import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from shifttui.base.errors import InvalidInput, NotFound, StateError
from shifttui.base.tasks import Task, TaskInput, TaskStatus
from shifttui.store.db import Database, _Tx, dumps, loads, parse_ts, ts

_ORDER = "ORDER BY priority DESC, number"


def _task(row: aiosqlite.Row) -> Task:
    created = parse_ts(row["created_at"])
    assert created is not None
    return Task(
        project_id=row["project_id"], number=row["number"], title=row["title"],
        body=row["body"], priority=row["priority"],
        context_files=loads(row["context_files"]), deliverables=loads(row["deliverables"]),
        status=TaskStatus(row["status"]), created_at=created,
        closed_at=parse_ts(row["closed_at"]), done_by_shift=row["done_by_shift"],
        ref=row["ref"], progress=row["progress"],
        missing_deliverables=loads(row["missing_deliverables"]),
    )


@dataclass(frozen=True)
class NewTask:
    """One task of an import: where it goes and what it says."""

    project_id: str
    task: TaskInput
    ref: str | None = None


class Tasks:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, project_id: str, task: TaskInput, now: datetime, *,
                  ref: str | None = None) -> Task:
        async with self._db.write() as tx:
            number = await _insert(tx, project_id, task, now, ref)
        return await self.get(project_id, number)

    async def add_many(self, tasks: builtins.list[NewTask], now: datetime
                       ) -> tuple[builtins.list[Task], builtins.list[NewTask]]:
        """All in one transaction (all or nothing). A task whose `ref` its project already has
        is skipped: importing a day file twice adds its tasks once. Returns (added, skipped)."""
        added: builtins.list[tuple[str, int]] = []
        skipped: builtins.list[NewTask] = []
        async with self._db.write() as tx:
            for new in tasks:
                if new.ref is not None and await tx.fetchone(
                        "SELECT 1 FROM tasks WHERE project_id = ? AND ref = ?",
                        (new.project_id, new.ref)):
                    skipped.append(new)
                    continue
                added.append((new.project_id,
                              await _insert(tx, new.project_id, new.task, now, new.ref)))
        return [await self.get(p, n) for p, n in added], skipped

    async def get(self, project_id: str, number: int) -> Task:
        row = await self._db.fetchone(
            "SELECT * FROM tasks WHERE project_id = ? AND number = ?", (project_id, number))
        if row is None:
            raise NotFound(f"{project_id} has no task {number} (see `shifttui task list`)")
        return _task(row)

    async def list(self, project_id: str | None = None, *,
                   statuses: tuple[TaskStatus, ...] = (TaskStatus.OPEN,)
                   ) -> builtins.list[Task]:
        """Highest priority first, then the oldest; every project's when `project_id` is None."""
        marks = ", ".join("?" for _ in statuses)
        sql = f"SELECT * FROM tasks WHERE status IN ({marks})"
        params: builtins.list[object] = [s.value for s in statuses]
        if project_id is not None:
            sql += " AND project_id = ?"
            params.append(project_id)
        order = _ORDER if project_id is not None else "ORDER BY project_id, priority DESC, number"
        return [_task(r) for r in await self._db.fetchall(f"{sql} {order}", params)]

    async def open(self, project_id: str) -> builtins.list[Task]:
        return await self.list(project_id)

    async def count_open(self) -> dict[str, int]:
        rows = await self._db.fetchall(
            "SELECT project_id, count(*) FROM tasks WHERE status = 'open' GROUP BY project_id")
        return {r[0]: int(r[1]) for r in rows}

    async def edit(self, project_id: str, number: int, task: TaskInput) -> Task:
        async with self._db.write() as tx:
            cur = await tx.execute(
                "UPDATE tasks SET title = ?, body = ?, priority = ?, context_files = ?, "
                "deliverables = ? WHERE project_id = ? AND number = ?",
                (task.title, task.body, task.priority, dumps(task.context_files),
                 dumps(task.deliverables), project_id, number))
            if not cur.rowcount:
                raise NotFound(f"{project_id} has no task {number} (see `shifttui task list`)")
        return await self.get(project_id, number)

    async def close(self, project_id: str, number: int, status: TaskStatus, now: datetime, *,
                    shift_id: str | None = None,
                    missing: builtins.list[str] | None = None) -> Task:
        """Open → done (by a shift, or by hand) | dropped. StateError if it was not open."""
        if status is TaskStatus.OPEN:
            raise InvalidInput("a task is closed as done or dropped")
        async with self._db.write() as tx:
            cur = await tx.execute(
                "UPDATE tasks SET status = ?, closed_at = ?, done_by_shift = ?, "
                "missing_deliverables = ? WHERE project_id = ? AND number = ? "
                "AND status = 'open'",
                (status.value, ts(now), shift_id, dumps(missing or []), project_id, number))
            changed = cur.rowcount
        task = await self.get(project_id, number)
        if not changed:
            raise StateError(f"task {number} of {project_id} is already {task.status.value}")
        return task

    async def reopen(self, project_id: str, number: int) -> Task:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE tasks SET status = 'open', closed_at = NULL, done_by_shift = NULL, "
                "missing_deliverables = '[]' WHERE project_id = ? AND number = ?",
                (project_id, number))
        return await self.get(project_id, number)

    async def note_progress(self, project_id: str, number: int, note: str) -> bool:
        """The latest note on an open task; False when it is not open (or not there)."""
        async with self._db.write() as tx:
            cur = await tx.execute(
                "UPDATE tasks SET progress = ? WHERE project_id = ? AND number = ? "
                "AND status = 'open'", (note, project_id, number))
            return bool(cur.rowcount)

    async def done_by(self, shift_id: str) -> builtins.list[Task]:
        rows = await self._db.fetchall(
            f"SELECT * FROM tasks WHERE done_by_shift = ? {_ORDER}", (shift_id,))
        return [_task(r) for r in rows]


async def _insert(tx: _Tx, project_id: str, task: TaskInput, now: datetime,
                  ref: str | None) -> int:
    # Inside BEGIN IMMEDIATE: no other writer (in any process) can take the same number.
    row = await tx.fetchone("SELECT COALESCE(MAX(number), 0) + 1 FROM tasks WHERE project_id = ?",
                            (project_id,))
    number = int(row[0]) if row is not None else 1
    try:
        await tx.execute(
            "INSERT INTO tasks (project_id, number, title, body, priority, context_files, "
            "deliverables, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (project_id, number, task.title, task.body, task.priority,
             dumps(task.context_files), dumps(task.deliverables), ref, ts(now)))
    except sqlite3.IntegrityError as exc:
        if "FOREIGN KEY" in str(exc):
            raise NotFound(f"no project {project_id!r}") from None
        raise InvalidInput(f"task {task.title!r}: {exc}") from None
    return number
