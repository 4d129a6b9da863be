"""Which event loop the headless commands run on."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from shifttui.cli import build_parser
from shifttui.runtime import EVENT_LOOP_ENV, headless_runner

pytestmark = pytest.mark.timeout(10)


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="uvloop not installed")
def test_headless_commands_run_on_uvloop_unless_told_otherwise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvloop

    monkeypatch.delenv(EVENT_LOOP_ENV, raising=False)
    assert headless_runner() is uvloop.run

    async def loop_kind() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert headless_runner()(loop_kind()).startswith("uvloop")
    monkeypatch.setenv(EVENT_LOOP_ENV, "asyncio")
    assert headless_runner() is asyncio.run


@pytest.mark.parametrize(("argv", "headless"), [
    (["run", "p"], True), (["daemon"], True), (["project", "list"], False),
    (["trigger", "p"], False),
])
def test_only_run_and_daemon_take_the_headless_loop(argv: list[str], headless: bool) -> None:
    args = build_parser().parse_args(argv)
    assert getattr(args, "headless_loop", False) is headless
