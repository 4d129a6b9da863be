"""The live paths against the real supervisor and the project's fake agent CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from shifttui.base.config import Home
from shifttui.base.models import Author, ShiftStatus
from shifttui.store import Store
from shifttui.system.procs import pid_alive
from shifttui.tui.screens.handoff_editor import HandoffEditorModal
from shifttui.tui.screens.modals import ConfirmModal, TextPromptModal, WaitModal
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
        assert pane.stats.num_turns >= 1 or pane.stats.tokens_in > 0 or pane.lines_written
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


@pytest.mark.timeout(60)
async def test_a_flood_of_messages_is_batched_capped_and_keeps_keys_responsive(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    from shifttui.tui.screens.help import HelpModal
    from shifttui.tui.widgets.shift_pane import MAX_LINES

    count = 8000
    await add_fake_project(home, tmp_path, "flood", "flood", max_budget_usd=1000,
                           env={"SHIFTTUI_FAKE_COUNT": str(count)})
    app = live_app(home, fake_cli)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("s")
        await until(pilot, lambda: screen.query(ShiftPane), what="a live pane")
        pane = screen.query_one(ShiftPane)
        loop = asyncio.get_running_loop()
        lags: list[float] = []

        def probe(expected: float) -> None:
            # The event loop's lateness is what a key press waits for before it is handled.
            lags.append(loop.time() - expected)
            if pane.ended_note is None:
                loop.call_later(0.05, probe, loop.time() + 0.05)

        probe(loop.time())
        await until(pilot, lambda: pane.lines_written >= 500, within=30, what="the flood")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(top(pilot), HelpModal), within=2, what="help")
        await pilot.press("escape")
        await until(pilot, lambda: pane.ended_note is not None, within=40, what="the end")
        await pilot.pause(0.2)
        # Generous: the machine running the tests is shared; a line-by-line log takes seconds.
        assert max(lags) < 1.0, f"the event loop stalled for {max(lags):.2f} s"
        assert pane.lines_written >= count
        assert len(pane.log_widget.lines) <= MAX_LINES
