"""`shifttui` with no sub-command opens the TUI; `shifttui demo` opens it on sample projects."""

from __future__ import annotations

import argparse

from shifttui.cli.base import Ctx


async def run_app(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.tui.app import ShiftTuiApp

    app = ShiftTuiApp(ctx.home, settings=ctx.settings, store=ctx.store, clock=ctx.clock)
    await app.run_async()
    return int(app.return_code or 0)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from shifttui.cli import commands_demo

    commands_demo.register(sub)
