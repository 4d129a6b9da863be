"""The home directory (database, logs, config.toml) and the global settings stored there."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shifttui.base.errors import ConfigError
from shifttui.base.models import first_error

APP_NAME = "shifttui"
HOME_ENV = "SHIFTTUI_HOME"
CLI_ENV = "SHIFTTUI_CLAUDE_CLI"


class Settings(BaseModel):
    """Global settings (config.toml in the home)."""

    model_config = ConfigDict(extra="forbid")

    daily_budget_usd: float | None = Field(default=None, gt=0)
    max_concurrent_shifts: int = Field(default=2, ge=1, le=64)
    notify_command: str | None = None
    claude_cli: str | None = None
    theme: str = "shifttui-dark"
    question_timeout_seconds: int = Field(default=600, ge=0, le=24 * 3600)


@dataclass(frozen=True)
class Home:
    """Where one shifttui installation keeps its state."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "shifttui.db"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def shifts_dir(self) -> Path:
        return self.root / "shifts"

    @property
    def themes_dir(self) -> Path:
        return self.root / "themes"

    def shift_dir(self, shift_id: str) -> Path:
        return self.shifts_dir / shift_id

    def agent_log(self, shift_id: str) -> Path:
        return self.shift_dir(shift_id) / "agent.log"

    def ensure(self) -> Home:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.shifts_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create home directory {self.root}: {exc.strerror}") from exc
        if not os.access(self.root, os.W_OK):
            raise ConfigError(f"home directory {self.root} is not writable")
        return self

    def load_settings(self) -> Settings:
        return load_settings(self.config_path)

    def save_settings(self, settings: Settings) -> None:
        data = settings.model_dump(exclude_none=True, exclude_defaults=False)
        tmp = self.config_path.with_suffix(".toml.tmp")
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        tmp.replace(self.config_path)


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Home:
    """--home wins, then SHIFTTUI_HOME, then the platform's user data dir."""
    if explicit:
        return Home(Path(explicit).expanduser().resolve())
    env = os.environ.get(HOME_ENV)
    if env:
        return Home(Path(env).expanduser().resolve())
    return Home(Path(platformdirs.user_data_dir(APP_NAME)))


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc)}") from None


def resource_dir(name: str) -> Path:
    """`prompts` or `themes`: inside the installed wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # shifttui/, two up from base/config.py
    packaged = here / "_data" / name
    if packaged.is_dir():
        return packaged
    return here.parent / name
