"""What the loopback Messages API says (a Script of Turns) and what it heard (Recorded requests).

Kept apart from the HTTP server in loopback_api.py, which re-exports all of this.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TOOL_SEARCH = "ToolSearch"


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any]


Block = Text | ToolUse


@dataclass(frozen=True)
class Turn:
    """One scripted model response. `stop_reason` defaults to tool_use when a tool is called."""

    blocks: Sequence[Block] = ()
    stop_reason: str | None = None
    # Seconds between streamed events: makes a turn slow enough to interrupt.
    delay: float = 0.0
    # After the blocks, keep streaming text deltas until the client hangs up.
    endless: bool = False
    # Answer with this HTTP error instead of a message.
    status: int | None = None
    error_message: str | None = None
    input_tokens: int = 100
    output_tokens: int = 20
    # Extra response headers, e.g. a plan's anthropic-ratelimit-unified-* state (see
    # unified_headers in loopback_api.py).
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.endless and not (self.blocks and isinstance(self.blocks[-1], Text)):
            raise ValueError("an endless turn streams into its last block, which must be Text")

    @property
    def tool_names(self) -> list[str]:
        return [b.name for b in self.blocks if isinstance(b, ToolUse)]

    def final_stop_reason(self) -> str:
        if self.stop_reason is not None:
            return self.stop_reason
        return "tool_use" if self.tool_names else "end_turn"


def say(text: str) -> Turn:
    return Turn([Text(text)])


def call(name: str, input: dict[str, Any], *, text: str | None = None) -> Turn:
    blocks: list[Block] = [Text(text)] if text else []
    return Turn([*blocks, ToolUse(name, input)])


def bash(command: str, *, text: str | None = None) -> Turn:
    return call("Bash", {"command": command, "description": "scripted command"}, text=text)


def fail(status: int, message: str | None = None) -> Turn:
    return Turn(status=status, error_message=message)


def endless(text: str = "Working on it", *, delay: float = 0.02) -> Turn:
    return Turn([Text(text)], delay=delay, endless=True)


@dataclass
class Recorded:
    """One request as the CLI sent it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    # Which turn of the script answered it (main requests only; None for side requests).
    turn: Turn | None = None

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def is_main(self) -> bool:
        return self.turn is not None

    @property
    def tool_names(self) -> list[str]:
        body = self.json if isinstance(self.json, dict) else {}
        return [str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)]

    def system_text(self) -> str:
        """The system prompt plus the CLI's mid-conversation `system` messages, as one text."""
        body = self.json if isinstance(self.json, dict) else {}
        parts = [_text_of(body.get("system"))]
        parts += [_text_of(m.get("content")) for m in _messages(body) if m.get("role") == "system"]
        return "\n".join(parts)

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last user message (what the previous turn's tools gave)."""
        for message in reversed(_messages(self.json)):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return [b for b in content if isinstance(b, dict)
                            and b.get("type") == "tool_result"]
                return []
        return []

    def tool_result_text(self) -> str:
        return "\n".join(_text_of(r.get("content")) for r in self.tool_results())

    def loaded_tools(self) -> set[str]:
        """Tools the model may call now: sent without defer_loading, or loaded by ToolSearch."""
        body = self.json if isinstance(self.json, dict) else {}
        names = {str(t.get("name")) for t in body.get("tools") or []
                 if isinstance(t, dict) and not t.get("defer_loading")}
        for block in _walk_blocks(_messages(body)):
            if block.get("type") == "tool_reference" and isinstance(block.get("tool_name"), str):
                names.add(block["tool_name"])
        return names


def _messages(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    return [m for m in body.get("messages") or [] if isinstance(m, dict)]


def _walk_blocks(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "type" in value:
            yield value
        for v in value.values():
            yield from _walk_blocks(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_blocks(v)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text_of(b) for b in content)
    if isinstance(content, dict):
        if isinstance(content.get("text"), str):
            return str(content["text"])
        return _text_of(content.get("content"))
    return ""


class Script:
    """The turns main-conversation requests get, in order.

    With `auto_tool_search` (the default), a turn calling a tool the request does not offer
    directly is preceded by a `ToolSearch` turn that loads it, when the request offers ToolSearch:
    the same script then works whether or not the CLI defers MCP tools.
    """

    def __init__(self, turns: Sequence[Turn], *, auto_tool_search: bool = True,
                 when_exhausted: Turn | None = None) -> None:
        self.turns = list(turns)
        self.auto_tool_search = auto_tool_search
        self.when_exhausted = when_exhausted or say("(script exhausted)")
        self.position = 0
        # How many main requests came after the script ran out: a test usually wants 0.
        self.overruns = 0
        self.tool_searches = 0

    @property
    def exhausted(self) -> bool:
        return self.position >= len(self.turns)

    def next_turn(self, request: Recorded) -> Turn:
        if self.exhausted:
            self.overruns += 1
            return self.when_exhausted
        turn = self.turns[self.position]
        if self.auto_tool_search and turn.status is None:
            offered = request.tool_names
            missing = [n for n in turn.tool_names
                       if n != TOOL_SEARCH and n not in request.loaded_tools()]
            if missing and TOOL_SEARCH in offered:
                self.tool_searches += 1
                return call(TOOL_SEARCH, {"query": "select:" + ",".join(missing),
                                          "max_results": len(missing)})
        self.position += 1
        return turn
