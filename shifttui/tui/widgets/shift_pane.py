"""A live shift: gauges above a log that streams the agent's events in batches."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog

from shifttui.base.bus import ShiftStats
from shifttui.base.models import Handoff, Shift, ShiftEvent
from shifttui.tui.feeds import event_feeds
from shifttui.tui.format import (
    event_line,
    first_line,
    shift_glyph,
    shift_outcome,
    skipped_line,
)
from shifttui.tui.services import services
from shifttui.tui.widgets.gauges import Gauges
from shifttui.tui.widgets.log_seam import drop_last_lines, lines_total

FLUSH_INTERVAL_S = 0.05
MAX_LINES = 5000
SCROLLBACK_EVENTS = 1000
# The most events kept for writing while a pane waits for its next flush (or is hidden): more
# than the tallest screen. A burst beyond one screenful is shown as its last screenful after a
# "… N lines not shown …" line: rendering thousands of lines nobody can read is what stalled the
# app; every event is in the database and agent.log.
TAIL_EVENTS = 200
# A flush writes at most a screenful, and at least this many lines (a pane not yet laid out).
MIN_TAIL = 24
# After a burst (a flush that could not show everything) the next write waits this long: each
# write repaints the log, and a flood repainted 20 times a second is unreadable anyway.
BURST_FLUSH_S = 0.5


class FollowLog(RichLog):
    """Follows new lines until the user scrolls up; scrolling back to the bottom resumes."""

    following = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value < self.max_scroll_y:
            self.following = False
        elif new_value >= self.max_scroll_y:
            self.following = True

    def rewrite_tail(self, drop: int, content: Text) -> int:
        """Replace the last `drop` lines with `content` (or append it when `drop` is 0); returns
        how many lines `content` took (0 while the log's width is not known yet, or when lines
        cannot be replaced: log_seam.py)."""
        if drop and not drop_last_lines(self, drop):
            drop = 0  # appended instead; the richlog-cache patch says why
        before = lines_total(self)
        self.write(content, scroll_end=self.following)
        if drop:
            self.refresh()  # the line count may not change, and then nothing else repaints
        after = lines_total(self)
        return after - before if after is not None and before is not None else 0


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
        # Live events that arrive before the scrollback is read wait here (newest kept).
        self._early: deque[ShiftEvent] = deque(maxlen=TAIL_EVENTS)
        # Fresh events not yet written, in seq order, all newer than `_skipped` older ones.
        self._tail: deque[ShiftEvent] = deque(maxlen=TAIL_EVENTS)
        self._skipped = 0
        self._last_seq = -1
        self._loaded = False
        self._burst_until = 0.0
        # A burst's block in the log (its "not shown" line and last screenful): the next write
        # of the same burst replaces it, so a flood of any length leaves one block, not one per
        # flush (each a screenful of lines kept in memory).
        self._burst_lines = 0
        self._burst_events = 0
        self._unwatch: Callable[[], None] | None = None
        # Events accounted for in the log: written as lines or counted in a "not shown" line.
        self.lines_written = 0
        self.ended_note: str | None = None

    def compose(self) -> ComposeResult:
        yield Gauges()
        yield FollowLog(max_lines=MAX_LINES, wrap=True, markup=False, auto_scroll=False)

    @property
    def log_widget(self) -> FollowLog:
        return self.query_one(FollowLog)

    def on_mount(self) -> None:
        feeds = event_feeds(self)
        if feeds is not None:
            self._unwatch = feeds.watch(self.shift.id, self.add_events)
        self.tick()
        self.set_interval(FLUSH_INTERVAL_S, self.flush)
        self._load_scrollback()

    def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    @work(group="scrollback", exit_on_error=False)
    async def _load_scrollback(self) -> None:
        events = await services(self).store.events.tail(self.shift.id, SCROLLBACK_EVENTS)
        # Written whole, once: this is what the operator scrolls back through after a restart.
        earlier = events[0].seq - 1 if events and events[0].seq > 1 else 0
        self._last_seq = events[-1].seq if events else -1
        self._write(earlier, events)
        self._loaded = True
        # Live events that arrived meanwhile may repeat the last stored ones: _accept drops those.
        early = list(self._early)
        self._early.clear()
        self._accept(early)
        self.flush()

    @property
    def last_seq(self) -> int:
        """The newest event this pane has, shown or waiting for its next flush (-1: none)."""
        return self._last_seq

    def add_events(self, events: Sequence[ShiftEvent]) -> None:
        """Called for every batch the shift publishes: only bookkeeping, no rendering."""
        if self._loaded:
            self._accept(events)
        else:
            self._early.extend(events[-TAIL_EVENTS:])

    def _accept(self, events: Sequence[ShiftEvent]) -> None:
        tail = self._tail
        # Events older than the newest TAIL_EVENTS can never be written; the seq gap counts them.
        for event in events[-TAIL_EVENTS:]:
            seq = event.seq
            if seq <= self._last_seq:
                continue  # scrollback and live events overlap: each seq once
            if self._last_seq >= 0 and seq > self._last_seq + 1:
                # A gap only follows a batch larger than the tail, which replaces all of it.
                self._skipped += len(tail) + seq - self._last_seq - 1
                tail.clear()
            elif len(tail) == TAIL_EVENTS:
                self._skipped += 1
            tail.append(event)
            self._last_seq = seq

    def flush(self, *, force: bool = False) -> None:
        """Write what arrived since the last flush as one renderable (one layout pass), at most a
        screenful of it. A pane nobody sees (another tab, another screen) waits until it is seen
        unless forced."""
        if not self._loaded or not (self._tail or self._skipped):
            return
        log = self.log_widget
        now = time.monotonic()
        if not force and (now < self._burst_until
                          or not (self.screen.is_current and log.is_on_screen)):
            return
        limit = max(MIN_TAIL, log.size.height)
        events = list(self._tail)
        self._tail.clear()
        skipped, self._skipped = self._skipped, 0
        if len(events) > limit:
            skipped += len(events) - limit
            events = events[-limit:]
        self._burst_until = now + BURST_FLUSH_S if skipped else 0.0
        self._write(skipped, events, burst=bool(skipped))

    def _write(self, skipped: int, events: Sequence[ShiftEvent], *, burst: bool = False) -> None:
        if not skipped and not events:
            return
        self.lines_written += skipped + len(events)
        drop = 0
        if burst:
            drop = self._burst_lines
            skipped += self._burst_events  # the replaced block's count and lines, now not shown
        text = skipped_line(skipped) if skipped else Text()
        for event in events:
            if text:
                text.append("\n")
            text.append_text(event_line(event))
        written = self.log_widget.rewrite_tail(drop, text)
        self._burst_lines = written if burst else 0
        self._burst_events = skipped + len(events) if burst else 0

    def set_stats(self, stats: ShiftStats) -> None:
        self.stats = stats
        self.tick()

    def tick(self) -> None:
        """Elapsed time moves between progress events: take it from the clock."""
        if self.ended_note is None:
            now = services(self).clock.now()
            elapsed = max(0.0, (now - self.shift.started_at).total_seconds())
            self.stats = ShiftStats(**{**self.stats.__dict__, "elapsed_s": elapsed})
        gauges = self.query(Gauges)
        if gauges:  # not while the app is closing and the pane's children are gone
            gauges.first().show(self.stats, ended=self.ended_note)

    def mark_ended(self, shift: Shift, handoff: Handoff | None) -> None:
        self.shift = shift
        note = f"{shift_glyph(shift)} {shift_outcome(shift)}"
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
