"""Human text, once for every view: durations, "ago", money, sizes, token counts, one-line
summaries. The CLI, the TUI, the report and the context call these and nothing of their own, so
the same fact reads the same everywhere."""

from __future__ import annotations

from datetime import datetime


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


def ago(when: datetime | None, now: datetime, *, precise: bool = False,
        unknown: str = "") -> str:
    """`5m ago`, `3h ago`, `2d ago`: one unit, for a glance (a table cell, the agent's
    context). `precise` gives two units (`1m30s ago`) up to two days, for the command line."""
    if when is None:
        return unknown
    s = max(0, int((now - when).total_seconds()))
    if precise and s < 2 * 86400:
        return duration(s) + " ago"
    if s >= 86400:
        return f"{s // 86400}d ago"
    if s >= 3600:
        return f"{s // 3600}h ago"
    if s >= 60:
        return f"{s // 60}m ago"
    return f"{s}s ago"


def money(usd: float | None, unknown: str = "-") -> str:
    """`$0.42`, `$1,250.00`; a cost under a cent keeps a third decimal (`$0.004`) so it does
    not read as nothing."""
    if usd is None:
        return unknown
    if 0 < usd < 0.01:
        return f"${usd:.3f}"
    return f"${usd:,.2f}"


def size(n: int) -> str:
    """`512 B`, `3.4 KB`, `1.2 MB`."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def tokens(n: int) -> str:
    """`950`, `12.3k`, `1.2M`."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def first_line(text: str | None, width: int = 60) -> str:
    """The first non-empty line, cut to `width` with an ellipsis."""
    for line in (text or "").strip().splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


def items(values: list[str], *, empty: str = "") -> str:
    """A list as one line: `a, b, c`, or `empty` when there is nothing."""
    return ", ".join(values) if values else empty


# Control characters a terminal acts on, as visible symbols: ESC (the start of every CSI and
# OSC sequence, e.g. OSC 52 writes the clipboard), BEL (ends an OSC), the C1 controls (0x9b is
# an 8-bit CSI) and the rest of C0 but for tab and newline.
_CONTROL_PICTURES = {
    **{c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)},
    0x7F: 0x2421,
    **{c: 0xFFFD for c in range(0x80, 0xA0)},
}


def printable(text: str) -> str:
    """`text` safe to print to a terminal: every control character that could move the cursor,
    retitle the window, clear the screen or write the clipboard becomes a visible symbol (␛, ␇,
    …). Newlines and tabs stay. What the agent said is stored as it was; this is for showing it."""
    return text.translate(_CONTROL_PICTURES)
