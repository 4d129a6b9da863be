"""The live paths against the real supervisor and the project's fake agent CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from timing import wall

from shifttui.base.config import Home
from shifttui.base.models import Author, ShiftStatus
from shifttui.store import Store
from shifttui.system.procs import pid_alive
from shifttui.system.seams import dependency_version
from shifttui.tui.format import money, tokens
from shifttui.tui.screens.handoff_editor import HandoffEditorModal
from shifttui.tui.screens.modals import (
    ConfirmModal,
    CountdownModal,
    TextPromptModal,
    WaitModal,
)
from shifttui.tui.widgets.gauges import Gauges
from shifttui.tui.widgets.shift_pane import ShiftPane

from .live_support import add_fake_project, live_app, main_screen, top, until


async def _final(home: Home, shift_id: str):  # type: ignore[no-untyped-def]
    store = await Store.open(home.db_path)
    try:
        return await store.shifts.get(shift_id), await store.handoffs.for_shift(shift_id)
    finally:
        await store.close()


@pytest.mark.timeout(40)
async def test_start_streams_into_a_pane_then_abandon_asks_a_reason(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "slowpoke", "slow",
                           env={"SHIFTTUI_FAKE_DELAY": "0.1"}, max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.lines_written >= 5, what="streamed lines")
        assert any("Still working… step" in strip.text for strip in pane.log_widget.lines)
        # The gauges show the shift's live figures (the fake bills 1,500 tokens in a message).
        await until(pilot, lambda: pane.stats.tokens_in >= 3000 and pane.stats.cost_usd > 0,
                    what="the live figures")
        gauges = str(pane.query_one(Gauges).render())
        assert f"{tokens(pane.stats.tokens_in)} in" in gauges, gauges
        assert f"{money(pane.stats.cost_usd)}/{money(100)}" in gauges, gauges
        await pilot.press("a")
        await until(pilot, lambda: isinstance(top(pilot), TextPromptModal), what="reason modal")
        await pilot.press("enter")  # blank reason is refused, the modal stays
        await pilot.pause()
        assert isinstance(top(pilot), TextPromptModal)
        await pilot.press(*"tests are flaky")
        await pilot.press("enter")
        await until(pilot, lambda: pane.ended_note is not None, what="the pane to end")
        assert "abandoned" in pane.ended_note
        shift_id = pane.shift.id
        agent_pid = pane.shift.agent_pid
        await pilot.press("x")  # an ended pane can be closed; the placeholder comes back
        await until(pilot, lambda: not screen.query(ShiftPane), what="the pane to close")
        assert screen.query("#empty-live")
    shift, _ = await _final(home, shift_id)
    assert shift.status is ShiftStatus.ABANDONED
    assert shift.error == "tests are flaky"
    assert not pid_alive(agent_pid or shift.agent_pid)


@pytest.mark.timeout(40)
async def test_force_complete_asks_first_counts_down_and_stop_now_skips_the_grace(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "stubborn", "slow_stubborn", wrap_up_seconds=600,
                           env={"SHIFTTUI_FAKE_DELAY": "0.1"}, max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.lines_written >= 2, what="streamed lines")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("n")  # declined: nothing happens to the shift
        await pilot.pause()
        assert pane.ended_note is None and not isinstance(top(pilot), ConfirmModal)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(top(pilot), CountdownModal)
                    and bool(top(pilot).query("#countdown")), what="the countdown")
        countdown = str(top(pilot).query_one("#countdown").render())
        assert countdown.startswith(("10m00s left", "9m5")), countdown
        await pilot.press("enter")  # Stop now: the 10 minutes are not waited
        await until(pilot, lambda: isinstance(top(pilot), HandoffEditorModal)
                    and bool(top(pilot).query("#f-summary")), within=15,
                    what="the handoff editor")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pane.ended_note is not None, what="the pane to end")
        shift_id = pane.shift.id
    shift, handoff = await _final(home, shift_id)
    assert shift.status is ShiftStatus.COMPLETED and shift.forced
    assert handoff is not None and handoff.author is Author.OPERATOR


@pytest.mark.timeout(40)
async def test_force_complete_waits_then_edits_the_auto_draft(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "stubborn", "slow_stubborn", wrap_up_seconds=1,
                           env={"SHIFTTUI_FAKE_DELAY": "0.1"}, max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.lines_written >= 2, what="streamed lines")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(top(pilot), WaitModal | HandoffEditorModal),
                    what="the wrap-up wait")
        # Pushed is not yet composed: wait for its fields as well.
        await until(pilot, lambda: isinstance(top(pilot), HandoffEditorModal)
                    and bool(top(pilot).query("#f-summary")), within=20,
                    what="the handoff editor")
        editor = top(pilot)
        assert isinstance(editor, HandoffEditorModal)
        assert editor.draft.summary  # prefilled with the auto-draft
        summary = editor.query_one("#f-summary")
        summary.text = ""  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(top(pilot), HandoffEditorModal), "an empty summary must not be saved"
        summary.text = "Stopped by the operator; see the log."  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pane.ended_note is not None, what="the pane to end")
        shift_id = pane.shift.id
    shift, handoff = await _final(home, shift_id)
    assert shift.status is ShiftStatus.COMPLETED and shift.forced
    assert handoff is not None and handoff.author is Author.OPERATOR
    assert handoff.summary == "Stopped by the operator; see the log."


@pytest.mark.timeout(40)
async def test_question_badge_and_answer_reach_the_agent(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "asker", "ask", env={"SHIFTTUI_FAKE_DELAY": "0.1"},
                           max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.questions, what="the question badge")
        title = str(screen.query_one("#title-bar").render())
        assert "question" in title
        await pilot.press("y")
        await until(pilot, lambda: isinstance(top(pilot), TextPromptModal), what="answer modal")
        await pilot.press(*"yes please")
        await pilot.press("enter")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.ended_note is not None, what="the shift to end")
        assert not screen.questions
        shift_id = pane.shift.id
    shift, handoff = await _final(home, shift_id)
    assert shift.status is ShiftStatus.COMPLETED
    assert handoff is not None and "yes please" in " ".join(handoff.decisions)


@pytest.mark.timeout(40)
async def test_quit_with_a_running_shift_confirms_then_interrupts_it(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "longrun", "slow", env={"SHIFTTUI_FAKE_DELAY": "0.1"},
                           max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.lines_written >= 2, what="streamed lines")
        shift_id = pane.shift.id
        await pilot.press("q")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="quit confirm")
        await pilot.press("n")  # staying keeps the shift running
        await pilot.pause()
        assert app.is_running and app.services.supervisor.running_ids() == [shift_id]
        await pilot.press("q")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="quit confirm")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, within=20, what="the app to exit")
    shift, _ = await _final(home, shift_id)
    assert shift.status is ShiftStatus.INTERRUPTED
    assert shift.agent_pid is not None
    assert not pid_alive(shift.agent_pid), "the fake agent outlived the app"


@pytest.mark.timeout(60)
async def test_r_resumes_the_interrupted_shift_after_a_restart(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    await add_fake_project(home, tmp_path, "resumable", "slow",
                           env={"SHIFTTUI_FAKE_DELAY": "0.1"}, max_budget_usd=100)
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        await until(pilot, lambda: pane.lines_written >= 2, what="streamed lines")
        first = pane.shift.id
        await pilot.press("q", "y")
        await until(pilot, lambda: not app.is_running, within=20, what="the app to exit")
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        assert not screen.query(ShiftPane)
        await pilot.press("r")
        await until(pilot, lambda: screen.query(ShiftPane), what="the resumed shift's pane")
        resumed = screen.query_one(ShiftPane).shift
        await pilot.press("q", "y")
        await until(pilot, lambda: not app.is_running, within=20, what="the app to exit")
    shift, _ = await _final(home, resumed.id)
    assert shift.parent_shift_id == first
    assert shift.trigger.value == "resume"


async def _flood_into_a_pane(home: Home, fake_cli: Path, tmp_path: Path, count: int,
                             lags: list[float] | None = None) -> tuple[ShiftPane, list[str]]:
    """Start a flooding shift in the app and wait for its end; the pane and its log's text.
    `lags` gets the event loop's lateness every 50 ms (a key press waits that long)."""
    from shifttui.tui.screens.help import HelpModal

    await add_fake_project(home, tmp_path, "flood", "flood", max_budget_usd=1000,
                           env={"SHIFTTUI_FAKE_COUNT": str(count)})
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        loop = asyncio.get_running_loop()

        def probe(expected: float) -> None:
            if lags is not None:
                lags.append(loop.time() - expected)
            if pane.ended_note is None:
                loop.call_later(0.05, probe, loop.time() + 0.05)

        probe(loop.time())
        await until(pilot, lambda: pane.lines_written >= 500, within=30, what="the flood")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(top(pilot), HelpModal), within=2, what="help")
        await pilot.press("escape")
        await until(pilot, lambda: pane.ended_note is not None, within=40, what="the end")
        # The pane writes what is left at its next flush: wait for it, not for a fixed time.
        await until(pilot, lambda: pane.lines_written >= count, within=5, what="the last flush")
        text = [strip.text for strip in pane.log_widget.lines]
    return pane, text


def _blocks_not_shown(text: list[str]) -> int:
    return sum("not shown here" in line for line in text)


@pytest.mark.wallclock
@pytest.mark.timeout(60)
async def test_a_flood_of_messages_is_batched_capped_and_keeps_keys_responsive(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    from shifttui.tui.widgets.log_seam import RICHLOG_CACHE
    from shifttui.tui.widgets.shift_pane import MAX_LINES

    count, uses = 8000, RICHLOG_CACHE.uses
    lags: list[float] = []
    pane, text = await _flood_into_a_pane(home, fake_cli, tmp_path, count, lags)
    # Generous: the machine running the tests is shared; a line-by-line log takes seconds.
    assert max(lags) < wall(1.0), f"the event loop stalled for {max(lags):.2f} s"
    assert pane.lines_written >= count
    assert len(text) <= MAX_LINES
    # Each burst replaced the one before it in the log (RichLog's cache, through log_seam.py).
    assert RICHLOG_CACHE.active is True and RICHLOG_CACHE.uses > uses
    assert _blocks_not_shown(text) == 1


@pytest.mark.timeout(60)
async def test_a_flood_still_shows_when_richlogs_cache_has_moved(
    home: Home, fake_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Textual that renamed RichLog's cache: the bursts are appended, and the patch says so."""
    from shifttui.tui.widgets import log_seam

    monkeypatch.setattr(log_seam, "LINE_CACHE", "_line_cache_renamed")
    count, uses = 8000, log_seam.RICHLOG_CACHE.uses
    pane, text = await _flood_into_a_pane(home, fake_cli, tmp_path, count)
    assert pane.lines_written >= count and "completed" in (pane.ended_note or "")
    patch = log_seam.RICHLOG_CACHE
    assert patch.active is False and patch.uses == uses
    assert patch.reason == f"textual {dependency_version('textual')}: RichLog has no " \
        f"_line_cache_renamed; {patch.fallback}"
    assert _blocks_not_shown(text) > 1
