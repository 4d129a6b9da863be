"""Scenarios of a subscription's plan windows: `rate_limit_event` lines as Claude Code writes them
with OAuth auth, and a 5-hour window that runs out mid-shift.

SHIFTTUI_FAKE_RESET_AT (epoch seconds, default an hour from now) is the 5-hour window's reset,
SHIFTTUI_FAKE_UTILIZATION (default 0.91) how much of it the warning says is used.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from shifttui.fakeagent.agent import Turn, TurnEnd, Usage
from shifttui.fakeagent.scenarios import Scenario, normal

WARNING_AT = 0.9


def _reset_at() -> int:
    value = os.environ.get("SHIFTTUI_FAKE_RESET_AT", "")
    return int(float(value)) if value.strip() else int(time.time()) + 3600


def _utilization() -> float:
    value = os.environ.get("SHIFTTUI_FAKE_UTILIZATION", "")
    return float(value) if value.strip() else 0.91


def rate_limit_event(t: Turn, status: str, utilization: float, *, kind: str = "five_hour",
                     seven_day: float = 0.4) -> None:
    """One event as the real CLI writes it: the representative window first, every window in
    unifiedWindows (checked against Claude Code 2.1.330's output)."""
    reset = _reset_at()
    five: dict[str, Any] = {"utilization": utilization, "resetsAt": reset}
    if utilization >= WARNING_AT:
        five["surpassedThreshold"] = WARNING_AT
    info: dict[str, Any] = {
        "status": status, "resetsAt": reset, "rateLimitType": kind, "isUsingOverage": False,
        "unifiedWindows": {"five_hour": five,
                           "seven_day": {"utilization": seven_day,
                                         "resetsAt": reset + 4 * 86400}},
    }
    if status != "rejected":
        info["utilization"] = utilization
    if "surpassedThreshold" in five:
        info["surpassedThreshold"] = WARNING_AT
    t.wire.emit({"type": "rate_limit_event", "rate_limit_info": info, **t.agent.base()},
                flush=True)


def _reset_words() -> str:
    at = datetime.fromtimestamp(_reset_at(), UTC)
    return at.strftime("%-I:%M%p").lower() + " (UTC)"


def plan_warning(t: Turn) -> TurnEnd | None:
    """A normal shift that is told the 5-hour window passed its warning threshold."""
    if t.index == 0:
        rate_limit_event(t, "allowed_warning", _utilization())
    return normal(t)


def plan_limit(t: Turn) -> TurnEnd | None:
    """A warning, some work, then the window is exhausted: the turn ends at once with the API's
    429. Resumed (--resume) after the reset, the window is open again and the shift completes."""
    if t.agent.config.resumed:
        if t.index == 0:
            rate_limit_event(t, "allowed", 0.02)
        return normal(t)
    rate_limit_event(t, "allowed_warning", _utilization())
    t.say("Working through the TODO list.")
    t.pause()
    rate_limit_event(t, "rejected", 1.0)
    text = f"You've hit your 5-hour limit · resets {_reset_words()}"
    t.wire.emit({
        "type": "assistant",
        "message": {"id": t.agent.next_id("msg"), "type": "message", "role": "assistant",
                    "model": "<synthetic>", "content": [{"type": "text", "text": text}],
                    "stop_reason": "stop_sequence", "usage": Usage().as_dict()},
        "parent_tool_use_id": None, **t.agent.base(), "error": "rate_limit",
    }, flush=True)
    return TurnEnd(subtype="success", is_error=True, result=text, terminal_reason="api_error",
                   stop_reason="stop_sequence", api_error_status=429,
                   api_error_type="rate_limit_error")


def plan_steady(t: Turn) -> TurnEnd | None:
    """A slow shift that reports the window at SHIFTTUI_FAKE_UTILIZATION, then works until it is
    asked to hand off (the reserve's wrap-up request), and hands off."""
    if t.index == 0:
        rate_limit_event(t, "allowed_warning" if _utilization() >= WARNING_AT else "allowed",
                         _utilization())
        for n in range(200):
            t.say(f"step {n}")
            t.pause(0.05)
    return normal(t)


PLAN_FUNCS: dict[str, Scenario] = {
    "plan_warning": plan_warning,
    "plan_limit": plan_limit,
    "plan_steady": plan_steady,
}
