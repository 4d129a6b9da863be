"""The policy flags shared by `project add` and `project set`, and how they change a Policy.

Flags default to None so "not given" is distinguishable from any value; the result is
validated by the pydantic `Policy` model and its first error names both field and flag.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shifttui.base.errors import InvalidInput
from shifttui.base.models import DEFAULT_DENY, PermissionMode, Policy, first_error
from shifttui.system.paths import is_dir


class _Unset:
    """`--max-turns none`: a given flag whose value is None (argparse's None means not given)."""


UNSET = _Unset()


def _optional_int(value: str) -> int | _Unset:
    if value.strip().lower() in {"none", "off", ""}:
        return UNSET
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or 'none', got {value!r}"
        ) from None


@dataclass(frozen=True)
class _Scalar:
    flag: str
    field: str  # dotted for nested models: "triggers.debounce_seconds"
    convert: Callable[[str], Any]
    metavar: str
    help: str


@dataclass(frozen=True)
class _List:
    flag: str
    field: str
    metavar: str
    help: str
    clear_flag: str


_SCALARS = [
    _Scalar("--cron", "schedule", str, "EXPR",
            "cron schedule in local time, e.g. '0 9 * * 1-5'"),
    _Scalar("--max-minutes", "max_duration_minutes", float, "N",
            "longest a shift may run (default 120)"),
    _Scalar("--wrap-up-seconds", "wrap_up_seconds", int, "N",
            "grace after the deadline for the handoff (default 120)"),
    _Scalar("--budget", "max_budget_usd", float, "USD", "most a shift may cost (default 5.00)"),
    _Scalar("--pause-after", "pause_after_failures", int, "N",
            "consecutive failures before the project is paused (default 3; 0 = never)"),
    _Scalar("--model", "model", str, "M", "the Claude model (default: the CLI's)"),
    _Scalar("--permission-mode", "permission_mode", str, "MODE",
            "one of " + ", ".join(m.value for m in PermissionMode) + " (default acceptEdits)"),
    _Scalar("--test-command", "test_command", str, "CMD",
            "shell command run after each shift ('' for none)"),
    _Scalar("--test-timeout", "test_timeout_seconds", int, "SECONDS",
            "how long the test command may run (default 600)"),
    _Scalar("--catch-up", "catch_up", str, "skip|once",
            "runs missed while shifttui was closed: skip them, or run once"),
    _Scalar("--instructions", "instructions", str, "TEXT", "free instructions for every shift"),
    _Scalar("--prompt", "prompt", str, "NAME", "prompt template in prompts/ (default shift_agent)"),
    _Scalar("--max-turns", "max_turns", _optional_int, "N", "turn limit per shift, or 'none'"),
    _Scalar("--debounce-seconds", "triggers.debounce_seconds", float, "S",
            "quiet time before an --on-change trigger fires (default 5)"),
]

_LISTS = [
    _List("--deny-command", "deny_commands", "PATTERN",
          "shell pattern the agent may never run (repeatable)", "--clear-deny-commands"),
    _List("--allow-tool", "allowed_tools", "T", "tool allowed without asking (repeatable)",
          "--clear-allowed-tools"),
    _List("--disallow-tool", "disallowed_tools", "T", "tool the agent may not use (repeatable)",
          "--clear-disallowed-tools"),
    _List("--add-dir", "add_dirs", "DIR",
          "extra directory the agent may write to (repeatable)", "--clear-add-dirs"),
    _List("--context-file", "context_files", "GLOB",
          "glob whose files go into the shift context (repeatable)", "--clear-context-files"),
    _List("--on-change", "triggers.on_change", "GLOB",
          "start a shift when files matching this glob change (repeatable)",
          "--clear-on-change"),
    _List("--after", "triggers.after", "PROJECT",
          "start a shift when a shift of PROJECT completes (repeatable)", "--clear-after"),
]

_FLAG_OF = {s.field: s.flag for s in _SCALARS} | {s.field: s.flag for s in _LISTS} | {
    "mcp_servers": "--mcp-servers", "enabled": "--enable/--disable", "env": "--env",
}


def _dest(field: str) -> str:
    return "policy__" + field.replace(".", "__")


def add_policy_flags(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """`editing` (project set) adds --enable, --no-cron and the --clear-* flags."""
    group = parser.add_argument_group("policy")
    for s in _SCALARS:
        group.add_argument(s.flag, dest=_dest(s.field), type=s.convert, metavar=s.metavar,
                           help=s.help)
    group.add_argument(
        "--mcp-servers", dest=_dest("mcp_servers"), metavar="JSON",
        help='MCP servers as a JSON object (or @FILE), e.g. \'{"web": {"command": "npx", ...}}\'',
    )
    group.add_argument(
        "--env", dest=_dest("env"), action="append", metavar="KEY=VALUE",
        help="environment variable for the agent (repeatable)"
        + ("; replaces the set" if editing else ""),
    )
    for li in _LISTS:
        help_ = li.help
        if li.field == "deny_commands" and not editing:
            help_ += f"; added to the default {', '.join(DEFAULT_DENY)}"
        elif editing:
            help_ += "; replaces the list"
        group.add_argument(li.flag, dest=_dest(li.field), action="append", metavar=li.metavar,
                           help=help_)
    if editing:
        enabled = group.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="policy__enabled", action="store_true",
                             default=None, help="let the scheduler and triggers start shifts")
        enabled.add_argument("--disable", dest="policy__enabled", action="store_false",
                             help="only manual starts")
        group.add_argument("--no-cron", action="store_true", help="remove the schedule")
        for li in _LISTS:
            group.add_argument(li.clear_flag, action="store_true", help=f"empty {li.field}")
        group.add_argument("--clear-mcp-servers", action="store_true", help="no MCP servers")
        group.add_argument("--clear-env", action="store_true", help="no extra environment")
    else:
        group.add_argument("--disable", dest="policy__enabled", action="store_false",
                           default=None, help="only manual starts (no schedule or triggers)")


def apply_policy_flags(base: Policy, args: argparse.Namespace, *, editing: bool) -> Policy:
    """A new Policy: `base` with the flags given in `args`; InvalidInput names the bad flag."""
    data = base.model_dump(mode="json")
    for s in _SCALARS:
        value = getattr(args, _dest(s.field), None)
        if value is not None:
            _put(data, s.field, None if value is UNSET else value)
    for li in _LISTS:
        values = getattr(args, _dest(li.field), None)
        clear = editing and getattr(args, _attr(li.clear_flag), False)
        if clear:
            _put(data, li.field, [])
        if values is not None:
            if li.field == "add_dirs":
                values = [_directory(v, li.flag) for v in values]
            if li.field == "deny_commands" and not editing:
                values = [*base.deny_commands, *(v for v in values if v not in base.deny_commands)]
            _put(data, li.field, _dedup(values))
    if editing and getattr(args, "clear_mcp_servers", False):
        data["mcp_servers"] = {}
    if editing and getattr(args, "clear_env", False):
        data["env"] = {}
    env = getattr(args, _dest("env"), None)
    if env is not None:
        data["env"] = parse_env(env)
    mcp = getattr(args, _dest("mcp_servers"), None)
    if mcp is not None:
        data["mcp_servers"] = parse_mcp_servers(mcp)
    enabled = getattr(args, "policy__enabled", None)
    if enabled is not None:
        data["enabled"] = enabled
    if editing and getattr(args, "no_cron", False):
        if getattr(args, _dest("schedule"), None) is not None:
            raise InvalidInput("--cron and --no-cron contradict each other")
        data["schedule"] = None
    return validate_policy(data)


def validate_policy(data: dict[str, Any]) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        loc = [str(p) for p in exc.errors()[0].get("loc", ())]
        field = ".".join(p for p in loc if not p.isdigit())
        flag = _FLAG_OF.get(field) or _FLAG_OF.get(loc[0] if loc else "")
        message = first_error(exc)
        raise InvalidInput(f"invalid {message}" + (f" (flag {flag})" if flag else "")) from None


def parse_env(items: list[str]) -> dict[str, str]:
    env = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--env {item}: expected KEY=VALUE")
        env[key] = value
    return env


def parse_mcp_servers(value: str) -> dict[str, Any]:
    source = "--mcp-servers"
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise InvalidInput(f"--mcp-servers: cannot read {path} ({reason})") from None
        source = f"--mcp-servers {path}"
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise InvalidInput(
            f'{source}: expected a JSON object of servers, like {{"name": {{"command": "..."}}}}'
        )
    return parsed


def _directory(value: str, flag: str) -> str:
    path = Path(value).expanduser().resolve()
    if not is_dir(path):
        raise InvalidInput(f"{flag} {value}: no such directory")
    return str(path)


def _attr(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _dedup(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _put(data: dict[str, Any], field: str, value: Any) -> None:
    *parents, last = field.split(".")
    for part in parents:
        data = data[part]
    data[last] = value

