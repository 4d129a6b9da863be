"""The home directory (database, logs, config.toml) and the global settings.

Settings come from four places; the first that sets a value wins, the same for the app, `run`,
`daemon` and every other command:

    flags (keyword arguments to `load_settings`) > $SHIFTTUI_<NAME> > <home>/config.toml > default

Writing config.toml (the theme chosen in the app) changes only the keys asked for, through
tomlkit, so the user's comments, order and other keys stay as they wrote them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import tomlkit
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)
from tomlkit.exceptions import TOMLKitError

from shifttui.base.errors import ConfigError
from shifttui.base.models import first_error

APP_NAME = "shifttui"
ENV_PREFIX = "SHIFTTUI_"
HOME_ENV = "SHIFTTUI_HOME"
CLI_ENV = "SHIFTTUI_CLAUDE_CLI"


class TelegramSettings(BaseModel):
    """The `[telegram]` table: the bot the process holding the scheduler lease speaks through.
    Env: SHIFTTUI_TELEGRAM__BOT_TOKEN, SHIFTTUI_TELEGRAM__CHAT_ID, …"""

    model_config = ConfigDict(extra="forbid")

    bot_token: SecretStr
    # Only this chat is obeyed (and told anything); every other sender is ignored and logged.
    chat_id: int
    # A local Bot API server, or a test's stand-in.
    api_base: str = "https://api.telegram.org"
    # getUpdates' long poll: the server holds the request this long when nothing happens.
    poll_seconds: float = Field(default=50, gt=0, le=600)
    # After a failure (network, bad token, 5xx): retry after `retry_min_seconds`, doubling up
    # to `retry_max_seconds`; shifts never wait on it.
    retry_min_seconds: float = Field(default=1.0, gt=0, le=3600)
    retry_max_seconds: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("api_base")
    @classmethod
    def _api_base(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("https://", "http://")):
            raise ValueError("api_base must be an http(s) URL")
        return v

    @field_validator("bot_token")
    @classmethod
    def _token(cls, v: SecretStr) -> SecretStr:
        token = v.get_secret_value().strip()
        if not token or any(c.isspace() or c == "/" for c in token):
            raise ValueError("bot_token must be the token @BotFather gave (123456:ABC…)")
        return SecretStr(token)


class Settings(BaseSettings):
    """Global settings; `Settings(...)` alone reads flags and the environment, no file."""

    # An empty variable counts as unset, as `SHIFTTUI_CLAUDE_CLI= shifttui` always meant;
    # SHIFTTUI_TELEGRAM__CHAT_ID sets [telegram] chat_id.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid",
                                      env_ignore_empty=True, env_nested_delimiter="__")

    daily_budget_usd: float | None = Field(default=None, gt=0)
    max_concurrent_shifts: int = Field(default=2, ge=1, le=64)
    notify_command: str | None = None
    claude_cli: str | None = None
    theme: str = "shifttui-dark"
    # How long ask_operator waits for an answer from any window before the agent proceeds on
    # its best judgment: long enough for a phone notification to be seen and answered.
    question_timeout_seconds: int = Field(default=1800, ge=0, le=24 * 3600)
    # Notices and questions to a Telegram chat, answers and commands back (runtime/telegram).
    telegram: TelegramSettings | None = None
    # The share of the subscription's 5-hour window kept for the user's own use: at or above
    # 100 - this percent used, no scheduled or triggered shift starts and a running one hands
    # off (0: shifts may use the whole window).
    plan_reserve_percent: float = Field(default=0, ge=0, le=100)
    # Payloads of shifts that ended more than this many days ago are dropped once a day (each
    # event keeps its summary; handoffs, costs and verdicts stay): `shifttui prune`.
    retention_days: int = Field(default=90, ge=1)
    # The TUI's keys by binding id (`start = "S"`, `quit = "ctrl+q"`; several keys: "x,delete"):
    # Textual's set_keymap. The ids are listed by `?` in the app.
    keymap: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The precedence of the module docstring; no .env or secrets files. The TOML file is
        # model_config's toml_file: none here, the home's in the class load_settings makes.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


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

    def load_settings(self, **flags: Any) -> Settings:
        return load_settings(self.config_path, **flags)

    def update_config(self, **values: Any) -> None:
        """Set these keys in config.toml (None removes one); everything else in it is kept."""
        update_config(self.config_path, **values)


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


def load_settings(path: Path, **flags: Any) -> Settings:
    """The settings every entry point runs with: `flags` (None means the flag was not given),
    then the environment, then the TOML file at `path`, then the defaults.
    A bad value anywhere is one ConfigError that names where it came from."""
    given = {name: value for name, value in flags.items() if value is not None}

    # pydantic-settings takes the file's location from the class's config, so each file gets
    # its own subclass; it is still a Settings to everyone who uses it.
    class HomeSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return HomeSettings(**given)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except SettingsError as exc:
        raise ConfigError(f"settings: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(_blame(exc, path, given)) from None


def _blame(exc: ValidationError, path: Path, flags: dict[str, Any]) -> str:
    """'where: what', where being the highest source that set the field the error is about."""
    loc = exc.errors()[0].get("loc", ())
    field = str(loc[0]) if loc else ""
    if field in flags:
        return first_error(exc)
    env_name = ENV_PREFIX + field.upper()
    # pydantic-settings matches variable names case-insensitively; so does this.
    env = {name.upper(): value for name, value in os.environ.items()}
    if field and env.get(env_name):
        msg = str(exc.errors()[0].get("msg", "invalid value")).removeprefix("Value error, ")
        return f"${env_name}={env[env_name]!r}: {msg}"
    return f"{path}: {first_error(exc)}"


def update_config(path: Path, **values: Any) -> None:
    """Set keys of the config file at `path` (None removes one), keeping the user's comments,
    layout and other keys. A file that is no longer valid TOML is left alone (ConfigError)."""
    unknown = set(values) - set(Settings.model_fields)
    if unknown:
        raise ValueError(f"not a setting: {', '.join(sorted(unknown))}")
    target = path.resolve()  # a config.toml symlinked from a dotfiles repository stays a link
    try:
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        doc = tomlkit.parse(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file; not changed") from None
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); not changed") from None
    for key, value in values.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    tmp.replace(target)


def resource_dir(name: str) -> Path:
    """`prompts` or `themes`: inside the installed wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # shifttui/, two up from base/config.py
    packaged = here / "_data" / name
    if packaged.is_dir():
        return packaged
    return here.parent / name
