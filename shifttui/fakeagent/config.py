"""What the fake CLI was asked to do: the flags the SDK passes and the SHIFTTUI_FAKE_* variables."""

from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

# What the SDK reads from system/init to decide whether the CLI is new enough.
FAKE_CLI_VERSION = "2.1.330"
DEFAULT_MODEL = "claude-sonnet-4-5"

SCENARIOS = (
    "normal",
    "edit",
    "bad_handoff",
    "no_handoff",
    "late_handoff",
    "slow",
    "slow_stubborn",
    "crash",
    "exit137",
    "budget",
    "guard",
    "flood",
    "ask",
    "auth_error",
    "rate_limited",
    "plan_warning",
    "plan_limit",
    "plan_steady",
    "max_turns",
    "hang_init",
    "hang_init_child",
    "background",
    "in_tool",
    "linger",
    "garbage",
    "garbage_soft",
    "huge_line",
    "bad_types",
    "huge_handoff",
    "demo",
    "demo_question",
    "demo_fail",
    "judge",
    "judge_silent",
)

# Demo scenarios are watched by a person: pace them like a real agent unless told otherwise.
_DEMO_PACE = (0.3, 0.8)
_DEFAULT_DELAY = 0.01


def _flag_values(argv: list[str]) -> dict[str, str | None]:
    """`--flag value`, `--flag=value` and bare `--flag`; the last occurrence wins."""
    values: dict[str, str | None] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if eq:
                values[name] = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                values[name] = argv[i + 1]
                i += 1
            else:
                values[name] = None
        i += 1
    return values


def _split_tools(value: str | None) -> list[str]:
    if not value:
        return []
    # The SDK joins with commas; a scoped rule such as Bash(git status:*) has no comma in it.
    return [t.strip() for t in value.split(",") if t.strip()]


@dataclass
class Config:
    scenario: str = "normal"
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    resumed: bool = False
    model: str = DEFAULT_MODEL
    permission_mode: str = "default"
    permission_prompt_tool: str | None = None
    allowed_tools: list[str] = field(default_factory=list)
    disallowed_tools: list[str] = field(default_factory=list)
    mcp_servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_turns: int | None = None
    max_budget_usd: float | None = None
    cwd: str = field(default_factory=os.getcwd)
    delay: float | None = None
    count: int | None = None
    status: int | None = None
    tool_search: bool = True
    report_state: bool = False
    trace_path: str | None = None
    pid_file: str | None = None
    emit_log: str | None = None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_argv(cls, argv: list[str], env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ) if env is None else env
        flags = _flag_values(argv)
        cfg = cls()
        cfg.scenario = env.get("SHIFTTUI_FAKE_SCENARIO") or "normal"
        for name in ("resume", "session-id"):
            value = flags.get(name)
            if value:
                cfg.session_id = value
                cfg.resumed = name == "resume"
        cfg.model = flags.get("model") or DEFAULT_MODEL
        cfg.permission_mode = flags.get("permission-mode") or "default"
        if "dangerously-skip-permissions" in flags:
            cfg.permission_mode = "bypassPermissions"
        cfg.permission_prompt_tool = flags.get("permission-prompt-tool")
        cfg.allowed_tools = _split_tools(flags.get("allowedTools"))
        cfg.disallowed_tools = _split_tools(flags.get("disallowedTools"))
        mcp_config = flags.get("mcp-config")
        if mcp_config:
            try:
                parsed = json.loads(mcp_config)
                servers = parsed.get("mcpServers", {}) if isinstance(parsed, dict) else {}
                cfg.mcp_servers = {str(k): dict(v) for k, v in servers.items()}
            except (ValueError, AttributeError, TypeError):
                cfg.mcp_servers = {}
        if "judge" in cfg.mcp_servers:  # shifttui's judge, not a shift: its own scenario
            cfg.scenario = env.get("SHIFTTUI_FAKE_JUDGE_SCENARIO") or "judge"
        max_turns = flags.get("max-turns")
        cfg.max_turns = int(max_turns) if max_turns and max_turns.isdigit() else None
        cfg.max_budget_usd = _number(flags.get("max-budget-usd"))
        cfg.delay = _number(env.get("SHIFTTUI_FAKE_DELAY"))
        count = _number(env.get("SHIFTTUI_FAKE_COUNT"))
        cfg.count = int(count) if count is not None else None
        status = _number(env.get("SHIFTTUI_FAKE_STATUS"))
        cfg.status = int(status) if status is not None else None
        cfg.tool_search = env.get("ENABLE_TOOL_SEARCH", "").lower() not in ("false", "0")
        cfg.report_state = env.get("CLAUDE_CODE_SDK_READS_SESSION_STATE") == "1"
        cfg.trace_path = env.get("SHIFTTUI_FAKE_TRACE") or None
        cfg.pid_file = env.get("SHIFTTUI_FAKE_PIDFILE") or None
        cfg.emit_log = env.get("SHIFTTUI_FAKE_EMITLOG") or None
        seed = env.get("SHIFTTUI_FAKE_SEED")
        cfg.rng = random.Random(seed if seed is not None else cfg.session_id)
        return cfg

    def pause_seconds(self) -> float:
        if self.delay is not None:
            return max(0.0, self.delay)
        if self.scenario.startswith("demo"):
            return self.rng.uniform(*_DEMO_PACE)
        return _DEFAULT_DELAY


def _number(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        return None
