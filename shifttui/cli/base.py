"""What every sub-command gets: the home, settings, store and clock; plus output helpers."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Home, Settings, resolve_home
from shifttui.store import Store
from shifttui.system.logs import configure_logging


@dataclass
class Ctx:
    home: Home
    settings: Settings
    store: Store
    clock: Clock

    @classmethod
    @asynccontextmanager
    async def open(cls, home_arg: str | None, **flags: Any) -> AsyncIterator[Ctx]:
        """`flags`: settings given on the command line (None: not given), see settings_flags."""
        home = resolve_home(home_arg).ensure()
        configure_logging(home.root / "shifttui.log")
        settings = home.load_settings(**flags)
        clock = SystemClock()
        store = await Store.open(home.db_path, now=clock.now())
        try:
            yield cls(home=home, settings=settings, store=store, clock=clock)
        finally:
            await store.close()


def settings_flags(args: Namespace) -> dict[str, Any]:
    """The global options that are settings, by setting name; they beat env and config.toml."""
    return {"claude_cli": getattr(args, "claude_cli", None)}


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def print_json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
