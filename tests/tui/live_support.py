"""Helpers for TUI tests that run real shifts: a project on the fake agent, polling the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from shifttui.base.config import Home, Settings
from shifttui.base.models import Policy, Project
from shifttui.store import Store
from shifttui.tui.app import ShiftTuiApp
from shifttui.tui.screens.main import MainScreen

from .seed import git_repo


async def add_fake_project(home: Home, root: Path, name: str, scenario: str,
                           **policy: Any) -> Project:
    env = {"SHIFTTUI_FAKE_SCENARIO": scenario, **policy.pop("env", {})}
    store = await Store.open(home.db_path)
    try:
        from datetime import UTC, datetime

        return await store.projects.add(name, str(git_repo(root / name)),
                                        Policy(env=env, **policy), datetime.now(UTC))
    finally:
        await store.close()


def live_app(home: Home, fake_cli: Path, **settings: Any) -> ShiftTuiApp:
    return ShiftTuiApp(home, settings=Settings(**settings), cli_path=str(fake_cli),
                       user_theme_dirs=[], scheduler=False)


async def until(pilot: Pilot[Any], predicate: Callable[[], object], within: float = 15.0,
                what: str = "condition") -> None:
    """Poll the running app (nothing to await: the state comes from another process)."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            notes = [n.message for n in pilot.app._notifications]
            raise AssertionError(f"timed out waiting for {what}; notifications: {notes}")
        await pilot.pause(0.05)


async def main_screen(pilot: Pilot[Any]) -> MainScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen)
                and bool(pilot.app.screen.rows), what="the projects table")
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def top(pilot: Pilot[Any]) -> Screen[Any]:
    return pilot.app.screen
