"""config.toml edited while the app runs: what applies at once, what needs a restart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shifttui.base.config import Settings

# Read again on each use by the app (theme, keymap) or by the notifier (notify_command, a
# lambda over the app's settings). The others were handed to the runtime at start-up.
LIVE = ("theme", "keymap", "notify_command")


@dataclass
class ConfigChange:
    live: dict[str, Any] = field(default_factory=dict)
    restart: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = []
        if self.live:
            parts.append("applied: " + ", ".join(self.live))
        if self.restart:
            parts.append("restart shifttui to apply: " + ", ".join(self.restart))
        return "; ".join(parts)


def config_change(old: Settings, new: Settings) -> ConfigChange:
    change = ConfigChange()
    for name in type(old).model_fields:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if name in LIVE:
            change.live[name] = after
        else:
            change.restart.append(name)
    return change
