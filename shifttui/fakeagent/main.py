"""The fake CLI's entry point: check the flags like the real CLI, then run one turn per prompt."""

from __future__ import annotations

import os
import sys
from typing import Any

from shifttui.fakeagent.agent import Agent, BudgetLimit, Turn, TurnEnd, TurnLimit
from shifttui.fakeagent.config import FAKE_CLI_VERSION, Config
from shifttui.fakeagent.demo import DEMO_FUNCS
from shifttui.fakeagent.faults import FAULT_FUNCS, HANGS_AT_START, before_start
from shifttui.fakeagent.judge import JUDGE_FUNCS
from shifttui.fakeagent.plan import PLAN_FUNCS
from shifttui.fakeagent.scenarios import BASIC_FUNCS, Scenario
from shifttui.fakeagent.tools import connect_mcp
from shifttui.fakeagent.wire import Interrupted, StdinClosed, Wire

__all__ = ["SCENARIO_FUNCS", "main"]

SCENARIO_FUNCS: dict[str, Scenario] = {**BASIC_FUNCS, **DEMO_FUNCS, **PLAN_FUNCS, **FAULT_FUNCS,
                                       **JUDGE_FUNCS}

ROOT_BYPASS_ERROR = (
    "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons"
)


def prompt_text(message: dict[str, Any]) -> str:
    content = (message.get("message") or {}).get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return ""


def run_turn(agent: Agent, message: dict[str, Any]) -> None:
    cfg, wire = agent.config, agent.wire
    t = Turn(agent, prompt_text(message), agent.turns_started)
    agent.turns_started += 1
    end: TurnEnd
    try:
        connect_mcp(agent)
        if cfg.report_state:
            wire.emit(
                {
                    "type": "system",
                    "subtype": "session_state_changed",
                    "state": "running",
                    "sdk_host_only": True,
                    **agent.base(),
                }
            )
        wire.emit(agent.system_init(), flush=True)
        end = SCENARIO_FUNCS[cfg.scenario](t) or TurnEnd()
    except Interrupted:
        t.emit_user([{"type": "text", "text": "[Request interrupted by user]"}])
        end = TurnEnd(
            subtype="error_during_execution",
            is_error=True,
            stop_reason=None,
            terminal_reason="aborted_streaming",
            errors=["[Request interrupted by user]"],
        )
    except TurnLimit:
        end = TurnEnd(
            subtype="error_max_turns",
            is_error=True,
            stop_reason="tool_use",
            terminal_reason="max_turns",
            errors=[f"Reached maximum number of turns ({cfg.max_turns})"],
        )
    except BudgetLimit:
        end = TurnEnd(
            subtype="error_max_budget_usd",
            is_error=True,
            stop_reason="tool_use",
            terminal_reason="max_budget_usd",
            errors=[f"Reached maximum budget (${cfg.max_budget_usd})"],
        )
    except StdinClosed:
        end = TurnEnd(
            subtype="error_during_execution",
            is_error=True,
            stop_reason=None,
            terminal_reason="aborted_tools",
            errors=["Stream closed"],
        )
    wire.emit(t.result(end))
    if cfg.report_state:
        wire.emit(
            {
                "type": "system",
                "subtype": "session_state_changed",
                "state": "idle",
                "sdk_host_only": True,
                **agent.base(),
            }
        )
    wire.flush()
    wire.turn_done()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:  # as the real CLI answers it (`shifttui status` asks)
        print(f"{FAKE_CLI_VERSION} (Claude Code; shifttui's fake agent)")
        return 0
    cfg = Config.from_argv(args)
    if cfg.pid_file:
        with open(cfg.pid_file, "a", encoding="utf-8") as f:
            # Our pid first (tests read the first word), then our ancestors: shifttui records
            # the process it started, the container the CLI runs in, not the CLI itself.
            f.write(" ".join(str(p) for p in [os.getpid(), *_ancestors()]) + "\n")
    if cfg.scenario not in SCENARIO_FUNCS:
        known = ", ".join(sorted(SCENARIO_FUNCS))
        sys.stderr.write(f"fake agent: unknown scenario {cfg.scenario!r} (known: {known})\n")
        return 2
    if (
        cfg.permission_mode == "bypassPermissions"
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and os.environ.get("IS_SANDBOX") != "1"
    ):
        sys.stderr.write(ROOT_BYPASS_ERROR + "\n")
        return 1
    before_start(cfg)
    wire = Wire(answer_initialize=cfg.scenario not in HANGS_AT_START, trace_path=cfg.trace_path,
                emit_log=cfg.emit_log)
    agent = Agent(cfg, wire)
    wire.init_response = agent.init_response()
    wire.start()
    while (message := wire.next_prompt()) is not None:
        run_turn(agent, message)
    wire.flush()
    return 0


def _ancestors(limit: int = 6) -> list[int]:
    found: list[int] = []
    pid = os.getppid()
    while pid > 1 and len(found) < limit:
        found.append(pid)
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found
