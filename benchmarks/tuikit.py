"""Driving the real TUI headless for the benchmarks: the App through its public constructor."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from shifttui.base.config import Home, Settings


def make_app(home: Home, cli: Path | None, **settings: Any) -> Any:
    from shifttui.tui.app import ShiftTuiApp

    return ShiftTuiApp(home, settings=Settings(**settings),
                       cli_path=str(cli) if cli else None, user_theme_dirs=[])


async def until(pilot: Any, predicate: Any, within: float, what: str,
                poll_s: float = 0.01) -> None:
    """Poll with a plain sleep: `pilot.pause` also forces a repaint of the whole screen each
    time (`Screen._on_timer_update`), 100-200 a second, which the real app never does (it
    repaints what changed, at most 60 times a second) and which was a sixth of the TUI's main
    thread in `stream` (c)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(poll_s)


async def main_screen(pilot: Any) -> Any:
    from shifttui.tui.screens.main import MainScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.rows, 60,
                "the projects table")
    return app.screen


async def run_shifts(pilot: Any, names: list[str], within: float) -> list[Any]:
    """Start shifts the way the `s` key does (through the app's supervisor) and wait for their
    live panes to show them ended."""
    from shifttui.tui.widgets.shift_pane import ShiftPane

    screen = await main_screen(pilot)
    supervisor = pilot.app.services.supervisor
    shifts = [await supervisor.start_shift(name) for name in names]
    ids = {s.id for s in shifts}

    def panes() -> list[ShiftPane]:
        return [p for p in screen.query(ShiftPane) if p.shift.id in ids]

    await until(pilot, lambda: len(panes()) == len(ids) and
                all(p.ended_note is not None for p in panes()), within, "the shifts to end")
    await asyncio.sleep(0)
    return panes()
