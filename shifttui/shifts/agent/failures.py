"""Map what went wrong with the agent to a failure kind (SPEC §3.10)."""

from __future__ import annotations

import re

from claude_agent_sdk import CLIConnectionError, CLINotFoundError, ProcessError, ResultMessage

from shifttui.base.models import FailureKind
from shifttui.shifts.agent.normalize import one_line

_AUTH = re.compile(r"\b401\b|authenticat|invalid x-api-key|invalid api key|unauthori[sz]ed|"
                   r"oauth token|please run /login", re.I)
_RATE = re.compile(r"\b429\b|\b529\b|rate.?limit|overloaded", re.I)
# Claude Code 2.1.330 with sandbox.failIfUnavailable and no working bubblewrap.
_SANDBOX = re.compile(r"sandbox required but unavailable", re.I)
SANDBOX_UNAVAILABLE = ("Claude Code could not start its sandbox: install bubblewrap and socat "
                       "(apt-get install bubblewrap socat), or set the project's sandbox to off")


def _from_text(text: str) -> FailureKind | None:
    if _SANDBOX.search(text):
        return FailureKind.SANDBOX_UNAVAILABLE
    if _AUTH.search(text):
        return FailureKind.AUTH
    if _RATE.search(text):
        return FailureKind.RATE_LIMITED
    return None


def failure_text(kind: FailureKind, text: str) -> str:
    """What the shift's error says: the CLI's own words, except where one sentence says more."""
    return SANDBOX_UNAVAILABLE if kind is FailureKind.SANDBOX_UNAVAILABLE else text


def classify_result(result: ResultMessage) -> FailureKind | None:
    """None when the turn ended normally (or was interrupted by us)."""
    if result.subtype == "error_max_turns":
        return FailureKind.MAX_TURNS
    if result.subtype == "error_max_budget_usd":
        return FailureKind.BUDGET_EXHAUSTED
    if result.terminal_reason in ("aborted_streaming", "aborted_tools"):
        return None
    if not result.is_error:
        return None
    status = result.api_error_status
    if status in (401, 403):
        return FailureKind.AUTH
    if status in (429, 529):
        return FailureKind.RATE_LIMITED
    text = " ".join([*(result.errors or []), result.result or ""])
    return _from_text(text) or FailureKind.AGENT_ERROR


def classify_exception(exc: BaseException | None,
                       stderr_tail: list[str]) -> tuple[FailureKind, str]:
    """A crashed or vanished CLI: the kind and one readable sentence with the stderr tail."""
    tail = " | ".join(stderr_tail[-5:])
    if isinstance(exc, CLINotFoundError):
        return FailureKind.CLI_MISSING, f"Claude Code CLI not found: {exc}"
    if exc is None:
        text = "the Claude Code process ended without a result"
    elif isinstance(exc, ProcessError):
        text = f"Claude Code exited with status {exc.exit_code}"
    elif isinstance(exc, CLIConnectionError):
        text = f"lost the connection to Claude Code: {exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    if tail:
        text += f" (stderr: {tail})"
    kind = _from_text(f"{tail} {exc or ''}") or FailureKind.AGENT_ERROR
    return kind, failure_text(kind, one_line(text, 800))
