"""Fixtures of the TUI tests: a seeded home, a fixed clock and time zone, an app factory."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.store import Store

from .seed import NOW, seed, show_fixed_paths


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Local-time texts (cron, started at) must not depend on the machine's zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def seeded_home(tmp_path: Path) -> Home:
    """A home with the sample projects, created in its own loop (snapshot tests are sync)."""
    home = Home(tmp_path / "home").ensure()

    async def fill() -> None:
        store = await Store.open(home.db_path, now=NOW)
        try:
            await seed(store, tmp_path / "projects")
        finally:
            await store.close()

    asyncio.run(fill())
    return home


@pytest.fixture
def snapshot_home(tmp_path: Path) -> Home:
    """Like seeded_home, with fixed project paths (the directories do not exist)."""
    home = Home(tmp_path / "home").ensure()

    async def fill() -> None:
        store = await Store.open(home.db_path, now=NOW)
        try:
            await seed(store, tmp_path / "projects")
            await show_fixed_paths(store)
        finally:
            await store.close()

    asyncio.run(fill())
    return home


@pytest.fixture
def fixed_clock() -> FakeClock:
    return FakeClock(NOW)


def make_app(home: Home, clock: FakeClock, **kw: object):  # type: ignore[no-untyped-def]
    from shifttui.tui.app import ShiftTuiApp

    settings = kw.pop("settings", None) or Settings()
    kw.setdefault("scheduler", False)  # nothing fires unless a test asks for it
    return ShiftTuiApp(home, settings=settings, clock=clock, user_theme_dirs=[], **kw)  # type: ignore[arg-type]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A screenshot catches one moment: on a machine loaded by a second worker it can catch
    another one. Snapshot tests run in the suite's solo pass."""
    for item in items:
        if "snapshot" in item.name:
            item.add_marker(pytest.mark.solo)
