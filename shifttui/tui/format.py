"""Short texts the screens show: glyphs, cron previews, event lines, handoff markdown. Durations,
money and the like come from base.text (re-exported here in the TUI's forms)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from shifttui.base import text
from shifttui.base.models import (
    EventKind,
    Handoff,
    Shift,
    ShiftEvent,
    ShiftStatus,
    handoff_sections,
)
from shifttui.base.text import first_line, tokens
from shifttui.scheduling import cron
from shifttui.scheduling.cron import local_tz

__all__ = ["STATUS_GLYPH", "STATUS_STYLE", "ago", "duration", "event_line", "first_line",
           "handoff_markdown", "kind_glyph", "local_time", "money", "next_fires", "operator_words",
           "shift_glyph", "shift_outcome", "shift_style",
           "skipped_line", "tests_cell", "tokens"]

STATUS_GLYPH = {
    ShiftStatus.RUNNING: "▶",
    ShiftStatus.COMPLETED: "✔",
    ShiftStatus.ABANDONED: "■",
    ShiftStatus.FAILED: "✖",
    ShiftStatus.INTERRUPTED: "⏸",
    ShiftStatus.EXPIRED: "⌛",
}

STATUS_STYLE = {
    ShiftStatus.RUNNING: "bold cyan",
    ShiftStatus.COMPLETED: "green",
    ShiftStatus.ABANDONED: "yellow",
    ShiftStatus.FAILED: "bold red",
    ShiftStatus.INTERRUPTED: "magenta",
    ShiftStatus.EXPIRED: "red",
}

_KIND_PREFIX: dict[EventKind, tuple[str, str]] = {
    EventKind.SYSTEM: ("·", "dim"),
    EventKind.TEXT: (" ", ""),
    EventKind.THINKING: ("…", "dim italic"),
    EventKind.TOOL_USE: ("⚙", "cyan"),
    EventKind.TOOL_RESULT: ("↳", "green"),
    EventKind.RESULT: ("■", "bold"),
    EventKind.STDERR: ("!", "red"),
    EventKind.VIOLATION: ("✖", "bold red"),
    EventKind.OPERATOR: ("»", "bold magenta"),
    EventKind.QUESTION: ("?", "bold yellow"),
    EventKind.INFO: ("i", "dim"),
    EventKind.ERROR: ("✖", "red"),
}

_LINE_MAX = 400


def kind_glyph(kind: EventKind) -> tuple[str, str]:
    """(glyph, style) of an event kind in the logs."""
    return _KIND_PREFIX.get(kind, (" ", ""))


def duration(seconds: float | None) -> str:
    """1h02m, 13m05s, 42s; '—' when unknown."""
    return text.duration(seconds, unknown="—")


def ago(when: datetime | None, now: datetime) -> str:
    """Coarse on purpose: 42s, 5m, 3h, 2d ago."""
    return text.ago(when, now)


def money(usd: float) -> str:
    """$0.42, and $0.004 for a cost under a cent: the same text as the CLI's."""
    return text.money(usd)


def next_fires(expr: str, now: datetime, count: int = 3) -> list[datetime]:
    """The next `count` fire times of a cron expression in local time: the scheduler's own
    computation, so a preview equals what fires, across daylight-saving changes too."""
    tz = local_tz()
    return [t.astimezone(tz) for t in cron.next_fires(expr, now, tz, count)]


def local_time(when: datetime | None, *, with_date: bool = True) -> str:
    if when is None:
        return "—"
    fmt = "%Y-%m-%d %H:%M" if with_date else "%H:%M:%S"
    return when.astimezone().strftime(fmt)


def shift_outcome(shift: Shift) -> str:
    """'completed', 'failed: no_handoff', 'completed (forced)', 'completed: checks_failed'."""
    text = shift.status.value
    if shift.failure_kind and (shift.status is ShiftStatus.FAILED or shift.checks_failed):
        text += f": {shift.failure_kind.value}"
    if shift.forced:
        text += " (forced)"
    return text


def shift_glyph(shift: Shift) -> str:
    """The status glyph; a completed shift whose checks failed gets the failure's."""
    return STATUS_GLYPH[ShiftStatus.FAILED if shift.checks_failed else shift.status]


def shift_style(shift: Shift) -> str:
    """The status colour; failed checks are red wherever the outcome shows."""
    return STATUS_STYLE[ShiftStatus.FAILED if shift.checks_failed else shift.status]


def tests_cell(shift: Shift) -> str:
    if shift.test_result is None:
        return ""
    if shift.test_result.timed_out:
        return "timeout"
    return "pass" if shift.test_result.passed else "FAIL"


def event_line(event: ShiftEvent) -> Text:
    """One compact, coloured line of the live log."""
    prefix, style = _KIND_PREFIX.get(event.kind, (" ", ""))
    summary = " ".join(text.printable(event.summary).split())
    if len(summary) > _LINE_MAX:
        summary = summary[: _LINE_MAX - 1] + "…"
    line = Text()
    line.append(event.ts.astimezone().strftime("%H:%M:%S "), style="dim")
    line.append(prefix + " ", style=style or "")
    if event.kind is EventKind.VIOLATION:
        line.append("blocked: ", style="bold red")
    elif event.kind is EventKind.OPERATOR:
        summary = operator_words(summary)
    line.append(summary, style=style)
    return line


# The runner's operator events as the person at the terminal reads them ("» operator: operator
# answered: …" said it twice); the stored summary stays as it was.
_OPERATOR_WORDS = [
    ("operator answered: ", "you answered: "),
    ("force: operator asked to finish now", "you asked the agent to finish now"),
    ("force: ", "you asked the agent to finish now: "),
    ("abandon: ", "you abandoned the shift: "),
    ("shutdown: ", "shifttui is stopping, the shift can be resumed: "),
]


def operator_words(summary: str) -> str:
    for prefix, words in _OPERATOR_WORDS:
        if summary.startswith(prefix):
            return words + summary[len(prefix):]
    return summary


def skipped_line(count: int) -> Text:
    """Stands in the live log for lines it did not render (a burst, or scrollback's start)."""
    noun = "line" if count == 1 else "lines"
    return Text(f"… {count:,} {noun} not shown here (all stored; see the shift's agent.log) …",
                style="dim italic")


def handoff_markdown(handoff: Handoff) -> str:
    """A handoff as readable markdown (the viewer and the editor's preview), one heading per
    section of the model."""
    parts = []
    for section in handoff_sections():
        value = getattr(handoff, section.name)
        if not section.is_list:
            parts.append(f"## {section.title}\n\n{value}\n")
        elif value:
            bullets = "\n".join(f"- {section.item(item)}" for item in value)
            parts.append(f"## {section.title}\n\n{bullets}\n")
    return text.printable("\n".join(parts))
