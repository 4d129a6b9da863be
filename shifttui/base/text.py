"""Short human forms of durations, costs and text shared by the CLI, the report and the TUI."""

from __future__ import annotations


def duration(seconds: float | None, unknown: str = "-") -> str:
    """`42s`, `12m05s`, `1h02m`, `3d04h`: short, and precise where it matters."""
    if seconds is None:
        return unknown
    s = max(0, int(seconds))
    if s >= 86400:
        return f"{s // 86400}d{(s % 86400) // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def cost(usd: float | None, unknown: str = "-") -> str:
    """`$0.42`; a cost under a cent keeps a third decimal so it does not read as nothing."""
    if usd is None:
        return unknown
    if 0 < usd < 0.01:
        return f"${usd:.3f}"
    return f"${usd:,.2f}"


def first_line(text: str | None, width: int = 60) -> str:
    """The first non-empty line, cut to `width` with an ellipsis."""
    for line in (text or "").strip().splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""
