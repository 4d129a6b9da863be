"""SVG snapshots of every screen and modal at 80x24, 120x40 and 200x60 (fixed data, clock and
zone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import HandoffInput
from shifttui.tui.screens.detail import ProjectDetailScreen
from shifttui.tui.screens.event_view import EventModal
from shifttui.tui.screens.handoff_editor import HandoffEditorModal
from shifttui.tui.screens.handoff_view import HandoffScreen
from shifttui.tui.screens.modals import ConfirmModal, MarkdownModal, TextPromptModal, WaitModal
from shifttui.tui.screens.policy_form import PolicyFormModal
from shifttui.tui.screens.project_form import AddProjectModal
from shifttui.tui.screens.shift_log import ShiftLogScreen
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import main_screen, top, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40"),
         pytest.param((200, 60), id="200x60")]
Step = Callable[[Pilot[Any]], Awaitable[None]]


async def _steady(pilot: Pilot[Any]) -> None:
    """No blinking cursors, no animation, nothing left to load."""
    pilot.app.animation_level = "none"
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause()
    await pilot.pause()


def _before(*steps: Step) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        pilot.app.animation_level = "none"
        screen = await main_screen(pilot)
        await until(pilot, lambda: screen.query(ShiftPane)
                    and screen.query_one(ShiftPane).lines_written == 13, what="scrollback")
        for step in steps:
            await step(pilot)
        await _steady(pilot)

    return run


def _press(*keys: str) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return run


def _wait_for(kind: type, check: Callable[[Any], object] = lambda s: True) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(top(pilot), kind) and check(top(pilot)),
                    what=kind.__name__)
        await pilot.pause()

    return run


def _push(make: Callable[[], Any]) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(make())
        await pilot.pause()

    return run


def _select(name: str) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        screen = await main_screen(pilot)
        screen.table.move_cursor(row=[r.project.name for r in screen.rows].index(name))
        await pilot.pause()

    return run


DRAFT = HandoffInput(
    summary="Auto-drafted from the transcript: tokenizer edited, tests run (14 passed).",
    completed=["Edit src/tokenizer.py"], in_progress=["statement parsing"],
    next_steps=["re-run the full test suite"],
)

CASES: dict[str, Step] = {
    "main": _before(),
    "detail": _before(_press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts)),
    "shift_log": _before(
        _press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts), _press("enter"),
        _wait_for(ShiftLogScreen, lambda s: s.pane is not None and s.pane.lines_written == 13),
    ),
    "shift_log_handoff": _before(
        _press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts), _press("enter"),
        _wait_for(ShiftLogScreen, lambda s: s.pane is not None and s.pane.lines_written == 13),
        _press("h"),
    ),
    "shift_events": _before(
        _press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts), _press("enter"),
        _wait_for(ShiftLogScreen, lambda s: s.pane is not None and s.pane.lines_written == 13),
        _press("v"), _wait_for(ShiftLogScreen, lambda s: s.browser.loaded),
        _press("slash", *"tokenizer", "enter"),
        _wait_for(ShiftLogScreen, lambda s: s.browser.match_index >= 0),
    ),
    "shift_event_open": _before(
        _press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts), _press("enter"),
        _wait_for(ShiftLogScreen, lambda s: s.pane is not None and s.pane.lines_written == 13),
        _press("v"), _wait_for(ShiftLogScreen, lambda s: s.browser.loaded),
        _press("up", "up", "enter"), _wait_for(EventModal, lambda s: s.partner_loaded),
    ),
    "shift_checks": _before(
        _press("enter"), _wait_for(ProjectDetailScreen, lambda s: s.shifts), _press("enter"),
        _wait_for(ShiftLogScreen, lambda s: s.pane is not None and s.pane.lines_written == 13),
        _press("o"),
    ),
    "handoff": _before(_press("h"), _wait_for(HandoffScreen, lambda s: s.handoffs)),
    "add_project": _before(_press("n"), _wait_for(AddProjectModal), _press(*"my app")),
    "policy_form_error": _before(
        _press("e"), _wait_for(PolicyFormModal), _press("tab", "end", *" *"),
    ),
    "abandon": _before(_select("gamma"), _press("a"), _wait_for(TextPromptModal)),
    "force_complete_wait": _before(_push(lambda: WaitModal(
        "Wrapping up gamma", "Asked the agent to call complete_shift now; waiting up to 120 s."
    ))),
    "handoff_editor": _before(_push(lambda: HandoffEditorModal(
        DRAFT, title="Handoff for gamma (forced)"))),
    "question": _before(_push(lambda: TextPromptModal(
        "Question from the agent on gamma", "Should I also update the changelog?",
        placeholder="your answer", submit="Send"))),
    "quit_confirm": _before(_push(lambda: ConfirmModal(
        "Quit shifttui?", "1 shift(s) running. They will be stopped now as interrupted; "
        "resume them later with r.", yes="Stop and quit", no="Stay"))),
    "help": _before(_press("question_mark"), _wait_for(MarkdownModal)),
    "context": _before(_press("c"), _wait_for(MarkdownModal)),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(case: str, size: tuple[int, int], snap_compare: Any, snapshot_home: Home,
                  fixed_clock: FakeClock) -> None:
    app = make_app(snapshot_home, fixed_clock)
    assert snap_compare(app, terminal_size=size, run_before=CASES[case])
