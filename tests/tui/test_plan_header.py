"""The plan windows in the app (issue 15): the header's gauges and their colour, nothing with
API-key auth, and a start by hand inside the reserve asks first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import StateError
from shifttui.base.models import Shift, Trigger
from shifttui.base.plan import PlanWindow, WindowStatus
from shifttui.store import Store
from shifttui.tui.screens.modals import ConfirmModal

from .conftest import make_app
from .live_support import main_screen, top, until
from .seed import NOW

RESET = NOW + timedelta(hours=3, minutes=12)  # 12:12 in the tests' UTC local time


async def _record(home: Home, status: WindowStatus, utilization: float) -> None:
    store = await Store.open(home.db_path, now=NOW)
    try:
        await store.plan.record([
            PlanWindow(type="five_hour", status=status, utilization=utilization,
                       resets_at=RESET, seen_at=NOW),
            PlanWindow(type="seven_day", status=WindowStatus.ALLOWED, utilization=0.4,
                       resets_at=RESET + timedelta(days=3), seen_at=NOW),
        ])
    finally:
        await store.close()


def _title(pilot: Pilot[Any]) -> Any:
    return pilot.app.screen.query_one("#title-bar").render()


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("status", "utilization", "shown", "style"), [
    (WindowStatus.WARNING, 0.91, "5h 91% ↻12:12 · 7d 40%", "yellow"),
    (WindowStatus.REJECTED, 1.0, "5h limit ↻12:12 · 7d 40%", "bold red"),
    (WindowStatus.ALLOWED, 0.2, "5h 20% ↻12:12 · 7d 40%", "")
])
async def test_header_shows_the_windows_in_their_colour(
    seeded_home: Home, fixed_clock: FakeClock, status: WindowStatus, utilization: float,
    shown: str, style: str,
) -> None:
    await _record(seeded_home, status, utilization)
    async with make_app(seeded_home, fixed_clock).run_test(size=(140, 40)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: shown in str(_title(pilot)), what="the gauges")
        text = _title(pilot)
        start = str(text).index(shown)
        styles = " ".join(str(span.style) for span in text.spans
                          if span.start <= start < span.end and span.end - span.start < 100)
        assert all(word in styles for word in style.split()), styles
        if not style:  # an ordinary window is not coloured
            assert "yellow" not in styles and "red" not in styles, styles


@pytest.mark.timeout(20)
async def test_header_without_windows_shows_no_empty_gauges(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(140, 40)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: "scheduler off" in str(_title(pilot)), what="header")
        assert "5h" not in str(_title(pilot)) and "%" not in str(_title(pilot)).split("·")[0]


class _Starts:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Trigger]] = []

    async def __call__(self, project: str, *, trigger: Trigger = Trigger.MANUAL,
                       reason: str | None = None, resume_of: str | None = None) -> Shift:
        self.calls.append((project, trigger))
        raise StateError("not started: the test only counts the calls")


@pytest.mark.timeout(20)
async def test_a_start_by_hand_inside_the_reserve_asks_first(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    await _record(seeded_home, WindowStatus.WARNING, 0.93)
    app = make_app(seeded_home, fixed_clock, settings=Settings(plan_reserve_percent=10))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        starts = _Starts()
        app.services.supervisor.start_shift = starts
        screen.table.move_cursor(row=[r.project.name for r in screen.rows].index("alpha"))
        await pilot.pause()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="confirm")
        assert "Plan reserve reached" in str(top(pilot).query_one(".dialog-title").render())
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(top(pilot), ConfirmModal), what="closed")
        await pilot.pause(0.1)
        assert starts.calls == []
        await pilot.press("s")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="confirm")
        await pilot.press("y")
        await until(pilot, lambda: starts.calls, what="the start")
        assert starts.calls == [("alpha", Trigger.MANUAL)]
