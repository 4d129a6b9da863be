"""Plain words in the log: an interrupt we caused is not an agent error, operator actions say
"you", and nothing says "operator" twice."""

from __future__ import annotations

from datetime import UTC, datetime

from claude_agent_sdk import ResultMessage, TextBlock, UserMessage

from shifttui.base.models import EventKind, ShiftEvent
from shifttui.shifts.agent.normalize import INTERRUPTED_WORDS, normalize
from shifttui.tui.format import event_line


def _result(**kw: object) -> ResultMessage:
    base: dict[str, object] = dict(subtype="error_during_execution", duration_ms=4200,
                                   duration_api_ms=4000, is_error=True, num_turns=3,
                                   session_id="s", total_cost_usd=0.0123)
    return ResultMessage(**{**base, **kw})  # type: ignore[arg-type]


def test_an_interrupted_turn_is_said_plainly() -> None:
    [(kind, summary, _)] = normalize(_result(errors=["[Request interrupted by user]"]))
    assert kind is EventKind.RESULT
    assert summary.startswith("turn interrupted by shifttui — 3 turns")
    assert "error" not in summary and "by user" not in summary
    [(kind, summary, _)] = normalize(_result(terminal_reason="aborted_tools"))
    assert summary.startswith("turn interrupted by shifttui")
    # a real error keeps its words
    [(kind, summary, _)] = normalize(_result(errors=["API Error: 500"]))
    assert "turn ended error (error_during_execution)" in summary


def test_the_interrupt_message_is_an_operator_event_in_plain_words() -> None:
    out = normalize(UserMessage(content="[Request interrupted by user]"))
    assert [(k, s) for k, s, _ in out] == [(EventKind.OPERATOR, INTERRUPTED_WORDS)]
    out = normalize(UserMessage(content=[TextBlock("[Request interrupted by user for tool use]")]))
    assert [(k, s) for k, s, _ in out] == [(EventKind.OPERATOR, INTERRUPTED_WORDS)]


def _line(summary: str) -> str:
    event = ShiftEvent("s", 1, datetime(2026, 1, 1, tzinfo=UTC), EventKind.OPERATOR, summary)
    return event_line(event).plain


def test_operator_actions_say_you_once() -> None:
    assert _line("operator answered: yes, go ahead").endswith("» you answered: yes, go ahead")
    assert _line("force: operator asked to finish now").endswith(
        "» you asked the agent to finish now")
    assert _line("abandon: wrong branch").endswith("» you abandoned the shift: wrong branch")
    assert "operator" not in _line("operator answered: ok")
