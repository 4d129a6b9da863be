"""The `shifttui` command line: sub-commands over the same core as the TUI.

Each sub-command lives in a module of this package with a `register(subparsers)` function
that adds its parser and sets `func` to an `async def (args, ctx) -> int`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

from pydantic import ValidationError

from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import first_error
from shifttui.base.text import printable
from shifttui.cli import (
    commands_app,
    commands_control,
    commands_merge,
    commands_portfolio,
    commands_projects,
    commands_prune,
    commands_review,
    commands_run,
    commands_scheduler,
    commands_shifts,
    commands_status,
    commands_tasks,
    commands_usage,
)
from shifttui.cli.base import Ctx, settings_flags
from shifttui.cli.version import VersionAction

MODULES = [commands_projects, commands_shifts, commands_run, commands_app, commands_scheduler,
           commands_review, commands_portfolio, commands_status, commands_control,
           commands_merge, commands_tasks, commands_usage, commands_prune]


DEBUG_ENV = "SHIFTTUI_DEBUG"


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line on stderr, like every other user error (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"shifttui: {_one_line(message)} (see `{self.prog} --help`)\n")


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shifttui",
        description="Run Claude Code on your projects in supervised shifts.",
    )
    parser.add_argument("--version", action=VersionAction,
                        help="show the versions and the dependency patches in use, and exit")
    parser.add_argument(
        "--home", metavar="DIR",
        help="where the database, logs and config live (default: $SHIFTTUI_HOME or the "
        "platform's user data dir)",
    )
    parser.add_argument(
        "--claude-cli", metavar="PATH",
        help="the Claude Code CLI shifts run (beats $SHIFTTUI_CLAUDE_CLI and config.toml's "
        "claude_cli; default: the CLI bundled with claude-agent-sdk)",
    )
    # Nested parsers default to the parent's class; named here so no module has to remember.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from shifttui.cli.commands_app import run_app

        func = run_app
    sys.unraisablehook = _quiet_finalisers(sys.unraisablehook)
    try:
        return int(asyncio.run(_run(func, args)))
    except ShiftTuiError as exc:
        return _fail(str(exc))
    except sqlite3.Error as exc:
        # The store turns SQLite's errors into sentences naming the file; this is the net
        # under it, so no traceback reaches the user whatever path raised.
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(f"database error: {exc}")
    except ValidationError as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(first_error(exc))
    except ValueError as exc:
        # Core validators (names, cron, paths) raise ValueError on user input.
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(str(exc) or type(exc).__name__)
    except KeyboardInterrupt:
        print("shifttui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `shifttui logs X | head`: the reader left; say nothing, and keep Python's
        # exit-time flush from complaining about the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _quiet_finalisers(
    previous: Callable[[UnraisableHookArgs], object],
) -> Callable[[UnraisableHookArgs], object]:
    """asyncio's transports close themselves in __del__; one collected after its loop closed
    (a CLI killed while it started) printed 'Exception ignored in … Event loop is closed' with
    a traceback after shifttui's own last line. Those go to the log; anything else as before."""

    def hook(unraisable: UnraisableHookArgs) -> object:
        origin = getattr(unraisable.object, "__qualname__", "") or ""
        module = getattr(unraisable.object, "__module__", "") or ""
        if module.startswith("asyncio.") and origin.endswith("__del__") \
                and not os.environ.get(DEBUG_ENV):
            logging.getLogger(__name__).debug("ignored in %s: %r", origin,
                                              unraisable.exc_value)
            return None
        return previous(unraisable)

    return hook


def _fail(message: str) -> int:
    print(f"shifttui: {printable(_one_line(message))}", file=sys.stderr)
    return 2


async def _run(func: object, args: argparse.Namespace) -> int:
    if not getattr(args, "needs_db", True):
        # e.g. `demo`: it makes its own throw-away home and must not touch the user's.
        return int(await func(args, None))  # type: ignore[operator]
    async with Ctx.open(args.home, **settings_flags(args)) as ctx:
        return int(await func(args, ctx))  # type: ignore[operator]
