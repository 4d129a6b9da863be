"""notify_command, themes (built-in, user files, remembered choice) and the command palette."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.screen import Screen

from shifttui.base.bus import Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.system.notify import notice_payload, run_notify_command
from shifttui.tui.app import ShiftTuiApp
from shifttui.tui.commands import ShiftCommands
from shifttui.tui.themes import load_theme_file, load_themes

from .live_support import main_screen, until


def _highlighted(palette: Screen[object]) -> str | None:
    """The name of the command the palette would run on enter."""
    found = palette.query(CommandList)
    option = found.first().highlighted_option if found else None
    return str(option.prompt).split("\n")[0] if option is not None else None

THEMES = Path(__file__).resolve().parents[2] / "themes"


@pytest.mark.timeout(10)
async def test_notify_command_gets_the_notice_as_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    notice = Notice("shift_failed", "alpha: shift failed", "no handoff", "alpha", "s1", "error")
    problem = await run_notify_command(f"cat > {out}", notice_payload(notice))
    assert problem is None
    data = json.loads(out.read_text())
    assert data["kind"] == "shift_failed" and data["project_id"] == "alpha"
    assert data["severity"] == "error" and data["message"] == "no handoff"


@pytest.mark.timeout(10)
async def test_notify_command_failures_are_one_sentence(tmp_path: Path) -> None:
    problem = await run_notify_command("echo boom >&2; exit 3", {"x": 1})
    assert problem == "notify_command exited with status 3: boom"
    slow = await run_notify_command(f"{sys.executable} -c 'import time; time.sleep(5)'",
                                    {}, timeout_s=0.3)
    assert slow is not None and "did not finish within 0.3 s" in slow


@pytest.mark.timeout(20)
async def test_app_toasts_notices_and_runs_notify_command_without_raising(
    seeded_home: Home, fixed_clock: FakeClock, tmp_path: Path
) -> None:
    out = tmp_path / "notices.jsonl"
    settings = Settings(notify_command=f"cat >> {out}; echo '' >> {out}")
    app = ShiftTuiApp(seeded_home, settings=settings, clock=fixed_clock, user_theme_dirs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        app.services.supervisor.bus.publish(
            Notice("budget_warning", "alpha: 80% of the budget", "$4.00 of $5.00", "alpha"))
        await until(pilot, lambda: out.exists() and out.read_text().strip(), what="the command")
        assert any("80% of the budget" in (n.title or "") for n in app._notifications)
        assert json.loads(out.read_text().splitlines()[0])["kind"] == "budget_warning"
        app.settings = Settings(notify_command="exit 7")
        app.services.supervisor.bus.publish(Notice("error", "x", "y"))
        await until(pilot, lambda: app.notify_failures, what="the failure")
        assert app.notify_failures == ["notify_command exited with status 7"]
        assert app.is_running


def test_builtin_themes_load_and_bad_user_themes_are_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    (tmp_path / "typo.toml").write_text('name = "typo"\nprimry = "#ffffff"\n')
    (tmp_path / "mine.toml").write_text('primary = "#ff00ff"\ndark = true\n')
    themes, problems = load_themes([THEMES, tmp_path])
    names = {t.name for t in themes}
    assert {"shifttui-dark", "shifttui-light", "mine"} <= names
    assert "broken" not in names and "typo" not in names
    assert {p.path.name for p in problems} == {"broken.toml", "typo.toml"}
    assert any("unknown theme field(s): primry" in p.message for p in problems)
    assert load_theme_file(THEMES / "shifttui-light.toml").dark is False


@pytest.mark.timeout(20)
async def test_theme_comes_from_settings_and_a_change_is_saved(
    seeded_home: Home, fixed_clock: FakeClock, tmp_path: Path
) -> None:
    user = tmp_path / "user-themes"
    user.mkdir()
    (user / "ocean.toml").write_text('name = "ocean"\nprimary = "#1188cc"\n')
    app = ShiftTuiApp(seeded_home, settings=Settings(theme="shifttui-light"), clock=fixed_clock,
                      user_theme_dirs=[THEMES, user])
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        assert app.theme == "shifttui-light"
        assert "ocean" in app.available_themes
        app.theme = "ocean"
        await pilot.pause()
    assert seeded_home.load_settings().theme == "ocean"


@pytest.mark.timeout(20)
async def test_palette_offers_the_screens_actions_by_name_and_runs_them(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = ShiftTuiApp(seeded_home, settings=Settings(), clock=fixed_clock, user_theme_dirs=[])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        provider = ShiftCommands(screen)
        names = [hit.display for hit in [h async for h in provider.discover()]]
        assert names[:7] == ["Start", "Abandon", "Force-complete", "Edit policy", "New project",
                             "Pause/resume", "Handoff"]
        assert "Quit" in names and "Help" in names
        hits = [h async for h in provider.search("pause")]
        assert [str(h.text) for h in hits] == ["Pause/resume"]
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"pause")
        # The palette searches in a worker: wait for its hit to be highlighted, then choose it.
        await until(pilot, lambda: _highlighted(app.screen) == "Pause/resume",
                    what="the palette's hit")
        await pilot.press("enter")
        await until(pilot, lambda: screen.rows and screen.rows[0].project.paused,
                    what="alpha paused through the palette")
