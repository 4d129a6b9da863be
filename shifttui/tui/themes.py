"""Theme files (TOML with textual `Theme` fields): the built-in ones and the user's."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from textual.theme import Theme

from shifttui.base.config import Home, resource_dir, user_config_dir

DEFAULT_THEME = "shifttui-dark"
_FIELDS = {f.name for f in fields(Theme)}


@dataclass(frozen=True)
class ThemeProblem:
    path: Path
    message: str


def load_theme_file(path: Path) -> Theme:
    """One theme; raises ValueError with a readable sentence."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"{path}: unknown theme field(s): {', '.join(sorted(unknown))}")
    raw.setdefault("name", path.stem)
    if "primary" not in raw:
        raise ValueError(f"{path}: a theme needs at least 'primary'")
    try:
        theme = Theme(**raw)
        # Colours are parsed lazily by textual; parse now so a typo is reported here.
        theme.to_color_system()
    except Exception as exc:  # textual raises several error types for bad colours
        raise ValueError(f"{path}: {exc}") from None
    return theme


def theme_dirs(home: Home) -> list[Path]:
    """Built-ins first, so a user file with the same name overrides them."""
    return [resource_dir("themes"), user_config_dir() / "themes", home.themes_dir]


def load_themes(dirs: list[Path]) -> tuple[list[Theme], list[ThemeProblem]]:
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
