"""State of the event triggers the scheduler polls: completed shifts (`after`) and watched
files (`on_change`, reported by the OS through filewatch and read at each tick)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta

from shifttui.base.models import Project, slugify
from shifttui.scheduling.filewatch import ProjectWatch, Watcher, watched_roots
from shifttui.store import Store

# Completions are read a little behind the newest one seen, since another process may commit
# a shift that ended a moment earlier after we looked; the ids seen make that safe.
_LOOKBACK = timedelta(seconds=2)
# A watcher that failed (the OS's limit on watches, a root gone at the wrong moment) is tried
# again after this long, not at every tick.
_RETRY_AFTER = timedelta(seconds=30)


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
    """A ProjectWatch per project with `on_change` globs, and one Watcher over their roots."""

    def __init__(self) -> None:
        self._watches: dict[str, ProjectWatch] = {}
        self._watcher: Watcher | None = None
        self._retired: set[Watcher] = set()
        self._retry_at: datetime | None = None

    @property
    def pending(self) -> bool:
        """Some project has changed files waiting out its debounce."""
        return any(w.pending for w in self._watches.values())

    @property
    def quiet(self) -> bool:
        """Nothing to do until the projects change: no change waits out its debounce, and no
        watcher needs starting again."""
        if self.pending:
            return False
        return self._watcher is None if not self._watches else (
            self._watcher is not None and self._watcher.alive)

    def watch(self, project_id: str) -> ProjectWatch | None:
        return self._watches.get(project_id)

    @property
    def watcher(self) -> Watcher | None:
        return self._watcher

    async def ready(self) -> None:
        """Wait until the current watcher captures changes (or has failed)."""
        if self._watcher is not None:
            await self._watcher.ready.wait()

    def reset(self) -> None:
        """Stop watching and forget every pending change (the lease moved)."""
        self._watches.clear()
        self._retire()

    async def close(self) -> None:
        self.reset()
        await asyncio.gather(*(w.close() for w in self._retired))
        self._retired.clear()

    async def poll(
        self, store: Store, projects: list[Project], now: datetime
    ) -> list[tuple[Project, list[str]]]:
        """Projects whose watched files changed and then stayed quiet for the debounce time."""
        wanted = {p.id: p for p in projects if p.policy.triggers.on_change}
        for gone in set(self._watches) - set(wanted):
            del self._watches[gone]
        for project in wanted.values():
            trig = project.policy.triggers
            root = os.path.abspath(project.path)
            held = self._watches.get(project.id)
            if held is None or (held.root, held.patterns, held.debounce.total_seconds()) != (
                root, tuple(trig.on_change), trig.debounce_seconds
            ):
                self._watches[project.id] = ProjectWatch(
                    root, tuple(trig.on_change), timedelta(seconds=trig.debounce_seconds))
        self._keep_watching(now)
        ready = []
        for project_id, watch in self._watches.items():
            if not watch.pending:
                continue  # nothing changed: no query (a quiet tree costs no work per tick)
            # The project's own shift edits its files: that must not trigger the next shift.
            busy = await store.shifts.running_for(project_id) is not None
            files = watch.poll(now, absorb=busy)
            if files:
                ready.append((wanted[project_id], files))
        return ready

    def _keep_watching(self, now: datetime) -> None:
        """Start a watcher for the roots that exist; replace it when they change or it died."""
        roots = watched_roots(self._watches.values())
        current = self._watcher
        if current is not None:
            if current.roots == roots and current.alive:
                return
            if current.failed is not None:
                self._retry_at = self._retry_at or now + _RETRY_AFTER
                if current.roots == roots and now < self._retry_at:
                    return
        self._retire()
        self._retry_at = None
        if roots:
            self._watcher = Watcher(roots, self._watches.values)

    def _retire(self) -> None:
        self._retired = {w for w in self._retired if not w.task.done()}
        if self._watcher is not None:
            self._watcher.stop()
            self._retired.add(self._watcher)
            self._watcher = None


def describe_files(files: list[str], limit: int = 5) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")
