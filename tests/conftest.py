"""Shared fixtures: a throw-away home, an open store, a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shifttui.clock import FakeClock
from shifttui.config import Home
from shifttui.store import Store

FIXED_NOW = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)


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
