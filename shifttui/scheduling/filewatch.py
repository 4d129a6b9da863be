"""File triggers on watchfiles: the OS reports changes, each project debounces its own.

watchfiles' Rust backend (inotify, FSEvents, ReadDirectoryChangesW) tells us what changed, so a
`**` glob costs nothing while the tree is quiet, and deletions and renames arrive like writes.
One watcher serves every project, since each watcher holds a thread of anyio's shared pool of 40,
which the agent SDK needs too. The debounce runs on the scheduler's clock at its ticks.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watchfiles import Change, awatch

from shifttui.system import globs

log = logging.getLogger(__name__)

FileChange = tuple[Change, str]
# watchfiles hands over a batch once nothing changed for STEP_MS, or after GROUP_MS at most;
# the user's debounce comes after that, so these only need to be short.
STEP_MS = 50
GROUP_MS = 500
# A directory that appears (mkdir, or moved in) is searched for matches, up to this many entries:
# files written into it before the OS watches it would otherwise go unseen.
NEW_DIR_ENTRIES = 10_000


@dataclass(eq=False)
class ProjectWatch:
    """One project's globs and the changed files waiting out its debounce."""

    root: str  # absolute, spelled as given to the watcher: its events come back under it
    patterns: tuple[str, ...]
    debounce: timedelta
    changed: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _pending: set[str] = field(default_factory=set, init=False)
    _fresh: bool = field(default=False, init=False)
    _last_change: datetime | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.match = globs.matcher(self.patterns)

    @property
    def pending(self) -> frozenset[str]:
        return frozenset(self._pending)

    def relative(self, path: str) -> str | None:
        """`path` relative to the root in posix form, "" for the root, None when outside."""
        if path == self.root:
            return ""
        prefix = self.root.rstrip(os.sep) + os.sep
        if not path.startswith(prefix):
            return None
        return path[len(prefix):].replace(os.sep, "/")

    def offer(self, rels: Iterable[str]) -> None:
        before = len(self._pending)
        self._pending.update(rels)
        if len(self._pending) != before:
            self._fresh = True
            self.changed.set()

    def poll(self, now: datetime, *, absorb: bool = False) -> list[str] | None:
        """The changed files once none changed for the debounce time, else None.

        `absorb` drops what changed without firing (the project's own shift is editing it)."""
        if absorb:
            self._pending.clear()
            self._fresh, self._last_change = False, None
            return None
        if self._fresh:
            self._fresh, self._last_change = False, now
        if self._last_change is None or now - self._last_change < self.debounce:
            return None
        files = sorted(self._pending)
        self._pending.clear()
        self._last_change = None
        return files


class Watcher:
    """One `watchfiles.awatch` over some project roots; routes each change to its watches.

    `watches` is read at every change, so editing a project's globs needs no restart; a new set
    of roots does (the caller starts another Watcher)."""

    def __init__(
        self, roots: tuple[str, ...], watches: Callable[[], Iterable[ProjectWatch]]
    ) -> None:
        self.roots = roots
        self._watches = watches
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()
        self.failed: Exception | None = None
        # Set when a watched root itself was deleted: the OS watch on it is gone for good.
        self.lost_root = False
        self.task = asyncio.get_running_loop().create_task(self._run(), name="file-watcher")

    @property
    def alive(self) -> bool:
        return not self.task.done() and not self.lost_root

    def stop(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        self.stop()
        await asyncio.gather(self.task, return_exceptions=True)

    def _routes(self, change: Change, path: str) -> list[tuple[ProjectWatch, str, Change]]:
        out = []
        for watch in self._watches():
            rel = watch.relative(path)
            if rel is None:
                continue
            if rel == "":
                if change is Change.deleted:
                    self.lost_root = True
            elif watch.match(rel) or (change is Change.added and ".git" not in rel.split("/")):
                out.append((watch, rel, change))  # an added path may be a directory to search
        return out

    def _wanted(self, change: Change, path: str) -> bool:
        return bool(self._routes(change, path))

    async def _run(self) -> None:
        changes = awatch(*self.roots, watch_filter=self._wanted, stop_event=self._stop,
                         debounce=GROUP_MS, step=STEP_MS)
        # awatch builds its OS watcher synchronously in its first step, before its first await:
        # once this task has yielded, every later change is captured.
        asyncio.get_running_loop().call_soon(self.ready.set)
        try:
            async for batch in changes:
                routed = [r for change, path in batch for r in self._routes(change, path)]
                await _deliver(routed)
        except Exception as exc:  # a vanished root, the OS's watch limit: retried later
            self.failed = exc
            log.warning("watching %s for file triggers failed: %s", ", ".join(self.roots), exc)
        finally:
            self.ready.set()


async def _deliver(routed: list[tuple[ProjectWatch, str, Change]]) -> None:
    """Hand each watch its matching paths; search directories that appeared for matches."""
    hits: dict[ProjectWatch, set[str]] = {}
    added: list[tuple[ProjectWatch, str]] = []
    for watch, rel, change in routed:
        if watch.match(rel):
            hits.setdefault(watch, set()).add(rel)
        elif change is Change.added:
            added.append((watch, rel))
    if added:
        for watch, rel in await asyncio.to_thread(_matches_below, added):
            hits.setdefault(watch, set()).add(rel)
    for watch, rels in hits.items():
        watch.offer(rels)


def _matches_below(added: list[tuple[ProjectWatch, str]]) -> list[tuple[ProjectWatch, str]]:
    out = []
    for watch, rel in added:
        top = os.path.join(watch.root, rel)
        if not os.path.isdir(top):
            continue
        seen = 0
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in filenames:
                sub = watch.relative(os.path.join(dirpath, name))
                if sub is not None and watch.match(sub):
                    out.append((watch, sub))
            seen += len(dirnames) + len(filenames)
            if seen >= NEW_DIR_ENTRIES:
                break
    return out


def watched_roots(watches: Iterable[ProjectWatch]) -> tuple[str, ...]:
    """The existing roots to watch, without those inside another (its watch covers them)."""
    roots = sorted({w.root for w in watches if os.path.isdir(w.root)})
    kept: list[str] = []
    for root in roots:
        if not any(root.startswith(k.rstrip(os.sep) + os.sep) for k in kept):
            kept.append(root)
    return tuple(kept)
