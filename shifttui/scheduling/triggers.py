"""State of the event triggers the scheduler polls: completed shifts (`after`) and watched
files (`on_change`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from shifttui.base.models import Project, slugify
from shifttui.scheduling.filewatch import FileWatch
from shifttui.store import Store

# Completions are read a little behind the newest one seen, since another process may commit
# a shift that ended a moment earlier after we looked; the ids seen make that safe.
_LOOKBACK = timedelta(seconds=2)


class Completions:
    """Shifts completed since this scheduler took the lease (whichever process ran them)."""

    def __init__(self) -> None:
        self._mark: datetime | None = None
        self._seen: dict[str, datetime] = {}

    def start(self, now: datetime) -> None:
        self._mark = now
        self._seen.clear()

    def reset(self) -> None:
        self._mark = None
        self._seen.clear()

    async def new(self, store: Store) -> list[tuple[str, str]]:
        """(shift_id, project_id) of each completion not reported before, oldest first."""
        if self._mark is None:
            return []
        out = []
        for shift_id, project_id, ended in await store.scheduling.completed_since(
            self._mark - _LOOKBACK
        ):
            if shift_id in self._seen:
                continue
            self._seen[shift_id] = ended
            self._mark = max(self._mark, ended)
            out.append((shift_id, project_id))
        horizon = self._mark - 5 * _LOOKBACK
        self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
        return out


def followers_of(done: Project, projects: list[Project]) -> list[Project]:
    """Projects whose `after` names `done` (by name or id)."""
    names = {done.id, slugify(done.name)}
    return [
        p for p in projects
        if p.id != done.id and names & {slugify(a) for a in p.policy.triggers.after}
    ]


class FileTriggers:
    """One FileWatch per project with `on_change` globs, rebuilt when its settings change."""

    def __init__(self) -> None:
        self._watches: dict[str, tuple[tuple[str, tuple[str, ...], float], FileWatch]] = {}

    def reset(self) -> None:
        self._watches.clear()

    async def poll(
        self, store: Store, projects: list[Project], now: datetime
    ) -> list[tuple[Project, list[str]]]:
        """Projects whose watched files changed and then stayed quiet for the debounce time."""
        wanted = {p.id: p for p in projects if p.policy.triggers.on_change}
        for gone in set(self._watches) - set(wanted):
            del self._watches[gone]
        ready = []
        for project in wanted.values():
            trig = project.policy.triggers
            key = (project.path, tuple(trig.on_change), trig.debounce_seconds)
            held = self._watches.get(project.id)
            if held is None or held[0] != key:
                held = (key, FileWatch(Path(project.path), list(trig.on_change),
                                       timedelta(seconds=trig.debounce_seconds)))
                self._watches[project.id] = held
            # The project's own shift edits its files: that must not trigger the next shift.
            busy = await store.shifts.running_for(project.id) is not None
            files = await asyncio.to_thread(held[1].poll, now, absorb=busy)
            if files:
                ready.append((project, files))
        return ready


def describe_files(files: list[str], limit: int = 5) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")
