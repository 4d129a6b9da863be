"""RichLog's private line cache and line offset, reached through one reported patch.

A flooded pane replaces its last block of lines instead of appending another (shift_pane.py):
RichLog has no public call that deletes lines, so the lines are cut from `lines` and the
rendered-line cache, keyed by position, is cleared; `_start_line` counts the lines RichLog has
trimmed, which the pane needs to know how many lines a write took. If a Textual upgrade moves
either, the `richlog-cache` patch says so and the pane appends each block (the public path).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import RichLog

from shifttui.system.seams import SEAMS, missing_attributes

LINE_CACHE, START_LINE = "_line_cache", "_start_line"


def _probe() -> str | None:
    return missing_attributes(RichLog, "__init__", [LINE_CACHE, START_LINE])


RICHLOG_CACHE = SEAMS.register("richlog-cache", "textual",
                               "a flooded pane appends its blocks instead of replacing them",
                               _probe)


def lines_total(log: RichLog) -> int | None:
    """Lines written to `log` since it was cleared, trimmed ones included; None if unknown."""
    start = getattr(log, START_LINE, None)
    return start + len(log.lines) if isinstance(start, int) else None


def drop_last_lines(log: RichLog, count: int) -> bool:
    """Delete the last `count` lines of `log`; False (and the patch off) when RichLog's cache or
    line offset is not where this module expects it."""
    cache: Any = getattr(log, LINE_CACHE, None)
    if not callable(getattr(cache, "clear", None)):
        RICHLOG_CACHE.fall_back(f"RichLog has no {LINE_CACHE}")
        return False
    if lines_total(log) is None:
        RICHLOG_CACHE.fall_back(f"RichLog has no {START_LINE}")
        return False
    del log.lines[max(0, len(log.lines) - count):]
    # Cached lines are keyed by position, and new lines will sit where the old ones did.
    cache.clear()
    RICHLOG_CACHE.engage()
    RICHLOG_CACHE.uses += 1
    return True
