"""Live cost: usage de-duplicated by message id, corrected by cumulative results."""

from __future__ import annotations

import pytest

from shifttui.shifts.agent.cost import RECENT_IDS, CostTracker, estimate_cost, price_for


def test_same_message_id_counts_once_latest_usage_wins() -> None:
    t = CostTracker()
    t.on_assistant("m1", "claude-sonnet-4-5", {"input_tokens": 1000, "output_tokens": 10})
    t.on_assistant("m1", "claude-sonnet-4-5", {"input_tokens": 1000, "output_tokens": 500})
    assert t.tokens == (1000, 500)
    assert t.turns == 1
    assert t.cost_usd == pytest.approx((1000 * 3 + 500 * 15) / 1e6)


def test_result_replaces_estimate_and_is_cumulative_per_process() -> None:
    t = CostTracker()
    t.on_assistant("m1", "claude-sonnet-4-5", {"input_tokens": 10, "output_tokens": 10})
    t.on_result(0.30, {"input_tokens": 100, "output_tokens": 50}, num_turns=2)
    assert t.cost_usd == pytest.approx(0.30)
    t.on_assistant("m2", "claude-sonnet-4-5", {"input_tokens": 1_000_000, "output_tokens": 0})
    assert t.cost_usd == pytest.approx(0.30 + 3.0)
    # the second result's total includes the first turn's cost
    t.on_result(0.50, {"input_tokens": 20, "output_tokens": 5}, num_turns=1)
    assert t.cost_usd == pytest.approx(0.50)
    assert t.tokens == (120, 55) and t.turns == 3


def test_cache_tokens_are_priced() -> None:
    usage = {"input_tokens": 0, "cache_creation_input_tokens": 1_000_000,
             "cache_read_input_tokens": 1_000_000, "output_tokens": 0}
    assert estimate_cost("claude-sonnet-4-5", usage) == pytest.approx(3 * 1.25 + 3 * 0.1)


def test_price_table_by_family() -> None:
    assert price_for("claude-haiku-4-5") == (1.0, 5.0)
    assert price_for("claude-opus-4-1") == (15.0, 75.0)
    assert price_for(None) == price_for("something-new")


def test_a_long_turn_remembers_few_ids_and_loses_no_cost() -> None:
    """A flood of 10,000 messages in one turn: the figures are exact, the memory bounded."""
    tracker = CostTracker()
    usage = {"input_tokens": 1000, "output_tokens": 100}
    for i in range(10_000):
        assert tracker.on_assistant(f"msg_{i}", "claude-sonnet-4-5", usage)
        # The blocks of one response repeat its id right away: still counted once.
        assert not tracker.on_assistant(f"msg_{i}", "claude-sonnet-4-5", usage)
    assert tracker.cost_usd == pytest.approx(10_000 * estimate_cost("claude-sonnet-4-5", usage))
    assert tracker.tokens == (10_000_000, 1_000_000)
    assert tracker.turns == 10_000
    assert len(tracker._turn_usage) <= RECENT_IDS
