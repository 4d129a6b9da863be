"""`shifttui` with no sub-command opens the TUI (being built: see issue 4)."""

from __future__ import annotations

import argparse
import sys

from shifttui.cli.base import Ctx


async def run_app(args: argparse.Namespace, ctx: Ctx) -> int:
    print("shifttui: the terminal UI is not available yet; see `shifttui --help`",
          file=sys.stderr)
    return 2
