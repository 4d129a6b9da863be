"""The `shifttui` command line: sub-commands over the same core as the TUI.

Each sub-command lives in a module of this package with a `register(subparsers)` function
that adds its parser and sets `func` to an `async def (args, ctx) -> int`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from shifttui import __version__
from shifttui.cli import commands_projects, commands_shifts
from shifttui.cli.base import Ctx
from shifttui.errors import ShiftTuiError

MODULES = [commands_projects, commands_shifts]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shifttui",
        description="Run Claude Code on your projects in supervised shifts.",
    )
    parser.add_argument("--version", action="version", version=f"shifttui {__version__}")
    parser.add_argument(
        "--home", metavar="DIR",
        help="where the database, logs and config live (default: $SHIFTTUI_HOME or the "
        "platform's user data dir)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from shifttui.cli.commands_app import run_app

        func = run_app
    try:
        return int(asyncio.run(_run(func, args)))
    except ShiftTuiError as exc:
        print(f"shifttui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("shifttui: interrupted", file=sys.stderr)
        return 130


async def _run(func: object, args: argparse.Namespace) -> int:
    async with Ctx.open(args.home, needs_db=getattr(args, "needs_db", True)) as ctx:
        return int(await func(args, ctx))  # type: ignore[operator]
