"""Live cost, tokens and turns of a shift, from each message, corrected by each result."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

# USD per million tokens: (input, output). Cache writes cost 1.25x input, cache reads 0.1x.
# Only for the running estimate; each ResultMessage replaces it with the CLI's own figure.
_PRICES: list[tuple[str, tuple[float, float]]] = [
    ("opus-5", (5.0, 15.0)),  # the bundled CLI's own estimate for claude-opus-5-5
    ("opus-4-5", (5.0, 25.0)),
    ("opus-4-6", (5.0, 25.0)),
    ("opus-4-7", (5.0, 25.0)),
    ("opus", (15.0, 75.0)),
    ("sonnet", (3.0, 15.0)),
    ("haiku-4", (1.0, 5.0)),
    ("haiku", (0.8, 4.0)),
]
_DEFAULT_PRICE = (3.0, 15.0)
RECENT_IDS = 256


@functools.lru_cache(maxsize=64)  # asked once per assistant message, for a handful of models
def price_for(model: str | None) -> tuple[float, float]:
    name = (model or "").lower()
    for key, price in _PRICES:
        if key in name:
            return price
    return _DEFAULT_PRICE


def _num(value: object) -> int:
    if type(value) is int:  # nearly always: the cheap test first (called 4x per message)
        return value
    return int(value) if isinstance(value, (int, float)) else 0


def usage_tokens(usage: dict[str, Any] | None) -> tuple[int, int, int, int]:
    """(input, cache_write, cache_read, output) from an API usage dict."""
    if not usage:
        return (0, 0, 0, 0)
    get = usage.get
    return (
        _num(get("input_tokens")),
        _num(get("cache_creation_input_tokens")),
        _num(get("cache_read_input_tokens")),
        _num(get("output_tokens")),
    )


def estimate_cost(model: str | None, usage: dict[str, Any] | None) -> float:
    inp, cache_w, cache_r, out = usage_tokens(usage)
    p_in, p_out = price_for(model)
    return (inp * p_in + cache_w * p_in * 1.25 + cache_r * p_in * 0.1 + out * p_out) / 1e6


@dataclass
class CostTracker:
    """Cost of one shift = settled figure from results + estimate of the turn in flight.

    The real CLI sends each content block of one API response as its own message with the same
    message id, so usage is de-duplicated by id (the latest usage of an id wins). Running sums
    keep every update O(1): a flood of messages must not cost quadratic time. Only the latest
    RECENT_IDS ids are remembered (the blocks of one response arrive together): a turn of
    200,000 messages held ~40 MB of ids otherwise. A forgotten id's figures stay in the sums.
    """

    settled_cost: float = 0.0
    settled_in: int = 0
    settled_out: int = 0
    settled_turns: int = 0
    _turn_usage: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    _turn_messages: int = 0
    _turn_cost: float = 0.0
    _turn_in: int = 0
    _turn_out: int = 0
    _process_cost: float = 0.0

    def on_assistant(self, message_id: str | None, model: str | None,
                     usage: dict[str, Any] | None) -> bool:
        """Record one assistant message; True when the figures changed."""
        key = message_id or f"anon-{self._turn_messages}"
        turn_usage = self._turn_usage
        if usage is None:
            if key in turn_usage:
                return False
            inp = cache_w = cache_r = out = 0
        else:
            # usage_tokens inlined: this runs for every message of a flood.
            get = usage.get
            inp = get("input_tokens", 0)
            cache_w = get("cache_creation_input_tokens", 0)
            cache_r = get("cache_read_input_tokens", 0)
            out = get("output_tokens", 0)
            if not (type(inp) is int and type(cache_w) is int and type(cache_r) is int
                    and type(out) is int):
                inp, cache_w, cache_r, out = usage_tokens(usage)
        p_in, p_out = price_for(model)
        cost = (inp * p_in + cache_w * p_in * 1.25 + cache_r * p_in * 0.1 + out * p_out) / 1e6
        entry = (cost, inp + cache_w + cache_r, out)
        old = turn_usage.get(key)
        if old == entry:
            return False
        if old is not None:
            self._turn_cost -= old[0]
            self._turn_in -= old[1]
            self._turn_out -= old[2]
        else:
            self._turn_messages += 1
            if len(turn_usage) >= RECENT_IDS:
                del turn_usage[next(iter(turn_usage))]  # the oldest
        turn_usage[key] = entry
        self._turn_cost += entry[0]
        self._turn_in += entry[1]
        self._turn_out += entry[2]
        return True

    def on_result(self, total_cost_usd: float | None, usage: dict[str, Any] | None,
                  num_turns: int) -> None:
        """A ResultMessage ends a turn; its cost is cumulative for the CLI process."""
        inp, cache_w, cache_r, out = usage_tokens(usage)
        if usage:
            self.settled_in += inp + cache_w + cache_r
            self.settled_out += out
        else:
            self.settled_in += self._turn_in
            self.settled_out += self._turn_out
        if total_cost_usd is not None:
            self.settled_cost += max(0.0, total_cost_usd - self._process_cost)
            self._process_cost = total_cost_usd
        else:
            self.settled_cost += self._turn_cost
        self.settled_turns += num_turns
        self._turn_usage.clear()
        self._turn_messages = 0
        self._turn_cost = 0.0
        self._turn_in = self._turn_out = 0

    @property
    def cost_usd(self) -> float:
        return self.settled_cost + max(0.0, self._turn_cost)

    @property
    def tokens(self) -> tuple[int, int]:
        return self.settled_in + self._turn_in, self.settled_out + self._turn_out

    @property
    def turns(self) -> int:
        return self.settled_turns + self._turn_messages
