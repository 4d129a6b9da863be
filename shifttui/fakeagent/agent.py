"""The fake agent's transcript: messages shaped like Claude Code 2.1's, usage and cumulative cost.

Shapes were taken from the real bundled CLI talking to a scripted Messages API: each content block
of one API response is its own `assistant` line with the same message id and usage; tool results
come back as `user` lines; every turn starts with `system/init` and ends with one `result`.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shifttui.fakeagent.config import FAKE_CLI_VERSION, Config
from shifttui.fakeagent.wire import Wire

# USD per million tokens (input, output): an estimate, like the real CLI's price table.
_PRICES = {"opus": (15.0, 75.0), "haiku": (1.0, 5.0)}
_DEFAULT_PRICE = (3.0, 15.0)

BUILTIN_TOOLS = ["Task", "Bash", "Edit", "Glob", "Grep", "Read", "TodoWrite", "WebFetch", "Write"]


class TurnLimit(Exception):
    """The turn used up --max-turns."""


class BudgetLimit(Exception):
    """The session's cost reached --max-budget-usd (checked after each API response)."""


@dataclass
class TurnEnd:
    """How a turn ends when it does not simply succeed."""

    subtype: str = "success"
    is_error: bool = False
    result: str | None = None
    errors: list[str] | None = None
    terminal_reason: str = "completed"
    stop_reason: str | None = "end_turn"
    api_error_status: int | None = None
    api_error_type: str | None = None


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Agent:
    """Everything that outlives one turn: the session, the cost so far, MCP connections."""

    config: Config
    wire: Wire
    total_cost_usd: float = 0.0
    turns_started: int = 0
    # server name -> tool names it listed, or None when its handshake failed
    mcp_tools: dict[str, list[str] | None] = field(default_factory=dict)
    mcp_ready: bool = False
    discovered: set[str] = field(default_factory=set)
    state: dict[str, Any] = field(default_factory=dict)
    _ids: int = 0

    @property
    def model(self) -> str:
        return self.wire.model_override or self.config.model

    @property
    def permission_mode(self) -> str:
        return self.wire.permission_mode_override or self.config.permission_mode

    def next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}_fake{self._ids:06d}{uuid.uuid4().hex[:10]}"

    def cost_of(self, usage: Usage) -> float:
        price = next((p for key, p in _PRICES.items() if key in self.model), _DEFAULT_PRICE)
        return (usage.input_tokens * price[0] + usage.output_tokens * price[1]) / 1_000_000

    def base(self) -> dict[str, Any]:
        return {"session_id": self.config.session_id, "uuid": str(uuid.uuid4())}

    def init_response(self) -> dict[str, Any]:
        """The initialize answer: what the SDK reads (pid, version, hook support) and more."""
        return {
            "commands": [],
            "agents": [],
            "output_style": "default",
            "available_output_styles": ["default"],
            "models": [{"value": "default", "resolvedModel": self.config.model}],
            "account": {"tokenSource": "none", "apiKeySource": "none", "apiProvider": "fake"},
            "pid": os.getpid(),
            "claude_code_version": FAKE_CLI_VERSION,
            "current_permission_mode": self.config.permission_mode,
            "hook_on_failure_supported": True,
            "session_state": "idle",
            "shifttui_fake": True,
        }

    def system_init(self) -> dict[str, Any]:
        tools = list(BUILTIN_TOOLS)
        if self.config.tool_search:
            tools.append("ToolSearch")
        servers = []
        for name, listed in self.mcp_tools.items():
            servers.append(
                {"name": name, "status": "connected" if listed is not None else "failed"}
            )
            tools.extend(f"mcp__{name}__{tool}" for tool in listed or [])
        for name in self.config.mcp_servers:
            if name not in self.mcp_tools:
                # An external server this fake cannot start.
                servers.append({"name": name, "status": "failed"})
        return {
            "type": "system",
            "subtype": "init",
            "cwd": self.config.cwd,
            **self.base(),
            "tools": tools,
            "mcp_servers": servers,
            "model": self.model,
            "permissionMode": self.permission_mode,
            "slash_commands": [],
            "apiKeySource": "none",
            "claude_code_version": FAKE_CLI_VERSION,
            "output_style": "default",
            "agents": [],
            "skills": [],
            "plugins": [],
            "shifttui_fake": True,
        }


class Turn:
    """One prompt's worth of work: what scenarios call to speak, think and use tools."""

    def __init__(self, agent: Agent, prompt: str, index: int) -> None:
        self.agent = agent
        self.prompt = prompt
        self.index = index
        self.started = time.monotonic()
        self.num_turns = 0
        self.usage = Usage()
        self.last_text: str | None = None
        self.denials: list[dict[str, Any]] = []
        # Tokens each API response costs; the budget scenario raises it.
        self.message_usage = Usage(1500, 120)

    @property
    def config(self) -> Config:
        return self.agent.config

    @property
    def wire(self) -> Wire:
        return self.agent.wire

    @property
    def count(self) -> int | None:
        return self.config.count

    def mentions(self, word: str) -> bool:
        return word.lower() in self.prompt.lower()

    def pause(self, seconds: float | None = None) -> None:
        """Wait between messages (flushing first), waking at once on an interrupt."""
        self.wire.sleep(self.config.pause_seconds() if seconds is None else seconds)

    def message(
        self, blocks: list[dict[str, Any]], *, usage: Usage | None = None, flush: bool = True
    ) -> str:
        """One API response: each block on its own line, sharing id and usage; returns the id."""
        self.wire.check_interrupt()
        limit = self.config.max_turns
        if limit is not None and self.num_turns >= limit:
            raise TurnLimit
        budget = self.config.max_budget_usd
        if budget is not None and self.num_turns and self.agent.total_cost_usd >= budget:
            raise BudgetLimit
        usage = usage or self.message_usage
        self.num_turns += 1
        self.usage.add(usage)
        self.agent.total_cost_usd += self.agent.cost_of(usage)
        message_id = self.agent.next_id("msg")
        for i, block in enumerate(blocks):
            if i > 0 and flush:
                # Blocks of one response stream in one after another, not all at once.
                self.pause()
            if block.get("type") == "text":
                self.last_text = block["text"]
            self.wire.emit(
                {
                    "type": "assistant",
                    "message": {
                        "id": message_id,
                        "type": "message",
                        "role": "assistant",
                        "model": self.agent.model,
                        "content": [block],
                        "stop_reason": None,
                        "usage": usage.as_dict(),
                        "context_management": None,
                    },
                    "parent_tool_use_id": None,
                    **self.agent.base(),
                    "timestamp": now_stamp(),
                }
            )
        if flush:
            self.wire.flush()
        return message_id

    def say(self, text: str, *, thinking: str | None = None, flush: bool = True) -> None:
        blocks: list[dict[str, Any]] = []
        if thinking:
            blocks.append({"type": "thinking", "thinking": thinking, "signature": "fake"})
        blocks.append({"type": "text", "text": text})
        self.message(blocks, flush=flush)

    def emit_user(self, content: Any, *, tool_use_result: Any = None) -> None:
        payload: dict[str, Any] = {
            "type": "user",
            "message": {"role": "user", "content": content},
            "parent_tool_use_id": None,
            **self.agent.base(),
            "timestamp": now_stamp(),
        }
        if tool_use_result is not None:
            payload["tool_use_result"] = tool_use_result
        self.wire.emit(payload, flush=True)

    def result(self, end: TurnEnd) -> dict[str, Any]:
        duration_ms = int((time.monotonic() - self.started) * 1000)
        cost = self.agent.cost_of(self.usage)
        message: dict[str, Any] = {
            "type": "result",
            "subtype": end.subtype,
            "is_error": end.is_error,
            "duration_ms": duration_ms,
            "duration_api_ms": duration_ms // 2,
            "num_turns": self.num_turns,
            "stop_reason": end.stop_reason,
            "session_id": self.config.session_id,
            "total_cost_usd": self.agent.total_cost_usd,
            "usage": self.usage.as_dict(),
            "modelUsage": {
                self.agent.model: {
                    "inputTokens": self.usage.input_tokens,
                    "outputTokens": self.usage.output_tokens,
                    "cacheReadInputTokens": 0,
                    "cacheCreationInputTokens": 0,
                    "webSearchRequests": 0,
                    "costUSD": cost,
                    "contextWindow": 200000,
                    "maxOutputTokens": 32000,
                }
            },
            "permission_denials": self.denials,
            "terminal_reason": end.terminal_reason,
            "uuid": str(uuid.uuid4()),
        }
        # Like the real CLI, an error result carries `errors` and no `result` unless it has prose.
        if end.result is not None:
            message["result"] = end.result
        elif end.subtype == "success":
            message["result"] = self.last_text or ""
        if end.errors is not None:
            message["errors"] = end.errors
        if end.api_error_status is not None:
            message["api_error_status"] = end.api_error_status
            message["api_error_type"] = end.api_error_type
        return message
