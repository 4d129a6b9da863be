"""Plain-text formatting for the command line: local times and aligned tables here; durations,
costs and "ago" from base.text, in the forms the command line uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shifttui.base import text
from shifttui.base.text import duration, first_line
from shifttui.base.text import money as cost
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.cron import next_fires as cron_next_fires

__all__ = ["ago", "clock_time", "cost", "duration", "first_line", "local_time", "next_fires",
           "pairs", "table"]


def local_time(when: datetime | None, *, seconds: bool = False) -> str:
    if when is None:
        return "-"
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def clock_time(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


def ago(when: datetime | None, now: datetime) -> str:
    """`1m30s ago`: the command line is read closely, so two units up to two days."""
    return text.ago(when, now, precise=True, unknown="-")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is never padded. Cells may hold
    what an agent wrote (a handoff's first line, a question): printed as plain text."""
    rows = [[text.printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in [list(headers), *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def next_fires(expr: str, now: datetime, count: int) -> list[str]:
    """The schedule's next fire times in local time: the scheduler's own computation, so what
    is shown is what fires (daylight-saving days included)."""
    return [local_time(t) for t in cron_next_fires(expr, now, local_tz(), count)]


def pairs(items: Sequence[tuple[str, str]], indent: str = "  ") -> str:
    """`key   value` lines, the values aligned."""
    width = max((len(k) for k, _ in items), default=0)
    return "\n".join(f"{indent}{k.ljust(width)}  {v}".rstrip() for k, v in items)
