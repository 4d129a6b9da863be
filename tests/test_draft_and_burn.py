"""The auto-draft repeats nothing; the burn-rate projection waits for enough data."""

from __future__ import annotations

from shifttui.base.bus import PROJECTION_MIN_S, ShiftStats
from shifttui.base.models import EventKind
from shifttui.shifts.agent.draft import Transcript
from shifttui.tui.widgets.gauges import gauge_text


def _bash(t: Transcript, command: str) -> None:
    t.add(EventKind.TOOL_USE, command, {"name": "Bash", "input": {"command": command}})


def test_the_draft_counts_a_repeated_command_and_says_each_message_once() -> None:
    t = Transcript()
    for _ in range(5):
        _bash(t, "sleep 1")
    _bash(t, "pytest -q")
    _bash(t, "sleep 1")
    for text in ["Looking at the parser.", "Done with the tokenizer.", "Done with the tokenizer.",
                 "Wrapping up now."]:
        t.add(EventKind.TEXT, text, {"text": text})
    draft = t.draft("operator force-complete", [])
    ran = [c for c in draft.completed if c.startswith("Ran: ")]
    assert ran == ["Ran: pytest -q", "Ran: sleep 1 (×6)"]
    earlier = [s for s in draft.next_steps if "words" in s]
    assert earlier == ["Agent's earlier words: Looking at the parser.",
                       "Agent's earlier words: Done with the tokenizer."]
    assert "Wrapping up now." in draft.summary
    lines = [*draft.completed, *draft.in_progress, *draft.blockers, *draft.next_steps]
    assert len(lines) == len(set(lines))


def test_the_draft_keeps_only_the_last_few_distinct_commands() -> None:
    t = Transcript()
    for i in range(12):
        _bash(t, f"step {i}")
    ran = [c for c in t.draft("deadline passed", []).completed if c.startswith("Ran: ")]
    assert ran == [f"Ran: step {i}" for i in range(7, 12)]


def _stats(elapsed: float, turns: int, cost: float = 0.4) -> ShiftStats:
    return ShiftStats(shift_id="s", project_id="p", cost_usd=cost, budget_usd=5.0, tokens_in=1,
                      tokens_out=1, num_turns=turns, elapsed_s=elapsed, max_duration_s=7200.0)


def test_no_projection_one_second_in_or_after_two_turns() -> None:
    assert _stats(1.0, 5).projected_cost_usd is None
    assert _stats(PROJECTION_MIN_S * 5, 2).projected_cost_usd is None
    assert _stats(PROJECTION_MIN_S * 5, 9, cost=0.0).projected_cost_usd is None
    assert "at this rate" not in gauge_text(_stats(1.0, 1)).plain
    projected = _stats(600.0, 3).projected_cost_usd
    assert projected is not None and abs(projected - 0.4 / 600 * 7200) < 1e-9
    assert "at this rate: $4.80 at the deadline" in gauge_text(_stats(600.0, 3)).plain
