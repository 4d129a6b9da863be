"""Reading a shift's events by kind and by text: the log browser's filter, search and paging.

Search looks at the whole stored history (summary and payload), not only what a screen loaded.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from shifttui.base.models import EventKind, ShiftEvent
from shifttui.store.db import Database
from shifttui.store.events import _event


@dataclass(frozen=True)
class EventScope:
    """Which events of a shift: `kinds` (None: every kind), plus failed tool results when
    `failed_results` (a tool result is an error by its payload, not its kind)."""

    kinds: frozenset[EventKind] | None = None
    failed_results: bool = False

    def where(self) -> tuple[str, list[Any]]:
        if self.kinds is None:
            return "", []
        parts, params = [], []
        if self.kinds:
            parts.append(f"kind IN ({','.join('?' * len(self.kinds))})")
            params.extend(sorted(k.value for k in self.kinds))
        if self.failed_results:
            parts.append("(kind = 'tool_result' AND "
                         "json_extract(payload_text(payload), '$.is_error') = 1)")
        return (" AND (" + " OR ".join(parts) + ")") if parts else " AND 0", params

    def admits(self, event: ShiftEvent) -> bool:
        """The same test in Python, for live events that never went through a query."""
        if self.kinds is None or event.kind in self.kinds:
            return True
        return (self.failed_results and event.kind is EventKind.TOOL_RESULT
                and bool(event.payload.get("is_error")))


ALL = EventScope()


def _like(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class EventSearch:
    """Queries over the events table for one screen; read-only."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self, shift_id: str, scope: EventScope = ALL) -> int:
        where, params = scope.where()
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM events WHERE shift_id = ?{where}", (shift_id, *params))
        return int(row[0]) if row else 0

    async def page(self, shift_id: str, scope: EventScope = ALL, *, around: int | None = None,
                   limit: int = 500) -> list[ShiftEvent]:
        """The last `limit` events in scope, or (with `around`, a seq) up to `limit` events
        with `around` in the middle; in seq order."""
        where, params = scope.where()
        if around is None:
            rows = await self._db.fetchall(
                f"SELECT * FROM events WHERE shift_id = ?{where} ORDER BY seq DESC LIMIT ?",
                (shift_id, *params, limit))
            return [_event(r) for r in reversed(rows)]
        half = limit // 2
        before = await self._db.fetchall(
            f"SELECT * FROM events WHERE shift_id = ? AND seq < ?{where} "
            "ORDER BY seq DESC LIMIT ?", (shift_id, around, *params, half))
        after = await self._db.fetchall(
            f"SELECT * FROM events WHERE shift_id = ? AND seq >= ?{where} "
            "ORDER BY seq LIMIT ?", (shift_id, around, *params, limit - len(before)))
        return [_event(r) for r in [*reversed(before), *after]]

    async def matches(self, shift_id: str, needle: str, scope: EventScope = ALL,
                      limit: int = 10_000) -> list[int]:
        """The seqs of events in scope whose summary or payload contains `needle` (ASCII case
        ignored), oldest first."""
        where, params = scope.where()
        like = _like(needle)
        rows = await self._db.fetchall(
            f"SELECT seq FROM events WHERE shift_id = ?{where} AND "
            "(summary LIKE ? ESCAPE '\\' OR payload_text(payload) LIKE ? ESCAPE '\\') "
            "ORDER BY seq LIMIT ?",
            (shift_id, *params, like, like, limit))
        return [int(r[0]) for r in rows]

    async def tool_partner(self, event: ShiftEvent) -> ShiftEvent | None:
        """A tool call's result, or a result's call (they share the tool-use id)."""
        if event.kind is EventKind.TOOL_USE:
            tool_id, kind, key = event.payload.get("id"), EventKind.TOOL_RESULT, "tool_use_id"
        elif event.kind is EventKind.TOOL_RESULT:
            tool_id, kind, key = event.payload.get("tool_use_id"), EventKind.TOOL_USE, "id"
        else:
            return None
        if not isinstance(tool_id, str) or not tool_id:
            return None
        row = await self._db.fetchone(
            "SELECT * FROM events WHERE shift_id = ? AND kind = ? "
            f"AND json_extract(payload_text(payload), '$.{key}') = ? LIMIT 1",
            (event.shift_id, kind.value, tool_id))
        return _event(row) if row is not None else None


def scope_of(kinds: Collection[EventKind] | None, *, failed_results: bool = False) -> EventScope:
    return EventScope(None if kinds is None else frozenset(kinds), failed_results)
