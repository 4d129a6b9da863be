"""The live pane's batching: overlap between scrollback and live events, follow mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import EventKind, ShiftEvent
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import main_screen, until
from .seed import NOW


def _event(shift_id: str, seq: int) -> ShiftEvent:
    return ShiftEvent(shift_id=shift_id, seq=seq, ts=NOW + timedelta(seconds=seq),
                      kind=EventKind.TEXT, summary=f"line {seq}")


@pytest.mark.timeout(20)
async def test_overlapping_events_are_written_once_and_follow_stops_when_scrolled_up(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await until(pilot, lambda: screen.query(ShiftPane)
                    and screen.query_one(ShiftPane).lines_written == 13, what="scrollback")
        pane = screen.query_one(ShiftPane)
        sid = pane.shift.id
        # a live batch that repeats the last stored events, then new ones
        pane.add_events([_event(sid, seq) for seq in range(10, 60)])
        pane.add_events([_event(sid, seq) for seq in range(55, 70)])
        await until(pilot, lambda: pane.lines_written == 69, what="new lines")
        log = pane.log_widget
        texts = [strip.text for strip in log.lines]
        assert sum("line 55" in t for t in texts) == 1
        await pilot.pause()
        assert log.following and log.scroll_y == log.max_scroll_y
        log.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert not log.following
        pane.add_events([_event(sid, 70)])
        await until(pilot, lambda: pane.lines_written == 70, what="line 70")
        await pilot.pause()
        assert log.scroll_y == 0, "a new line pulled the user back to the bottom"
        log.scroll_end(animate=False)
        await pilot.pause()
        assert log.following
        pane.add_events([_event(sid, 71)])
        await until(pilot, lambda: pane.lines_written == 71, what="line 71")
        await pilot.pause()
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y


def _shown(pane: ShiftPane) -> tuple[list[int], list[int]]:
    """(seqs of the event lines in the log, counts in its "not shown" lines)."""
    seqs, skipped = [], []
    for strip in pane.log_widget.lines:
        text = strip.text
        if "not shown here" in text:
            skipped.append(int(text.split()[1].replace(",", "")))
        elif "line " in text:
            seqs.append(int(text.rsplit("line ", 1)[1]))
    return seqs, skipped


@pytest.mark.timeout(30)
async def test_a_burst_shows_its_last_screenful_and_one_count_of_the_rest(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await until(pilot, lambda: screen.query(ShiftPane)
                    and screen.query_one(ShiftPane).lines_written == 13, what="scrollback")
        pane = screen.query_one(ShiftPane)
        sid = pane.shift.id
        stored = [strip.text for strip in pane.log_widget.lines]
        # Through the app's route, as the supervisor's batches arrive: two bursts in a row.
        app.event_feeds.publish(sid, [_event(sid, seq) for seq in range(14, 5014)])
        await until(pilot, lambda: pane.lines_written == 5013, what="the first burst")
        lines_after_first = len(pane.log_widget.lines)
        app.event_feeds.publish(sid, [_event(sid, seq) for seq in range(5014, 10014)])
        await until(pilot, lambda: pane.lines_written == 10013, what="the second burst")
        seqs, skipped = _shown(pane)
        assert [s.text for s in pane.log_widget.lines[:len(stored)]] == stored, \
            "the scrollback was touched"
        live = seqs
        assert live == list(range(live[0], 10014)), "the burst's tail is not its last lines"
        assert 0 < len(live) <= 24, "more than a screenful was rendered"
        assert skipped == [10000 - len(live)], "one count for the whole flood, and exact"
        assert len(pane.log_widget.lines) == lines_after_first, "the second burst added lines"
        # A quiet batch after the burst is written whole, below the burst's block.
        app.event_feeds.publish(sid, [_event(sid, 10014), _event(sid, 10015)])
        await until(pilot, lambda: pane.lines_written == 10015, what="the quiet batch")
        seqs, skipped = _shown(pane)
        assert seqs[-3:] == [10013, 10014, 10015] and len(skipped) == 1
