"""Tasks in the app: the project detail lists open tasks, `T` adds one through a form that
explains a bad field inline, and the palette marks one done or drops it."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Label, Static

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.tasks import TaskInput, TaskStatus
from shifttui.store import Store
from shifttui.tui.screens.detail import ProjectDetailScreen
from shifttui.tui.screens.task_form import TaskFormModal

from .conftest import make_app
from .live_support import main_screen, top, until
from .seed import NOW


async def _open_detail(pilot: Any) -> ProjectDetailScreen:
    await main_screen(pilot)
    await pilot.app.push_screen(ProjectDetailScreen("alpha"))
    await until(pilot, lambda: isinstance(top(pilot), ProjectDetailScreen)
                and top(pilot).entries, what="detail")  # type: ignore[attr-defined]
    screen = top(pilot)
    assert isinstance(screen, ProjectDetailScreen)
    return screen


async def test_T_adds_a_task_and_the_detail_lists_it(seeded_home: Home,
                                                     fixed_clock: FakeClock) -> None:
    async with Store(await _db(seeded_home)) as store:
        await store.tasks.add("alpha", TaskInput(title="Older task"), NOW)
    app = make_app(seeded_home, fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await _open_detail(pilot)
        tasks = detail.query_one("#tasks", Static)
        assert tasks.display and "#1 Older task" in str(tasks.render())

        await pilot.press("T")
        await until(pilot, lambda: isinstance(top(pilot), TaskFormModal), what="task form")
        form = top(pilot)
        form.query_one("#f-priority", Input).value = "urgent"
        await pilot.press("ctrl+s")  # no title, a bad priority: both explained, nothing saved
        assert isinstance(top(pilot), TaskFormModal)
        assert "at least 1 character" in str(form.query_one("#e-title", Label).render())
        assert "integer" in str(form.query_one("#e-priority", Label).render())
        form.query_one("#f-title", Input).value = "Paginate the list"
        form.query_one("#f-priority", Input).value = "high"
        form.query_one("#f-deliverables", Input).value = "src/page.py, docs/page.md"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: top(pilot) is detail and len(detail.tasks) == 2,
                    what="the new task listed")
        # Priority high comes first: the top task is the one the next shift takes.
        assert [t.title for t in detail.tasks] == ["Paginate the list", "Older task"]
        assert str(tasks.render()).index("#2 Paginate") < str(tasks.render()).index("#1 Older")
    async with Store(await _db(seeded_home)) as store:
        stored = await store.tasks.get("alpha", 2)
    assert stored.deliverables == ["src/page.py", "docs/page.md"] and stored.priority == 2


async def test_the_palette_marks_a_task_done_or_drops_it(seeded_home: Home,
                                                        fixed_clock: FakeClock) -> None:
    async with Store(await _db(seeded_home)) as store:
        await store.tasks.add("alpha", TaskInput(title="Finish me"), NOW)
        await store.tasks.add("alpha", TaskInput(title="Forget me"), NOW)
    app = make_app(seeded_home, fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await _open_detail(pilot)
        await until(pilot, lambda: len(detail.tasks) == 2, what="tasks")
        names = [name for name, _, _ in detail.task_commands()]
        assert names == ["Add task", "Task #1 done: Finish me", "Drop task #1: Finish me",
                         "Task #2 done: Forget me", "Drop task #2: Forget me"]
        # As a user: ctrl+p, a few words, Enter.
        def highlighted() -> str:
            hits = top(pilot).query_one(CommandList)
            at = hits.highlighted
            return "" if at is None else str(hits.get_option_at_index(at).prompt)

        for words, left, first in (("drop forget", 1, "Drop task #2: Forget me"),
                                   ("task 1 done", 0, "Task #1 done: Finish me")):
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(top(pilot), CommandPalette), what="palette")
            await pilot.press(*words)
            await until(pilot, lambda f=first: f in highlighted(), what=f"{first!r} first")
            await pilot.press("enter")
            await until(pilot, lambda n=left: top(pilot) is detail and len(detail.tasks) == n,
                        what=f"{words!r} applied")
        assert not detail.query_one("#tasks", Static).display
    async with Store(await _db(seeded_home)) as store:
        assert (await store.tasks.get("alpha", 1)).status is TaskStatus.DONE
        assert (await store.tasks.get("alpha", 2)).status is TaskStatus.DROPPED


async def _db(home: Home) -> Any:
    from shifttui.store.db import Database

    return await Database.open(home.db_path)


def test_no_open_task_hides_the_list(seeded_home: Home, fixed_clock: FakeClock) -> None:
    async def run() -> None:
        app = make_app(seeded_home, fixed_clock)
        async with app.run_test(size=(120, 40)) as pilot:
            detail = await _open_detail(pilot)
            assert not detail.query_one("#tasks", Static).display
            assert detail.task_commands()[0][0] == "Add task"

    asyncio.run(run())
