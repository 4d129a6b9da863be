"""The review inbox: Pilot tests of its keys on seeded data, and SVG snapshots at three sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Markdown

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.store import Store
from shifttui.tui.commands import ShiftCommands
from shifttui.tui.screens import main as main_module
from shifttui.tui.screens.diff_view import DiffScreen
from shifttui.tui.screens.inbox import InboxScreen, RateModal
from shifttui.tui.screens.main import MainScreen
from shifttui.tui.screens.shift_log import ShiftLogScreen
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import add_fake_project, live_app, main_screen, top, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40"),
         pytest.param((200, 60), id="200x60")]


async def _open_inbox(pilot: Pilot[Any]) -> InboxScreen:
    pilot.app.animation_level = "none"
    await main_screen(pilot)
    await pilot.press("i")
    await until(pilot, lambda: isinstance(top(pilot), InboxScreen)
                and bool(top(pilot).items), what="the inbox")  # type: ignore[attr-defined]
    screen = top(pilot)
    assert isinstance(screen, InboxScreen)
    await until(pilot, lambda: screen.current_shift_id() in screen.stats, what="the diff stat")
    return screen


def _title(screen: InboxScreen) -> str:
    return str(screen.query_one("#inbox-title", Label).render())


def _detail(screen: InboxScreen) -> str:
    return screen.query_one("#inbox-md", Markdown).source


async def _stored(home: Home):  # type: ignore[no-untyped-def]
    store = await Store.open(home.db_path)
    try:
        shifts = await store.shifts.list(limit=100)
        feedback = {s.id: await store.feedback.for_shift(s.id) for s in shifts}
        return {s.id: s for s in shifts}, feedback
    finally:
        await store.close()


@pytest.mark.timeout(30)
async def test_inbox_lists_ended_unreviewed_shifts_newest_first(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await _open_inbox(pilot)
        shifts, _ = await _stored(seeded_home)
        ended = sorted((s for s in shifts.values() if s.status.value != "running"),
                       key=lambda s: s.ended_at or s.started_at, reverse=True)
        assert [i.shift.id for i in screen.items] == [s.id for s in ended]
        assert [i.project.name for i in screen.items] == [
            "gamma", "alpha", "alpha", "beta", "alpha", "beta"]
        assert "6 unreviewed · 1 of 6" in _title(screen)
        # The newest: gamma's interrupted shift, no handoff; its repository is clean.
        detail = _detail(screen)
        assert "gamma · ⏸ interrupted" in detail and "No handoff" in detail
        assert "**Changes:** no changes" in detail

        await pilot.press("j")
        await until(pilot, lambda: "2 of 6" in _title(screen), what="next")
        detail = _detail(screen)
        assert "alpha · ✔ completed (forced)" in detail
        assert "Statement parsing migrated" in detail and "*Handoff by operator*" in detail
        assert "**Tests:** `pytest -q` FAILED (exit 1)" in detail
        await pilot.press("j", "j")
        await until(pilot, lambda: "4 of 6" in _title(screen), what="next twice")
        assert "**Failure:** auth: authentication failed" in _detail(screen)
        await until(pilot, lambda: "**Changes:** not a git repository" in _detail(screen),
                    what="beta's stat (not a repository)")
        await pilot.press("k")
        await until(pilot, lambda: "3 of 6" in _title(screen), what="previous")
        assert "no_handoff" in _detail(screen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(top(pilot), MainScreen), what="back")


@pytest.mark.timeout(30)
async def test_rate_with_a_note_and_mark_reviewed(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await _open_inbox(pilot)
        first, second, third = (i.shift.id for i in screen.items[:3])

        # Esc in the rating dialog stores nothing.
        await pilot.press("2")
        await until(pilot, lambda: isinstance(top(pilot), RateModal), what="rate dialog")
        await pilot.press("escape")
        await until(pilot, lambda: top(pilot) is screen, what="back to the inbox")
        assert screen.current_shift_id() == first

        await pilot.press("4")
        await until(pilot, lambda: isinstance(top(pilot), RateModal), what="rate dialog")
        modal = top(pilot)
        assert isinstance(modal, RateModal) and modal.rating == 4
        await pilot.press(*"always run the tests", "enter")
        await until(pilot, lambda: top(pilot) is screen and len(screen.items) == 5,
                    what="the rated shift leaves the inbox")
        assert screen.current_shift_id() == second
        assert "5 unreviewed · 1 of 5" in _title(screen)

        await pilot.press("space")
        await until(pilot, lambda: len(screen.items) == 4, what="marked reviewed")
        assert screen.current_shift_id() == third
        assert "4 unreviewed" in _title(screen)

        shifts, feedback = await _stored(seeded_home)
        assert [(f.rating, f.note) for f in feedback[first]] == [(4, "always run the tests")]
        assert feedback[second] == []
        assert shifts[first].reviewed_at == fixed_clock.now()
        assert shifts[second].reviewed_at == fixed_clock.now()
        assert shifts[third].reviewed_at is None

        # The last one reviewed leaves the selection on the one before it.
        await pilot.press("j", "j", "j")
        await until(pilot, lambda: "4 of 4" in _title(screen), what="the last")
        before_last = screen.items[-2].shift.id
        await pilot.press("5")
        await until(pilot, lambda: isinstance(top(pilot), RateModal), what="rate dialog")
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.items) == 3, what="rated without a note")
        assert screen.current_shift_id() == before_last
        await pilot.press("j")  # past the end: a notice, no move
        await pilot.pause()
        assert screen.current_shift_id() == before_last


@pytest.mark.timeout(30)
async def test_open_log_and_diff(seeded_home: Home, fixed_clock: FakeClock,
                                 tmp_path: Path) -> None:
    # alpha's newest shift has no successor: its changes run to the working tree.
    readme = tmp_path / "projects" / "alpha" / "README.md"
    readme.write_text("# sample\nedited by the agent\n")
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await _open_inbox(pilot)
        await pilot.press("j")
        await until(pilot, lambda: screen.current_shift_id() in screen.stats
                    and "2 of 6" in _title(screen), what="alpha's stat")
        alpha = screen.current_shift_id()
        assert "**Changes:** 1 file, +1 -0" in _detail(screen)
        assert "README.md | +1 -0" in _detail(screen)

        await pilot.press("d")
        await until(pilot, lambda: isinstance(top(pilot), DiffScreen), what="the diff")
        diff = top(pilot)
        assert isinstance(diff, DiffScreen)
        assert diff.diff.lines[0] == f"# alpha, shift {alpha}: HEAD → the working tree"
        assert "+edited by the agent" in diff.diff.lines
        assert [f.path for f in diff.diff.files] == ["README.md"]
        await pilot.press("pagedown", "escape")
        await until(pilot, lambda: top(pilot) is screen, what="diff closed")

        await pilot.press("l")
        await until(pilot, lambda: isinstance(top(pilot), ShiftLogScreen), what="the log")
        log = top(pilot)
        assert isinstance(log, ShiftLogScreen) and log.shift_id == alpha
        await until(pilot, lambda: log.pane is not None and log.pane.lines_written == 13,
                    what="the log's scrollback")
        await pilot.press("escape")
        await until(pilot, lambda: top(pilot) is screen, what="log closed")
        assert screen.current_shift_id() == alpha


@pytest.mark.timeout(30)
async def test_inbox_from_the_palette(seeded_home: Home, fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        hits = [h async for h in ShiftCommands(screen).search("inbox")]
        assert [str(h.text) for h in hits] == ["Inbox"]
        await hits[0].command()
        await until(pilot, lambda: isinstance(top(pilot), InboxScreen), what="the inbox")
        await pilot.press("i")  # already open: not a second copy
        await pilot.pause()
        assert sum(isinstance(s, InboxScreen) for s in pilot.app.screen_stack) == 1


async def _snapshot_steps(pilot: Pilot[Any]) -> None:
    screen = await _open_inbox(pilot)
    await pilot.press("j")
    await until(pilot, lambda: "2 of 6" in _title(screen)
                and screen.current_shift_id() in screen.stats, what="second item")
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()
    await pilot.pause()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("size", SIZES)
def test_inbox_snapshot(size: tuple[int, int], snap_compare: Any, snapshot_home: Home,
                        fixed_clock: FakeClock) -> None:
    app = make_app(snapshot_home, fixed_clock)
    assert snap_compare(app, terminal_size=size, run_before=_snapshot_steps)


def _header(screen: MainScreen) -> str:
    return str(screen.query_one("#title-bar", Label).render())


@pytest.mark.timeout(30)
async def test_header_count_follows_reviews_in_the_inbox(
    seeded_home: Home, fixed_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The periodic reread must not be what updates the count here.
    monkeypatch.setattr(main_module, "REFRESH_S", 3600.0)
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        main = await main_screen(pilot)
        shifts, _ = await _stored(seeded_home)
        ended = sum(1 for s in shifts.values() if s.status.value != "running")
        await until(pilot, lambda: f"· {ended} unreviewed" in _header(main),
                    what="the count in the header")
        screen = await _open_inbox(pilot)
        await pilot.press("4")
        await until(pilot, lambda: isinstance(top(pilot), RateModal), what="rate dialog")
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.items) == ended - 1, what="rated")
        await pilot.press("space")
        await until(pilot, lambda: len(screen.items) == ended - 2, what="marked reviewed")
        await pilot.press("escape")
        await until(pilot, lambda: top(pilot) is main, what="back on the main screen")
        await until(pilot, lambda: f"· {ended - 2} unreviewed" in _header(main),
                    what="the header's count after two reviews")


@pytest.mark.timeout(40)
async def test_header_count_grows_when_a_shift_ends(
    home: Home, fake_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "REFRESH_S", 3600.0)
    await add_fake_project(home, tmp_path, "quick", "normal", max_budget_usd=100)
    async with live_app(home, fake_cli).run_test(size=(120, 40)) as pilot:
        main = await main_screen(pilot)
        await until(pilot, lambda: "· 0 unreviewed" in _header(main), what="no count yet")
        await pilot.press("s")
        await until(pilot, lambda: main.query(ShiftPane)
                    and main.query_one(ShiftPane).ended_note is not None,
                    within=30, what="the shift to end")
        await until(pilot, lambda: "· 1 unreviewed" in _header(main),
                    what="the ended shift counted")
