"""The live pane's batching: overlap between scrollback and live events, follow mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shifttui.clock import FakeClock
from shifttui.config import Home
from shifttui.models import EventKind, ShiftEvent
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
