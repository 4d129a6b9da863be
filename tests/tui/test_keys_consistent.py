"""One meaning per key, j/k in every list, a keymap from config.toml (applied live too), Esc on a
changed form asks, no error before the first key, ctrl+a selects all in the handoff editor."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import HandoffInput
from shifttui.tui.keys import bindings
from shifttui.tui.screens.handoff_editor import HandoffEditorModal
from shifttui.tui.screens.help import HelpModal
from shifttui.tui.screens.modals import ConfirmModal
from shifttui.tui.screens.policy_form import PolicyFormModal
from shifttui.tui.screens.project_form import AddProjectModal

from .conftest import make_app
from .live_support import main_screen, top, until


def test_next_and_previous_are_j_k_everywhere_n_p_keep_one_meaning() -> None:
    keys: dict[str, set[str]] = {}
    for owner, b in bindings():
        for key in b.key.split(","):
            keys.setdefault(key, set()).add(f"{owner}.{b.action}")
    assert keys["n"] <= {"MainScreen.new_project", "ProjectDetailScreen.new_project",
                         "ConfirmModal.answer(False)"}, keys["n"]
    assert keys["p"] <= {"MainScreen.toggle_pause", "ProjectDetailScreen.toggle_pause"}
    assert "NavTable.cursor_down" in keys["j"] and "InboxScreen.step(1)" in keys["j"]


@pytest.mark.timeout(30)
async def test_j_and_k_move_the_projects_table(seeded_home: Home, fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        assert screen.table.cursor_row == 0
        await pilot.press("j", "j")
        assert screen.table.cursor_row == 2
        await pilot.press("k")
        assert screen.table.cursor_row == 1


@pytest.mark.timeout(30)
async def test_esc_on_a_changed_policy_form_asks(seeded_home: Home,
                                                 fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        await main_screen(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal)
                    and top(pilot).focused is not None, what="the form")
        await pilot.press("escape")  # nothing changed: closes at once
        await until(pilot, lambda: not isinstance(top(pilot), PolicyFormModal), what="closed")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal)
                    and top(pilot).focused is not None, what="the form")
        form = top(pilot)
        await pilot.press("tab", "end", "1")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("n")  # keep editing
        await until(pilot, lambda: top(pilot) is form, what="back in the form")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(top(pilot), PolicyFormModal | ConfirmModal),
                    what="discarded")


@pytest.mark.timeout(30)
async def test_the_add_form_says_nothing_wrong_before_the_first_key(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(top(pilot), AddProjectModal)
                    and top(pilot).focused is not None, what="the form")
        form = top(pilot)
        assert "✗" not in str(form.query_one("#name-check").render())
        await pilot.press("ctrl+s")  # saving an empty form says why
        assert "empty" in str(form.query_one("#name-check").render())
        await pilot.press(*"x", "escape")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(top(pilot), AddProjectModal | ConfirmModal),
                    what="discarded")


@pytest.mark.timeout(30)
async def test_a_keymap_from_settings_and_from_an_edited_config(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock, settings=Settings(keymap={"help": "f1"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(top(pilot), HelpModal), "the keymap replaces the default key"
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(top(pilot), HelpModal), what="help on f1")
        await pilot.press("escape")
        seeded_home.config_path.write_text(
            'max_concurrent_shifts = 5\n[keymap]\nhelp = "f2"\nnosuch = "f3"\n')
        app._check_config()  # the interval's call, without waiting for it
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any("applied: keymap" in n and "restart shifttui to apply: max_concurrent_shifts"
                   in n for n in notes), notes
        assert any("nosuch" in n for n in notes), notes
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(top(pilot), HelpModal), what="help on f2")
        assert app.settings.max_concurrent_shifts == 2  # said, not half-applied


@pytest.mark.timeout(30)
async def test_ctrl_a_selects_all_in_the_handoff_editor(seeded_home: Home,
                                                        fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        await main_screen(pilot)
        await pilot.app.push_screen(HandoffEditorModal(HandoffInput(summary="two\nlines")))
        await until(pilot, lambda: isinstance(top(pilot), HandoffEditorModal)
                    and isinstance(top(pilot).focused, TextArea), what="the editor")
        area = top(pilot).focused
        assert isinstance(area, TextArea) and not isinstance(area, Input)
        await pilot.press("ctrl+a")
        assert area.selected_text == "two\nlines"


def test_every_id_the_help_names_exists() -> None:
    from shifttui.tui.keys import known_binding_ids
    from shifttui.tui.screens.help import HELP

    listed = HELP.split("The ids:", 1)[1].split("\n\n", 1)[0].replace("\n", " ")
    ids = {i.strip().rstrip(".") for i in listed.split(",")}
    ids = {i for i in ids if "…" not in i}
    assert ids and ids <= known_binding_ids(), ids - known_binding_ids()
