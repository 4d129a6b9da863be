"""The four places a setting can come from, set up for one test: flag > env > config > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from shifttui.base.config import CLI_ENV, ENV_PREFIX, Home, Settings

# Each layer names its own CLI, so the resolved path says which layer won.
LAYERS = ("default", "config", "env", "flag")


def clear_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own SHIFTTUI_* settings must not leak into what a test expects."""
    for name in Settings.model_fields:
        monkeypatch.delenv(ENV_PREFIX + name.upper(), raising=False)


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def layered_cli(home: Home, tmp_path: Path, top: str,
                monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], str | None]:
    """Set claude_cli in every layer up to `top`; returns the flags to pass and the CLI that
    must win (None: the SDK's bundled one)."""
    clear_settings_env(monkeypatch)
    clis = {layer: str(executable(tmp_path / "bin" / f"{layer}-claude")) for layer in LAYERS}
    upto = LAYERS[: LAYERS.index(top) + 1]
    if "config" in upto:
        home.config_path.write_text(f'# mine\nclaude_cli = "{clis["config"]}"\n',
                                    encoding="utf-8")
    if "env" in upto:
        monkeypatch.setenv(CLI_ENV, clis["env"])
    flags = {"claude_cli": clis["flag"]} if "flag" in upto else {}
    return flags, (None if top == "default" else clis[top])
