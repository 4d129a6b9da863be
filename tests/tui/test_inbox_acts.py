"""The inbox that acts, on a real work repository (isolated shifts of the fake CLI): the filter,
the diff screen, merge all that passed, discard, a refused merge, marking a project reviewed,
and rows that follow changes made by another process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from shifttui.base.config import Home
from shifttui.base.models import MergeState, Shift
from shifttui.store import Store
from shifttui.tui.screens.diff_view import DiffScreen
from shifttui.tui.screens.inbox import InboxScreen
from shifttui.tui.screens.modals import ConfirmModal

from .live_support import add_fake_project, live_app, main_screen, top, until


async def _shift(pilot: Pilot[Any], name: str, test_command: str = "true") -> Shift:
    svc = pilot.app.services  # type: ignore[attr-defined]
    project = await svc.store.projects.get("proj")
    env = {**project.policy.env, "SHIFTTUI_FAKE_FILE": name, "SHIFTTUI_FAKE_TEXT": f"{name}\n"}
    policy = project.policy.model_copy(update={"env": env, "test_command": test_command})
    await svc.store.projects.update_policy(project.id, policy, svc.clock.now())
    shift = await svc.supervisor.start_shift("proj")
    ended: Shift = await asyncio.wait_for(svc.supervisor.wait(shift.id), 30)
    return ended


def _notes(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


def _title(screen: InboxScreen) -> str:
    return str(screen.query_one("#inbox-title", Label).render())


def _row(screen: InboxScreen, shift_id: str) -> list[str]:
    return [str(c) for c in screen.table.get_row(shift_id)]


async def _select(pilot: Pilot[Any], screen: InboxScreen, shift_id: str) -> None:
    row = [i.shift.id for i in screen.items].index(shift_id)
    screen.table.move_cursor(row=row, animate=False)
    await until(pilot, lambda: screen.current_shift_id() == shift_id, what="the selection")


async def _answer(pilot: Pilot[Any], key: str, yes: bool) -> ConfirmModal:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what=f"{key} asks first")
    modal = top(pilot)
    assert isinstance(modal, ConfirmModal)
    await pilot.press("y" if yes else "n")
    await until(pilot, lambda: not isinstance(top(pilot), ConfirmModal), what="the answer")
    return modal


@pytest.mark.timeout(120)
async def test_the_inbox_merges_discards_filters_and_follows_other_processes(
    home: Home, fake_cli: Path, tmp_path: Path
) -> None:
    project = await add_fake_project(home, tmp_path, "proj", "edit", max_budget_usd=100)
    repo = Path(project.path)
    async with live_app(home, fake_cli).run_test(size=(120, 40)) as pilot:
        pilot.app.animation_level = "none"
        await main_screen(pilot)
        s1, s2 = await _shift(pilot, "f1.txt"), await _shift(pilot, "f2.txt")
        s3 = await _shift(pilot, "f3.txt", test_command="false")
        assert s3.checks_passed is False and s1.merge_state is MergeState.UNMERGED
        await pilot.press("i")
        await until(pilot, lambda: isinstance(top(pilot), InboxScreen)
                    and len(top(pilot).items) == 3, what="the inbox")  # type: ignore[attr-defined]
        screen = top(pilot)
        assert isinstance(screen, InboxScreen)
        assert [i.shift.id for i in screen.items] == [s3.id, s2.id, s1.id]
        assert _row(screen, s3.id)[3:5] == ["FAIL", "unmerged"]
        assert _row(screen, s1.id)[3:5] == ["pass", "unmerged"]

        # F: all → failed → red checks → unmerged → all.
        await pilot.press("F")
        assert [i.shift.id for i in screen.items] == [s3.id] and "showing failed" in _title(screen)
        await pilot.press("F")
        assert [i.shift.id for i in screen.items] == [s3.id]
        assert "showing red checks (1)" in _title(screen)
        await pilot.press("F")
        assert len(screen.items) == 3 and "showing unmerged (3)" in _title(screen)
        await pilot.press("F")
        assert len(screen.items) == 3 and "showing" not in _title(screen)

        # d: the shift's own range, its one file, by file and by hunk.
        await _select(pilot, screen, s2.id)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(top(pilot), DiffScreen), what="the diff screen")
        diff = top(pilot)
        assert isinstance(diff, DiffScreen)
        assert [f.path for f in diff.diff.files] == ["f2.txt"]
        assert "+f2.txt" in diff.diff.lines and len(diff.diff.hunks) == 1
        await pilot.press("escape")
        await until(pilot, lambda: top(pilot) is screen, what="back in the inbox")

        # M on a project whose newest shift failed: the two that passed, asked first.
        modal = await _answer(pilot, "M", yes=False)
        assert s1.id in str(modal._message) and s3.id in str(modal._message)
        assert not (repo / "f1.txt").exists()
        await _answer(pilot, "M", yes=True)
        await until(pilot, lambda: _row(screen, s1.id)[4] == "merged"
                    and _row(screen, s2.id)[4] == "merged", what="merged rows")
        assert (repo / "f1.txt").read_text() == "f1.txt\n" and (repo / "f2.txt").exists()
        assert not (repo / "f3.txt").exists() and _row(screen, s3.id)[4] == "unmerged"
        assert any("merged 2 shifts of proj into main" in n for n in _notes(pilot))

        # x on the red one: n keeps it, y discards it.
        await _select(pilot, screen, s3.id)
        await _answer(pilot, "x", yes=False)
        assert _row(screen, s3.id)[4] == "unmerged"
        await _answer(pilot, "x", yes=True)
        await until(pilot, lambda: _row(screen, s3.id)[4] == "discarded", what="discarded")

        # m on a shift that would overwrite the user's untracked file: one sentence, nothing
        # changed. The shift's end reaches the open inbox by itself.
        (repo / "f4.txt").write_text("mine\n")
        s4 = await _shift(pilot, "f4.txt")
        await until(pilot, lambda: len(screen.items) == 4, what="the new shift in the inbox")
        await _select(pilot, screen, s4.id)
        await _answer(pilot, "m", yes=True)
        await until(pilot, lambda: any("uncommitted" in n for n in _notes(pilot)),
                    what="the refusal")
        refusal = next(n for n in _notes(pilot) if "uncommitted" in n)
        assert "f4.txt" in refusal and "\n" not in refusal and "Traceback" not in refusal
        assert (repo / "f4.txt").read_text() == "mine\n"
        assert _row(screen, s4.id)[4] == "unmerged"

        # Another process marks s1 reviewed: the row goes without a key press.
        other = await Store.open(home.db_path)
        try:
            await other.shifts.mark_reviewed(s1.id, pilot.app.services.clock.now())  # type: ignore[attr-defined]
        finally:
            await other.close()
        await until(pilot, lambda: s1.id not in [i.shift.id for i in screen.items],
                    within=10, what="the other process's review")

        # R: every shift of the project leaves the inbox, asked first.
        await _answer(pilot, "R", yes=True)
        await until(pilot, lambda: screen.items == [], what="the project reviewed")
        assert "Nothing to review" in screen.query_one("#inbox-md").source  # type: ignore[attr-defined]
