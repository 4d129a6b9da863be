"""Turn SDK messages into shift events: a kind, a one-line summary and a JSON payload."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    RateLimitEvent,
    ResultMessage,
    SystemMessage,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)

from shifttui.base.models import EventKind
from shifttui.base.plan import percent, window_label, windows_from_raw
from shifttui.base.text import size as text_size

SUMMARY_MAX = 240
# The argument that says most about a tool call, by tool name.
_KEY_ARGS = ("command", "file_path", "path", "pattern", "url", "query", "question", "summary",
             "notebook_path", "prompt", "description", "skill")

Normalized = tuple[EventKind, str, dict[str, Any]]


def one_line(text: str, limit: int = SUMMARY_MAX) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def short_tool_name(name: str) -> str:
    return name.removeprefix("mcp__shift__").removeprefix("mcp__")


def tool_key_arg(name: str, args: dict[str, Any]) -> str:
    for key in _KEY_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _payload(message: object) -> dict[str, Any]:
    data = dataclasses.asdict(message) if dataclasses.is_dataclass(message) else {}  # type: ignore[arg-type]
    data["type"] = type(message).__name__
    return data


def _result_size(content: object) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(len(str(c.get("text", ""))) if isinstance(c, dict) else 0 for c in content)
    return 0


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return ""


def normalize(message: object) -> list[Normalized]:
    """One SDK message becomes one or more events (one per content block)."""
    if isinstance(message, AssistantMessage):
        return _assistant(message)
    if isinstance(message, UserMessage):
        return _user(message)
    if isinstance(message, ResultMessage):
        return [(EventKind.RESULT, _result_summary(message), _payload(message))]
    if isinstance(message, SystemMessage):
        return [(EventKind.SYSTEM, _system_summary(message), _payload(message))]
    if isinstance(message, RateLimitEvent):
        return [(EventKind.SYSTEM, _rate_limit_summary(message), _payload(message))]
    name = type(message).__name__
    if name == "StreamEvent":
        return []
    return [(EventKind.INFO, one_line(f"{name}"), _payload(message))]


def _assistant(message: AssistantMessage) -> list[Normalized]:
    out: list[Normalized] = []
    message_id, model, usage = message.message_id, message.model, message.usage
    base = {"message_id": message_id, "model": model, "usage": usage}
    for block in message.content:
        if isinstance(block, TextBlock):  # most messages: built directly, not merged from base
            text = block.text
            out.append((EventKind.TEXT, one_line(text), {
                "message_id": message_id, "model": model, "usage": usage, "text": text}))
        elif isinstance(block, ThinkingBlock):
            out.append((EventKind.THINKING, one_line(block.thinking),
                        {**base, "thinking": block.thinking}))
        elif isinstance(block, ToolUseBlock):
            arg = tool_key_arg(block.name, block.input)
            summary = short_tool_name(block.name) + (f": {arg}" if arg else "")
            out.append((EventKind.TOOL_USE, one_line(summary),
                        {**base, "id": block.id, "name": block.name, "input": block.input}))
        else:
            out.append((EventKind.INFO, type(block).__name__, {**base,
                        "block": dataclasses.asdict(block) if dataclasses.is_dataclass(block)
                        else str(block)}))
    if message.error:
        out.append((EventKind.ERROR, f"API error: {message.error}", {**base,
                    "error": message.error}))
    return out


def _user(message: UserMessage) -> list[Normalized]:
    if isinstance(message.content, str):
        text = message.content
        if _INTERRUPTED in text:
            return [(EventKind.OPERATOR, INTERRUPTED_WORDS, {"type": "UserMessage", "text": text})]
        return [(EventKind.INFO, one_line(text), {"type": "UserMessage", "text": text})]
    out: list[Normalized] = []
    for block in message.content:
        if isinstance(block, ToolResultBlock):
            size = _result_size(block.content)
            if block.is_error:
                summary = "error: " + one_line(_result_text(block.content), 200)
            else:
                summary = f"ok ({text_size(size)})"
            out.append((EventKind.TOOL_RESULT, summary, {
                "tool_use_id": block.tool_use_id, "is_error": bool(block.is_error),
                "content": block.content,
            }))
        elif isinstance(block, TextBlock):
            if _INTERRUPTED in block.text:
                out.append((EventKind.OPERATOR, INTERRUPTED_WORDS, {"text": block.text}))
            else:
                out.append((EventKind.INFO, one_line(block.text), {"text": block.text}))
    return out


# Claude Code's words for a turn we interrupted (abandon, force-complete, the deadline): they
# are not an error of the agent's, so the log says what happened in plain words.
_INTERRUPTED = "interrupted by user"
INTERRUPTED_WORDS = "shifttui interrupted the agent's turn"


def _result_summary(message: ResultMessage) -> str:
    cost = f"${message.total_cost_usd:.4f}" if message.total_cost_usd is not None else "$?"
    if message.terminal_reason in ("aborted_streaming", "aborted_tools") or any(
            _INTERRUPTED in e.lower() for e in message.errors or []):
        return (f"turn interrupted by shifttui — {message.num_turns} turns, {cost}, "
                f"{message.duration_ms / 1000:.1f}s")
    status = "error" if message.is_error else "ok"
    extra = f" [{message.terminal_reason}]" if message.terminal_reason else ""
    errs = f": {one_line('; '.join(message.errors), 120)}" if message.errors else ""
    api = f" http {message.api_error_status}" if message.api_error_status else ""
    return (f"turn ended {status} ({message.subtype}{api}) — {message.num_turns} turns, {cost}, "
            f"{message.duration_ms / 1000:.1f}s{extra}{errs}")


def _system_summary(message: SystemMessage) -> str:
    data = message.data or {}
    if message.subtype == "init":
        model = data.get("model", "?")
        version = data.get("claude_code_version", "")
        return one_line(f"session started: model {model}, Claude Code {version}".strip())
    return one_line(f"{message.subtype}")


def _rate_limit_summary(message: RateLimitEvent) -> str:
    """`plan: 5h 91% (allowed_warning), resets 20:12 · 7d 40%` (times in local time)."""
    info = message.rate_limit_info
    raw = {"status": info.status, "rateLimitType": info.rate_limit_type,
           "resetsAt": info.resets_at, "utilization": info.utilization, **(info.raw or {})}
    parts = []
    # (seen_at is not shown: any time will do)
    for w in windows_from_raw(raw, datetime.now(UTC)):
        part = f"{window_label(w.type)} {percent(w.utilization)}"
        if w.type == info.rate_limit_type:
            part += f" ({w.status})"
            if w.resets_at is not None:
                part += f", resets {w.resets_at.astimezone().strftime('%a %H:%M')}"
        parts.append(part)
    return one_line("plan: " + " · ".join(parts))
