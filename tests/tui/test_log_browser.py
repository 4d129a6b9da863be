"""The log drill-down: Enter opens an event whole, / searches the stored log (beyond the loaded
page), [ ] step through matches, F filters by kind; the checks' output has its tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import EventKind, ShiftEvent
from shifttui.store import Store
from shifttui.store.event_search import EventSearch
from shifttui.tui.event_text import LogFilter
from shifttui.tui.screens.event_view import EventModal
from shifttui.tui.screens.shift_log import ShiftLogScreen
from shifttui.tui.widgets.event_browser import PAGE, EventBrowser
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import main_screen, top, until
from .seed import NOW

LONG_TEXT = "First line of a long answer.\n" + "\n".join(f"detail {i}" for i in range(40))


async def _alpha_shifts(home: Home) -> list[str]:
    store = await Store.open(home.db_path)
    try:
        return [s.id for s in await store.shifts.list("alpha", limit=10)]
    finally:
        await store.close()


async def _add_events(home: Home, shift_id: str, events: list[ShiftEvent]) -> None:
    store = await Store.open(home.db_path)
    try:
        await store.events.append(events)
    finally:
        await store.close()


async def _browser(pilot: Pilot[Any], shift_id: str, **kw: Any) -> EventBrowser:
    await main_screen(pilot)
    await pilot.app.push_screen(ShiftLogScreen(shift_id, tab="events", **kw))
    await until(pilot, lambda: isinstance(top(pilot), ShiftLogScreen)
                and top(pilot).browser.loaded, what="the event browser")
    screen = top(pilot)
    assert isinstance(screen, ShiftLogScreen)
    return screen.browser


@pytest.mark.timeout(30)
async def test_enter_opens_an_event_whole_with_its_tool_result_and_copies_json(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    newest = (await _alpha_shifts(seeded_home))[0]
    await _add_events(seeded_home, newest, [
        ShiftEvent(newest, 14, NOW, EventKind.TEXT, "First line of a long answer.",
                   {"text": LONG_TEXT}),
        ShiftEvent(newest, 15, NOW, EventKind.TOOL_USE, "Bash: ls",
                   {"id": "tu1", "name": "Bash", "input": {"command": "ls -la src"}}),
        ShiftEvent(newest, 16, NOW, EventKind.TOOL_RESULT, "ok (547 B)",
                   {"tool_use_id": "tu1", "is_error": False,
                    "content": [{"type": "text", "text": "parser.py\ntokenizer.py"}]}),
    ])
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        browser = await _browser(pilot, newest)
        assert len(browser.events) == 16
        browser.table.move_cursor(row=13)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), EventModal), what="the event")
        modal = top(pilot)
        assert isinstance(modal, EventModal)
        shown = str(modal.query_one("#event-text").render())
        assert "detail 39" in shown, "the drill-down cut the agent's text"
        await pilot.press("escape")
        browser.table.move_cursor(row=14)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), EventModal)
                    and top(pilot).partner_loaded, what="the tool call")  # type: ignore[attr-defined]
        modal = top(pilot)
        assert isinstance(modal, EventModal)
        assert "ls -la src" in str(modal.query_one("#event-text").render())
        assert "tokenizer.py" in str(modal.query_one("#event-partner").render())
        await pilot.press("ctrl+c")
        assert '"tool_use_id"' not in pilot.app.clipboard
        assert '"command": "ls -la src"' in pilot.app.clipboard


@pytest.mark.timeout(40)
async def test_search_reaches_events_outside_the_loaded_page_and_steps_through_matches(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    newest = (await _alpha_shifts(seeded_home))[0]
    count = PAGE * 2 + 100
    await _add_events(seeded_home, newest, [
        ShiftEvent(newest, seq, NOW + timedelta(seconds=seq), EventKind.TEXT,
                   "needle in the haystack" if seq in (20, 900, count) else f"hay {seq}")
        for seq in range(14, count + 1)
    ])
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        browser = await _browser(pilot, newest)
        assert browser.events[0].seq > 20, "the first page already held the old match"
        await pilot.press("slash", *"NEEDLE", "enter")
        await until(pilot, lambda: browser.matches == [20, 900, count], what="the matches")
        # the cursor was on the newest event: the first match from there is the newest one
        await until(pilot, lambda: browser.current_event() is not None
                    and browser.current_event().seq == count, what="the newest match")  # type: ignore[union-attr]
        await pilot.press("right_square_bracket")  # wraps around to the oldest match
        await until(pilot, lambda: browser.current_event() is not None
                    and browser.current_event().seq == 20, what="the oldest match")  # type: ignore[union-attr]
        assert browser.match_index == 0
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: browser.current_event() is not None
                    and browser.current_event().seq == 900, what="the middle match")  # type: ignore[union-attr]
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: browser.current_event() is not None
                    and browser.current_event().seq == 20, what="back to the oldest")  # type: ignore[union-attr]


@pytest.mark.timeout(30)
async def test_filter_by_kind_and_the_checks_tab(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    newest = (await _alpha_shifts(seeded_home))[0]
    await _add_events(seeded_home, newest, [
        ShiftEvent(newest, 14, NOW, EventKind.TOOL_RESULT, "error: no such file",
                   {"tool_use_id": "x", "is_error": True, "content": "no such file"}),
    ])
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        browser = await _browser(pilot, newest)
        await pilot.press("F")
        await until(pilot, lambda: browser.filter is LogFilter.ERRORS and browser.loaded
                    and all(e.seq in (9, 14) for e in browser.events) and browser.events,
                    what="the errors")
        assert [e.seq for e in browser.events] == [9, 14]  # the violation, the failed result
        await pilot.press("F")
        await until(pilot, lambda: browser.filter is LogFilter.TOOLS and browser.events
                    and {e.kind for e in browser.events}
                    == {EventKind.TOOL_USE, EventKind.TOOL_RESULT}, what="the tools")
        await pilot.press("o")
        screen = top(pilot)
        await until(pilot, lambda: "pytest -q" in str(screen.query_one("#log-checks").render()),
                    what="the checks")
        assert "FAILED" in str(screen.query_one("#log-checks").render())


@pytest.mark.timeout(30)
async def test_enter_and_slash_in_the_main_screens_live_log_drill_down(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await until(pilot, lambda: screen.query(ShiftPane)
                    and screen.query_one(ShiftPane).lines_written == 13, what="scrollback")
        pane = screen.query_one(ShiftPane)
        pane.log_widget.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), ShiftLogScreen)
                    and top(pilot).browser.loaded, what="the browser")  # type: ignore[attr-defined]
        log = top(pilot)
        assert isinstance(log, ShiftLogScreen) and log.shift_id == pane.shift.id
        assert log.browser.current_event() is not None
        assert log.browser.current_event().seq == 13  # type: ignore[union-attr]
        await pilot.press("escape")
        await pilot.press("slash")
        await until(pilot, lambda: isinstance(top(pilot), ShiftLogScreen), what="search")
        assert top(pilot).focused is not None and top(pilot).focused.id == "search"


async def test_search_escapes_like_wildcards(seeded_home: Home) -> None:
    newest = (await _alpha_shifts(seeded_home))[0]
    store = await Store.open(seeded_home.db_path)
    try:
        search = EventSearch(store.db)
        assert await search.matches(newest, "100%") == []
        assert await search.matches(newest, "%") == []
        assert await search.matches(newest, "PYTEST") == [11]
    finally:
        await store.close()
