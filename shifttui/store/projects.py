"""Projects and their policies."""

from __future__ import annotations

import builtins  # `list` in the class body names the Projects.list method
import sqlite3
from datetime import datetime

import aiosqlite

from shifttui.base.errors import AlreadyExists, NotFound, StateError
from shifttui.base.models import Policy, Project, slugify, validate_project_name
from shifttui.store.db import Database, parse_ts, ts
from shifttui.store.scheduling import move_schedule_mark


def _project(row: aiosqlite.Row) -> Project:
    created = parse_ts(row["created_at"])
    assert created is not None
    return Project(
        id=row["id"],
        name=row["name"],
        path=row["path"],
        policy=Policy.model_validate_json(row["policy"]),
        paused=bool(row["paused"]),
        paused_reason=row["paused_reason"],
        created_at=created,
    )


def _schedule_of(policy_json: str) -> str | None:
    return Policy.model_validate_json(policy_json).schedule


class Projects:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, name: str, path: str, policy: Policy, now: datetime) -> Project:
        name = validate_project_name(name)
        pid = slugify(name)
        try:
            async with self._db.write() as tx:
                await tx.execute(
                    "INSERT INTO projects (id, name, path, policy, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (pid, name, path, policy.model_dump_json(), ts(now)),
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"a project named {name!r} already exists") from None
        return await self.get(pid)

    async def get(self, name_or_id: str) -> Project:
        row = await self._db.fetchone(
            "SELECT * FROM projects WHERE id = ? OR name = ? OR id = ?",
            (name_or_id, name_or_id, slugify(name_or_id)),
        )
        if row is None:
            raise NotFound(f"no project named {name_or_id!r} (see `shifttui project list`)")
        return _project(row)

    async def list(self) -> list[Project]:
        rows = await self._db.fetchall("SELECT * FROM projects ORDER BY name COLLATE NOCASE")
        return [_project(r) for r in rows]

    async def update_policy(self, project_id: str, policy: Policy, now: datetime) -> Project:
        """Store the policy; a changed schedule counts its runs from `now` (see
        move_schedule_mark), whichever form, command or import changed it."""
        async with self._db.write() as tx:
            row = await tx.fetchone("SELECT policy FROM projects WHERE id = ?", (project_id,))
            if row is None:
                raise NotFound(f"no project {project_id!r}")
            await tx.execute(
                "UPDATE projects SET policy = ? WHERE id = ?",
                (policy.model_dump_json(), project_id),
            )
            if _schedule_of(row["policy"]) != policy.schedule:
                await move_schedule_mark(tx, project_id, now)
        return await self.get(project_id)

    async def update_path(self, project_id: str, path: str) -> Project:
        async with self._db.write() as tx:
            await tx.execute("UPDATE projects SET path = ? WHERE id = ?", (path, project_id))
        return await self.get(project_id)

    async def set_paused(
        self, project_id: str, paused: bool, reason: str | None, now: datetime
    ) -> Project:
        """Pause with a reason, or resume (which also resets the failure count)."""
        async with self._db.write() as tx:
            if paused:
                cur = await tx.execute(
                    "UPDATE projects SET paused = 1, paused_reason = ? WHERE id = ?",
                    (reason, project_id),
                )
            else:
                cur = await tx.execute(
                    "UPDATE projects SET paused = 0, paused_reason = NULL,"
                    " failures_reset_at = ? WHERE id = ?",
                    (ts(now), project_id),
                )
            if cur.rowcount == 0:
                raise NotFound(f"no project {project_id!r}")
        return await self.get(project_id)

    async def remove(self, project_id: str) -> None:
        async with self._db.write() as tx:
            row = await tx.fetchone(
                "SELECT id FROM shifts WHERE project_id = ? AND status = 'running'",
                (project_id,),
            )
            if row is not None:
                raise StateError(
                    f"project {project_id!r} has a running shift ({row['id']}); "
                    "abandon it before removing the project"
                )
            cur = await tx.execute("DELETE FROM projects WHERE id = ?", (project_id,))
            if cur.rowcount == 0:
                raise NotFound(f"no project {project_id!r}")

    async def history_counts(self, project_id: str) -> dict[str, int]:
        """What `remove` deletes with the project, by kind (the cascade takes all of it)."""
        row = await self._db.fetchone(
            "SELECT (SELECT COUNT(*) FROM shifts WHERE project_id = ?) AS shifts,"
            " (SELECT COUNT(*) FROM handoffs WHERE project_id = ?) AS handoffs,"
            " (SELECT COUNT(*) FROM events e JOIN shifts s ON s.id = e.shift_id"
            "  WHERE s.project_id = ?) AS events,"
            " (SELECT COUNT(*) FROM feedback f JOIN shifts s ON s.id = f.shift_id"
            "  WHERE s.project_id = ?) AS reviews,"
            " (SELECT COUNT(*) FROM decisions WHERE project_id = ?) AS decisions",
            (project_id,) * 5,
        )
        assert row is not None
        return {key: int(row[key]) for key in ("shifts", "handoffs", "events", "reviews",
                                                "decisions")}

    async def upsert_many(
        self, projects: builtins.list[Project], now: datetime
    ) -> tuple[builtins.list[str], builtins.list[str]]:
        """Add or update all of `projects` in one transaction: all of them, or none.

        An existing project (same id) gets the given path, policy and paused state and keeps
        its created_at and history; unpausing resets its failure count, as resume does.
        Returns (added ids, updated ids)."""
        added: builtins.list[str] = []
        updated: builtins.list[str] = []
        async with self._db.write() as tx:
            for p in projects:
                row = await tx.fetchone("SELECT paused, policy FROM projects WHERE id = ?",
                                        (p.id,))
                reason = p.paused_reason if p.paused else None
                if row is None:
                    await tx.execute(
                        "INSERT INTO projects (id, name, path, policy, paused, paused_reason,"
                        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (p.id, p.name, p.path, p.policy.model_dump_json(), int(p.paused),
                         reason, ts(p.created_at)),
                    )
                    added.append(p.id)
                    continue
                resumed = bool(row["paused"]) and not p.paused
                await tx.execute(
                    "UPDATE projects SET name = ?, path = ?, policy = ?, paused = ?,"
                    " paused_reason = ?, failures_reset_at = CASE WHEN ? THEN ?"
                    " ELSE failures_reset_at END WHERE id = ?",
                    (p.name, p.path, p.policy.model_dump_json(), int(p.paused), reason,
                     int(resumed), ts(now), p.id),
                )
                if _schedule_of(row["policy"]) != p.policy.schedule:
                    await move_schedule_mark(tx, p.id, now)
                updated.append(p.id)
        return added, updated

    async def failures_reset_at(self, project_id: str) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT failures_reset_at FROM projects WHERE id = ?", (project_id,)
        )
        return parse_ts(row["failures_reset_at"]) if row else None
