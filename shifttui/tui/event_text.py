"""An event in full (the drill-down) and the log browser's filters: no Textual here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from rich.text import Text

from shifttui.base.models import EventKind, ShiftEvent
from shifttui.base.text import printable
from shifttui.store.event_search import EventScope, scope_of

# A payload shown in the drill-down is cut after this many characters (a tool result can be
# megabytes); the copy action copies it whole.
PAYLOAD_SHOWN = 60_000


@dataclass(frozen=True)
class _Filter:
    label: str
    scope: EventScope


class LogFilter(Enum):
    """What the log browser shows; F steps through them in this order."""

    ALL = _Filter("all", scope_of(None))
    ERRORS = _Filter("errors", scope_of(
        {EventKind.ERROR, EventKind.STDERR, EventKind.VIOLATION}, failed_results=True))
    TOOLS = _Filter("tools", scope_of({EventKind.TOOL_USE, EventKind.TOOL_RESULT}))
    BLOCKED = _Filter("blocked", scope_of({EventKind.VIOLATION}))
    AGENT = _Filter("agent text", scope_of({EventKind.TEXT, EventKind.THINKING}))
    OPERATOR = _Filter("operator", scope_of({EventKind.OPERATOR, EventKind.QUESTION}))

    @property
    def label(self) -> str:
        return self.value.label

    @property
    def scope(self) -> EventScope:
        return self.value.scope

    def next(self) -> LogFilter:
        order = list(LogFilter)
        return order[(order.index(self) + 1) % len(order)]


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and "text" in block:
                parts.append(str(block["text"]))
            else:
                parts.append(json.dumps(block, default=str))
        return "\n".join(parts)
    return "" if content is None else json.dumps(content, default=str, indent=2)


def full_text(event: ShiftEvent) -> str:
    """What the event says, uncut: the agent's text, a tool's input or output."""
    p: dict[str, Any] = event.payload
    if event.kind is EventKind.TEXT and isinstance(p.get("text"), str):
        body = str(p["text"])
    elif event.kind is EventKind.THINKING and isinstance(p.get("thinking"), str):
        body = str(p["thinking"])
    elif event.kind is EventKind.TOOL_USE and "input" in p:
        body = f"{p.get('name', 'tool')}\n" + json.dumps(p["input"], indent=2, default=str,
                                                         ensure_ascii=False)
    elif event.kind is EventKind.TOOL_RESULT and "content" in p:
        body = _content_text(p["content"]) or event.summary
        if p.get("is_error"):
            body = "error:\n" + body
    elif isinstance(p.get("text"), str):
        body = str(p["text"])
    else:
        body = event.summary
    return printable(body)


def payload_json(event: ShiftEvent) -> str:
    """The event as stored, as indented JSON (what the copy action copies)."""
    record = {"seq": event.seq, "ts": event.ts.isoformat(), "kind": event.kind.value,
              "summary": event.summary, "payload": event.payload}
    return json.dumps(record, indent=2, default=str, ensure_ascii=False)


def shown_payload(event: ShiftEvent) -> str:
    text = printable(payload_json(event))
    if len(text) > PAYLOAD_SHOWN:
        cut = len(text) - PAYLOAD_SHOWN
        text = text[:PAYLOAD_SHOWN] + f"\n… {cut:,} more characters (the copy action copies all)"
    return text


def highlighted(text: str, needle: str | None) -> Text:
    """`text` with each case-insensitive occurrence of `needle` marked."""
    out = Text(text)
    if needle:
        out.highlight_words([needle], style="bold reverse", case_sensitive=False)
    return out
