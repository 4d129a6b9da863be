"""The app's side of settings: it resolves claude_cli like every command does, and a theme
chosen in it changes config.toml's theme line and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from settings_support import LAYERS, clear_settings_env, layered_cli
from textual.command import CommandList, CommandPalette

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.cli.base import Ctx
from shifttui.shifts.agent.options import resolve_cli
from shifttui.tui.app import ShiftTuiApp

from .live_support import main_screen, until

THEMES = Path(__file__).resolve().parents[2] / "themes"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("top", LAYERS)
async def test_the_app_resolves_claude_cli_flag_env_config_default(
        seeded_home: Home, fixed_clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, top: str) -> None:
    flags, expected = layered_cli(seeded_home, tmp_path, top, monkeypatch)
    # `shifttui [--claude-cli X]` opens the app with the Ctx every sub-command gets.
    async with Ctx.open(str(seeded_home.root), **flags) as ctx:
        app = ShiftTuiApp(ctx.home, settings=ctx.settings, store=ctx.store, clock=fixed_clock,
                          user_theme_dirs=[], scheduler=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await main_screen(pilot)
            supervisor = app.services.supervisor
            assert resolve_cli(supervisor.cli_path, supervisor.settings) == expected


@pytest.mark.timeout(20)
@pytest.mark.parametrize("top", ["config", "env"])
async def test_an_app_that_loads_its_own_settings_resolves_the_same(
        seeded_home: Home, fixed_clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, top: str) -> None:
    _, expected = layered_cli(seeded_home, tmp_path, top, monkeypatch)
    app = ShiftTuiApp(seeded_home, clock=fixed_clock, user_theme_dirs=[], scheduler=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await main_screen(pilot)
        supervisor = app.services.supervisor
        assert resolve_cli(supervisor.cli_path, supervisor.settings) == expected


COMMENTED = """\
# shifttui, from my dotfiles
max_concurrent_shifts = 3  # two cores, one to spare

# how it looks
theme = "shifttui-dark"    # dark, always
notify_command = "notify-send shifttui"
"""


@pytest.mark.timeout(20)
async def test_a_theme_chosen_in_the_palette_keeps_the_config_files_comments_and_keys(
        seeded_home: Home, fixed_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    seeded_home.config_path.write_text(COMMENTED, encoding="utf-8")
    app = ShiftTuiApp(seeded_home, clock=fixed_clock, user_theme_dirs=[THEMES], scheduler=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await main_screen(pilot)
        assert app.theme == "shifttui-dark"
        app.action_change_theme()  # the palette's "Change theme"
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"shifttui-light")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0,
                    what="a match")
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "shifttui-light", what="the new theme")
    assert seeded_home.config_path.read_text(encoding="utf-8") == COMMENTED.replace(
        '"shifttui-dark"', '"shifttui-light"')
    settings = seeded_home.load_settings()
    assert (settings.theme, settings.max_concurrent_shifts) == ("shifttui-light", 3)
