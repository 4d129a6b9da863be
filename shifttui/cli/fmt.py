"""Plain-text formatting for the command line: local times, durations, costs, aligned tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from croniter import croniter


def local_time(when: datetime | None, *, seconds: bool = False) -> str:
    if when is None:
        return "-"
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def clock_time(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


def duration(seconds: float | None) -> str:
    """`45s`, `12m05s`, `1h02m`: short, and precise where it matters."""
    if seconds is None:
        return "-"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "-"
    seconds = (now - when).total_seconds()
    if seconds >= 2 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return duration(seconds) + " ago"


def cost(usd: float | None) -> str:
    if usd is None:
        return "-"
    return f"${usd:.2f}"


def first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
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
    """The schedule's next fire times in local time (cron runs in the local time zone)."""
    it = croniter(expr, now.astimezone())
    return [local_time(it.get_next(datetime)) for _ in range(count)]


def pairs(items: Sequence[tuple[str, str]], indent: str = "  ") -> str:
    """`key   value` lines, the values aligned."""
    width = max((len(k) for k, _ in items), default=0)
    return "\n".join(f"{indent}{k.ljust(width)}  {v}".rstrip() for k, v in items)
