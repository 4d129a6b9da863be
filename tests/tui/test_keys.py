"""Pilot tests of every key that needs only the store (seeded data, fixed clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.store import Store
from shifttui.tui.screens.detail import ProjectDetailScreen
from shifttui.tui.screens.handoff_view import HandoffScreen
from shifttui.tui.screens.help import HelpModal
from shifttui.tui.screens.modals import MarkdownModal
from shifttui.tui.screens.policy_form import PolicyFormModal
from shifttui.tui.screens.project_form import AddProjectModal
from shifttui.tui.screens.shift_log import ShiftLogScreen
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import main_screen, top, until


async def _project(home: Home, name: str):  # type: ignore[no-untyped-def]
    store = await Store.open(home.db_path)
    try:
        return await store.projects.get(name)
    finally:
        await store.close()


async def _select(pilot, screen, name: str) -> None:  # type: ignore[no-untyped-def]
    names = [r.project.name for r in screen.rows]
    screen.table.move_cursor(row=names.index(name))
    await pilot.pause()
    assert screen.current_project_id() == name


@pytest.mark.timeout(20)
async def test_table_lists_projects_with_schedule_failures_and_pause(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        table = screen.table
        rows = {r.project.name: r for r in screen.rows}
        assert list(rows) == ["alpha", "beta", "gamma"]
        alpha = [str(c) for c in table.get_row("alpha")]
        assert "next in 3h00m" in alpha[2]  # 09:00 UTC, cron 0 12 * * *
        # ended at 06:41, 2h19m before the fixed clock
        assert "completed (forced)" in alpha[4] and "$1.27" in alpha[4] and "2h ago" in alpha[4]
        beta = [str(c) for c in table.get_row("beta")]
        assert beta[5] == "2" and beta[6] == "yes"
        # gamma's shift is running (this process owns it): a pane with its scrollback
        assert rows["gamma"].running is not None
        await until(pilot, lambda: screen.query(ShiftPane)
                    and screen.query_one(ShiftPane).lines_written == 13, what="scrollback")


@pytest.mark.timeout(20)
async def test_enter_opens_detail_then_a_shift_log_and_its_handoff(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), ProjectDetailScreen)
                    and top(pilot).shifts, what="detail")  # type: ignore[attr-defined]
        detail = top(pilot)
        assert isinstance(detail, ProjectDetailScreen) and len(detail.shifts) == 3
        assert "Statement parsing migrated" in str(detail.query_one("#shift-note").render())
        await pilot.press("down")
        assert "without a handoff" in str(detail.query_one("#shift-note").render())
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), ShiftLogScreen)
                    and top(pilot).pane is not None  # type: ignore[attr-defined]
                    and top(pilot).pane.lines_written == 4, what="the log")  # type: ignore
        await pilot.press("h")
        md = top(pilot).query_one("#log-handoff")
        assert "No handoff" in md.source  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(top(pilot), ProjectDetailScreen | ShiftLogScreen)


@pytest.mark.timeout(20)
async def test_h_shows_the_latest_handoff_and_steps_through_history(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(top(pilot), HandoffScreen)
                    and top(pilot).handoffs, what="handoffs")  # type: ignore[attr-defined]
        viewer = top(pilot)
        assert isinstance(viewer, HandoffScreen)
        md = viewer.query_one("#handoff-md")
        assert "Statement parsing migrated" in md.source  # type: ignore[attr-defined]
        await pilot.press("left")
        assert "Tokenizer emits" in md.source  # type: ignore[attr-defined]
        await pilot.press("left")  # there is no older one: stays
        assert "Tokenizer emits" in md.source  # type: ignore[attr-defined]
        await pilot.press("right")
        assert "Statement parsing migrated" in md.source  # type: ignore[attr-defined]
        await pilot.press("escape")


@pytest.mark.timeout(20)
async def test_p_pauses_and_resumes_the_selected_project(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("p")
        await until(pilot, lambda: screen.rows[0].project.paused, what="alpha paused")
        assert (await _project(seeded_home, "alpha")).paused
        await pilot.press("p")
        await until(pilot, lambda: not screen.rows[0].project.paused, what="alpha resumed")
        assert not (await _project(seeded_home, "alpha")).paused


@pytest.mark.timeout(20)
async def test_n_adds_a_project_only_with_a_valid_name_and_directory(
    seeded_home: Home, fixed_clock: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / "delta"
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(top(pilot), AddProjectModal), what="the form")
        form = top(pilot)
        await pilot.press(*"alpha")
        assert "already exists" in str(form.query_one("#name-check").render())
        await pilot.press("ctrl+a", "ctrl+k", *"delta", "tab")
        await pilot.press(*str(target))
        assert "does not exist" in str(form.query_one("#path-check").render())
        await pilot.press("ctrl+s")
        assert isinstance(top(pilot), AddProjectModal), "saved with a missing directory"
        (tmp_path / "afile").write_text("x")
        form.query_one("#path").value = str(tmp_path / "afile")  # type: ignore[attr-defined]
        await pilot.pause()
        assert "is not a directory" in str(form.query_one("#path-check").render())
        target.mkdir()
        form.query_one("#path").value = str(target)  # type: ignore[attr-defined]
        await pilot.pause()
        assert "not a git repository" in str(form.query_one("#path-check").render())
        (target / ".git").mkdir()
        form.query_one("#path").value = str(target) + "/"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "git repository" in str(form.query_one("#path-check").render())
        assert screen.current_project_id() == "alpha"  # the row selected before `n`
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "delta" in [r.project.name for r in screen.rows],
                    what="the new row")
        # The toast says "press e to edit its policy": the new row is the selected one.
        await until(pilot, lambda: screen.current_project_id() == "delta", what="delta selected")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal), what="the form")
        assert top(pilot).project.name == "delta"  # type: ignore[attr-defined]
        await pilot.press("escape")
    assert (await _project(seeded_home, "delta")).path == str(target)


@pytest.mark.timeout(20)
async def test_e_saves_a_valid_policy_and_escape_discards(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        await _select(pilot, screen, "beta")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal), what="the form")
        form = top(pilot)
        form.query_one("#f-max-budget-usd").value = "7.5"  # type: ignore[attr-defined]
        form.query_one("#f-schedule").value = "30 8 * * 1-5"  # type: ignore[attr-defined]
        await pilot.pause()
        preview = str(form.query_one("#cron-preview").render())
        assert preview.startswith("next: Mon 23 Nov 08:30, Tue 24 Nov 08:30, Wed 25 Nov 08:30")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(top(pilot), PolicyFormModal), what="saved")
        await pilot.pause()
        policy = (await _project(seeded_home, "beta")).policy
        assert policy.max_budget_usd == 7.5 and policy.schedule == "30 8 * * 1-5"
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal), what="the form")
        top(pilot).query_one("#f-max-budget-usd").value = "9"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
    assert (await _project(seeded_home, "beta")).policy.max_budget_usd == 7.5


@pytest.mark.timeout(20)
async def test_help_and_context_preview_open_and_close(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("question_mark")
        assert isinstance(top(pilot), HelpModal)
        await pilot.press("escape")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(top(pilot), MarkdownModal), what="the context")
        modal = top(pilot)
        text = modal._markdown  # type: ignore[attr-defined]
        assert "alpha" in text and "Statement parsing migrated" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(top(pilot), MarkdownModal)


@pytest.mark.timeout(20)
async def test_actions_explain_what_is_missing_instead_of_failing(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("a")  # alpha has no running shift
        await pilot.press("y")  # no question waiting
        await pilot.press("r")  # alpha has no interrupted shift
        await until(pilot, lambda: len(app._notifications) >= 3, what="three messages")
        messages = " | ".join(n.message for n in app._notifications)
        assert "No shift is running on alpha" in messages
        assert "No question is waiting" in messages
        assert "alpha has no interrupted shift to resume" in messages
