"""Settings: one precedence (flag > env > config.toml > default) for every command, one-sentence
errors that name their source, and config writes that keep the user's file as they wrote it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from settings_support import LAYERS, clear_settings_env, layered_cli

from shifttui.base.config import Home, Settings, load_settings
from shifttui.base.errors import ConfigError
from shifttui.cli.base import Ctx
from shifttui.shifts.agent.options import resolve_cli
from shifttui.shifts.supervisor import Supervisor

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    clear_settings_env(monkeypatch)
    return Home(tmp_path / "home").ensure()


def shifttui(home: Home, *args: str, env: dict[str, str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("SHIFTTUI_") or k == "SHIFTTUI_SKIP_TMUX"}
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home.root), *args],
                          capture_output=True, text=True, timeout=30, env={**base, **(env or {})})


# precedence --------------------------------------------------------------------------------


@pytest.mark.parametrize("top", LAYERS)
async def test_the_cli_path_resolves_claude_cli_flag_env_config_default(
        home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, top: str) -> None:
    flags, expected = layered_cli(home, tmp_path, top, monkeypatch)
    # What every sub-command runs with (`run` and `daemon` build their supervisor like this).
    async with Ctx.open(str(home.root), **flags) as ctx:
        supervisor = Supervisor(ctx.store, ctx.home, ctx.settings, clock=ctx.clock)
        assert resolve_cli(supervisor.cli_path, supervisor.settings) == expected


def test_precedence_holds_for_every_setting_not_only_the_cli(home: Home,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    home.config_path.write_text("max_concurrent_shifts = 5\ndaily_budget_usd = 7.5\n",
                                encoding="utf-8")
    assert load_settings(home.config_path).max_concurrent_shifts == 5
    monkeypatch.setenv("SHIFTTUI_MAX_CONCURRENT_SHIFTS", "6")
    got = load_settings(home.config_path)
    assert (got.max_concurrent_shifts, got.daily_budget_usd) == (6, 7.5)
    assert load_settings(home.config_path, max_concurrent_shifts=7).max_concurrent_shifts == 7
    # None is a flag that was not given, not a value.
    assert load_settings(home.config_path, max_concurrent_shifts=None).max_concurrent_shifts == 6
    assert load_settings(home.root / "missing.toml").question_timeout_seconds == 1800


def test_an_empty_variable_is_unset_and_other_shifttui_variables_are_not_settings(
        home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    home.config_path.write_text('claude_cli = "from-config"\n', encoding="utf-8")
    monkeypatch.setenv("SHIFTTUI_CLAUDE_CLI", "")
    monkeypatch.setenv("SHIFTTUI_HOME", str(home.root))
    monkeypatch.setenv("SHIFTTUI_DEBUG", "1")
    assert load_settings(home.config_path).claude_cli == "from-config"


def test_run_reports_the_cli_it_chose_env_over_config_and_the_flag_over_both(
        home: Home, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    assert shifttui(home, "project", "add", "p", str(project)).returncode == 0
    home.config_path.write_text('claude_cli = "/nowhere/config-claude"\n', encoding="utf-8")
    env = {"SHIFTTUI_CLAUDE_CLI": "/nowhere/env-claude"}

    out = shifttui(home, "run", "p", env=env)
    assert "failed (cli_missing)" in out.stdout, out.stdout + out.stderr
    assert "'/nowhere/env-claude' not found (from SHIFTTUI_CLAUDE_CLI)" in out.stdout

    out = shifttui(home, "--claude-cli", "/nowhere/flag-claude", "run", "p", env=env)
    assert "'/nowhere/flag-claude' not found" in out.stdout, out.stdout + out.stderr


# errors ------------------------------------------------------------------------------------


def test_a_bad_env_value_is_one_sentence_naming_the_variable(home: Home) -> None:
    out = shifttui(home, "project", "list", env={"SHIFTTUI_MAX_CONCURRENT_SHIFTS": "lots"})
    assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.splitlines() == [
        "shifttui: $SHIFTTUI_MAX_CONCURRENT_SHIFTS='lots': Input should be a valid integer, "
        "unable to parse string as an integer"]


def test_an_env_value_out_of_range_is_blamed_on_the_env_not_the_file(
        home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    home.config_path.write_text("question_timeout_seconds = 60\n", encoding="utf-8")
    monkeypatch.setenv("SHIFTTUI_QUESTION_TIMEOUT_SECONDS", "-1")
    with pytest.raises(ConfigError, match=r"^\$SHIFTTUI_QUESTION_TIMEOUT_SECONDS='-1': "
                                          r"Input should be greater than or equal to 0$"):
        load_settings(home.config_path)


@pytest.mark.parametrize(("content", "fragment"), [
    (b"theme = \n", "not valid TOML"),
    (b"theme = 3\n", "theme: Input should be a valid string"),
    (b"colour = 'red'\n", "colour: Extra inputs are not permitted"),
    (b"theme = '\xff'\n", "not a UTF-8 text file"),
])
def test_a_bad_config_file_is_one_sentence_naming_the_file(home: Home, content: bytes,
                                                           fragment: str) -> None:
    home.config_path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        home.load_settings()
    assert str(err.value).startswith(f"{home.config_path}: ") and fragment in str(err.value)
    assert "\n" not in str(err.value)


# writing config.toml -----------------------------------------------------------------------

COMMENTED = """\
# shifttui, from my dotfiles
max_concurrent_shifts = 3  # two cores, one to spare

# how it looks
theme = "shifttui-dark"    # dark, always
notify_command = "notify-send shifttui"
"""


def test_update_config_changes_only_the_keys_asked_and_keeps_the_rest(home: Home) -> None:
    home.config_path.write_text(COMMENTED, encoding="utf-8")
    home.update_config(theme="ocean", daily_budget_usd=12.5, notify_command=None)
    assert home.config_path.read_text(encoding="utf-8") == (
        COMMENTED.replace('"shifttui-dark"', '"ocean"')
        .replace('notify_command = "notify-send shifttui"\n', "")
        + "daily_budget_usd = 12.5\n")
    settings = home.load_settings()
    assert (settings.theme, settings.daily_budget_usd, settings.notify_command) == (
        "ocean", 12.5, None)


def test_update_config_creates_the_file_and_keeps_a_symlink_a_symlink(home: Home,
                                                                      tmp_path: Path) -> None:
    home.update_config(theme="ocean")
    assert home.load_settings().theme == "ocean"
    dotfile = tmp_path / "dotfiles" / "shifttui.toml"
    dotfile.parent.mkdir()
    dotfile.write_text(COMMENTED, encoding="utf-8")
    home.config_path.unlink()
    home.config_path.symlink_to(dotfile)
    home.update_config(theme="shifttui-light")
    assert home.config_path.is_symlink()
    assert '"shifttui-light"    # dark, always' in dotfile.read_text(encoding="utf-8")


def test_update_config_leaves_a_broken_file_alone(home: Home) -> None:
    home.config_path.write_text("theme = [\n# my notes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        home.update_config(theme="ocean")
    assert home.config_path.read_text(encoding="utf-8") == "theme = [\n# my notes\n"
    with pytest.raises(ValueError, match="not a setting: colour"):
        home.update_config(colour="red")


def test_settings_alone_read_flags_and_env_but_no_file(home: Home, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text("max_concurrent_shifts = 9\n", encoding="utf-8")
    assert Settings().max_concurrent_shifts == 2
    monkeypatch.setenv("SHIFTTUI_MAX_CONCURRENT_SHIFTS", "4")
    assert Settings().max_concurrent_shifts == 4
    assert Settings(max_concurrent_shifts=3).max_concurrent_shifts == 3
