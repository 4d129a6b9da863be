"""The gauges above a live shift pane: cost vs budget, time vs maximum, turns, tokens, burn rate."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from shifttui.base.bus import ShiftStats
from shifttui.base.states import RunPhase
from shifttui.tui.format import duration, money, tokens

_BAR = 10


def bar(fraction: float, width: int = _BAR) -> Text:
    fraction = max(0.0, fraction)
    filled = min(width, round(fraction * width))
    style = "green" if fraction < 0.6 else "yellow" if fraction < 0.9 else "bold red"
    text = Text("█" * filled, style=style)
    text.append("░" * (width - filled), style="dim")
    return text


def gauge_text(stats: ShiftStats, *, ended: str | None = None) -> Text:
    """Two lines that fit in 78 columns."""
    cost_frac = stats.cost_usd / stats.budget_usd if stats.budget_usd else 0.0
    time_frac = stats.elapsed_s / stats.max_duration_s if stats.max_duration_s else 0.0
    text = Text()
    text.append("cost ", style="bold")
    text.append(f"{money(stats.cost_usd)}/{money(stats.budget_usd)} ")
    text.append_text(bar(cost_frac))
    text.append(f" {cost_frac:4.0%}   ")
    text.append("time ", style="bold")
    text.append(f"{duration(stats.elapsed_s)}/{duration(stats.max_duration_s)} ")
    text.append_text(bar(time_frac))
    text.append(f" {time_frac:4.0%}\n")
    text.append("turns ", style="bold")
    text.append(f"{stats.num_turns}  ")
    text.append("tokens ", style="bold")
    text.append(f"{tokens(stats.tokens_in)} in/{tokens(stats.tokens_out)} out  ")
    if ended:
        text.append(ended, style="bold")
        return text
    projected = stats.projected_cost_usd
    if projected is not None:
        text.append("at this rate: ", style="bold")
        over = projected > stats.budget_usd
        text.append(f"{money(projected)} at the deadline", style="bold red" if over else "")
    if stats.phase is not RunPhase.WORKING:
        text.append(f"  [{stats.phase.replace('_', ' ')}]", style="bold yellow")
    return text


class Gauges(Static):
    """Re-rendered on each progress event and each clock tick (cheap: two lines)."""

    DEFAULT_CSS = """
    Gauges { height: 2; padding: 0 1; }
    """

    def show(self, stats: ShiftStats, *, ended: str | None = None) -> None:
        # Fixed height and width: a new text never needs a layout pass of the whole screen.
        self.update(gauge_text(stats, ended=ended), layout=False)
