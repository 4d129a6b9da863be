"""A live shift: gauges above a log that streams the agent's events in batches."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog

from shifttui.bus import ShiftStats
from shifttui.models import Handoff, Shift, ShiftEvent
from shifttui.tui.format import STATUS_GLYPH, event_line, first_line, shift_outcome
from shifttui.tui.services import services
from shifttui.tui.widgets.gauges import Gauges

FLUSH_INTERVAL_S = 0.05
MAX_LINES = 5000
SCROLLBACK_EVENTS = 1000


class FollowLog(RichLog):
    """Follows new lines until the user scrolls up; scrolling back to the bottom resumes."""

    following = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value < self.max_scroll_y:
            self.following = False
        elif new_value >= self.max_scroll_y:
            self.following = True


class ShiftPane(Vertical):
    """One shift's gauges and log; the scrollback comes from the database."""

    DEFAULT_CSS = """
    ShiftPane { height: 1fr; }
    ShiftPane FollowLog { height: 1fr; border: none; background: $surface; }
    """

    def __init__(
        self, shift: Shift, *, budget_usd: float, max_duration_s: float, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.shift = shift
        self.stats = ShiftStats(
            shift_id=shift.id, project_id=shift.project_id, cost_usd=shift.cost_usd,
            budget_usd=budget_usd, tokens_in=shift.tokens_in, tokens_out=shift.tokens_out,
            num_turns=shift.num_turns, elapsed_s=0.0, max_duration_s=max_duration_s,
            model=shift.model,
        )
        self._pending: list[ShiftEvent] = []
        self._last_seq = -1
        self._loaded = False
        self.lines_written = 0
        self.ended_note: str | None = None

    def compose(self) -> ComposeResult:
        yield Gauges()
        yield FollowLog(max_lines=MAX_LINES, wrap=True, markup=False, auto_scroll=False)

    @property
    def log_widget(self) -> FollowLog:
        return self.query_one(FollowLog)

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(FLUSH_INTERVAL_S, self.flush)
        self._load_scrollback()

    @work(group="scrollback", exit_on_error=False)
    async def _load_scrollback(self) -> None:
        events = await services(self).store.events.tail(self.shift.id, SCROLLBACK_EVENTS)
        # Live events that arrived meanwhile are already pending: keep order, drop overlap.
        self._pending = events + self._pending
        self._loaded = True
        self.flush()

    def add_events(self, events: list[ShiftEvent]) -> None:
        self._pending.extend(events)

    def flush(self) -> None:
        """Write everything buffered as one renderable (one layout pass per batch)."""
        if not self._loaded or not self._pending:
            return
        batch, self._pending = self._pending, []
        fresh = []
        for event in batch:  # scrollback and live events may overlap: keep each seq once
            if event.seq > self._last_seq:
                fresh.append(event)
                self._last_seq = event.seq
        if not fresh:
            return
        self.lines_written += len(fresh)
        # Lines that max_lines would drop at once are not worth rendering (they are in the db).
        text = Text()
        for event in fresh[-MAX_LINES:]:
            if text:
                text.append("\n")
            text.append_text(event_line(event))
        log = self.log_widget
        log.write(text, scroll_end=log.following)

    def set_stats(self, stats: ShiftStats) -> None:
        self.stats = stats
        self.tick()

    def tick(self) -> None:
        """Elapsed time moves between progress events: take it from the clock."""
        if self.ended_note is None:
            now = services(self).clock.now()
            elapsed = max(0.0, (now - self.shift.started_at).total_seconds())
            self.stats = ShiftStats(**{**self.stats.__dict__, "elapsed_s": elapsed})
        self.query_one(Gauges).show(self.stats, ended=self.ended_note)

    def mark_ended(self, shift: Shift, handoff: Handoff | None) -> None:
        self.shift = shift
        note = f"{STATUS_GLYPH[shift.status]} {shift_outcome(shift)}"
        if handoff is not None:
            note += f" — {first_line(handoff.summary, 50)}"
        elif shift.error:
            note += f" — {first_line(shift.error, 50)}"
        self.ended_note = note
        if shift.ended_at is not None:
            elapsed = (shift.ended_at - shift.started_at).total_seconds()
            self.stats = ShiftStats(
                **{**self.stats.__dict__, "elapsed_s": elapsed, "cost_usd": shift.cost_usd,
                   "num_turns": shift.num_turns, "tokens_in": shift.tokens_in,
                   "tokens_out": shift.tokens_out}
            )
        self.tick()
