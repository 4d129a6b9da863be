"""Shared fixtures: a throw-away home, an open store, a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import hypothesis  # noqa: F401 - imported early: a lazy import during assertion rewriting once broke pytest's report on CPython 3.11 ("AST constructor recursion depth mismatch")
import pytest
from timing import time_factor

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.store import Store

FIXED_NOW = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a slow machine (SHIFTTUI_TEST_TIME_FACTOR > 1) every test's timeout grows with the
    wall-clock bounds it asserts (tests/timing.py)."""
    factor = time_factor()
    if factor == 1:
        return
    default = float(config.getini("timeout") or 0)
    for item in items:
        marker = item.get_closest_marker("timeout")
        seconds = float(marker.args[0] if marker.args else marker.kwargs.get("timeout", 0)) \
            if marker is not None else default
        if seconds:
            item.add_marker(pytest.mark.timeout(seconds * factor), append=False)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FIXED_NOW)


@pytest.fixture
async def store(home: Home, clock: FakeClock) -> AsyncIterator[Store]:
    s = await Store.open(home.db_path, now=clock.now())
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def fake_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An executable that speaks Claude Code's stream-json protocol with scripted scenarios."""
    from shifttui.fakeagent import write_launcher

    return write_launcher(tmp_path_factory.mktemp("fakecli"))


@pytest.fixture
async def harness(
    home: Home, store: Store, fake_cli: Path, tmp_path: Path
) -> AsyncIterator[object]:
    from agent_support import Harness, git_repo

    from shifttui.base.config import Settings
    from shifttui.shifts.supervisor import Supervisor

    supervisor = Supervisor(store, home, Settings(max_concurrent_shifts=4),
                            cli_path=str(fake_cli), tick_s=0.1)
    h = Harness(store, home, supervisor, git_repo(tmp_path / "repo"))
    supervisor.bus.subscribe(h.seen.append)
    try:
        yield h
    finally:
        await supervisor.shutdown()
