"""The policy flags shared by `project add` and `project set`, and how they change a Policy.

Every flag comes from the field's PolicyMeta (models.Policy): a new field gets its flag without
an edit here. Flags default to None so "not given" is distinguishable from any value; the
result is validated by the pydantic `Policy` model and its first error names field and flag.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shifttui.base.errors import InvalidInput
from shifttui.base.models import Policy, first_error
from shifttui.base.policy_meta import PolicyField, describe
from shifttui.system.paths import is_dir


class _Unset:
    """`--max-turns none`: a given flag whose value is None (argparse's None means not given)."""


UNSET = _Unset()

_NUMBER_WORD = {int: "a whole number", float: "a number"}


def _optional(kind: type) -> Callable[[str], Any]:
    """A converter for a field where None is a value: 'none', 'off' or '' give it."""
    def convert(value: str) -> Any:
        if value.strip().lower() in {"none", "off", ""}:
            return UNSET
        try:
            return kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {_NUMBER_WORD[kind]} or 'none', got {value!r}"
            ) from None
    return convert


def _convert(f: PolicyField) -> Callable[[str], Any]:
    if f.scalar in _NUMBER_WORD:
        return _optional(f.scalar) if f.optional else f.scalar
    # Strings, enums and cron expressions: the model validates them and names the flag.
    return str


def _fields() -> tuple[PolicyField, ...]:
    return describe(Policy)


def _dest(field: str) -> str:
    return "policy__" + field.replace(".", "__")


def _clear_flag(f: PolicyField) -> str:
    return "--clear-" + f.name.replace("_", "-")


def _flag_of(f: PolicyField) -> str:
    return f"{f.meta.flag}/{f.meta.off_flag}" if f.flag_kind == "bool" else f.meta.flag


def add_policy_flags(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """`editing` (project set) adds the flags that clear a value or turn a bool back on."""
    group = parser.add_argument_group("policy")
    fields = _fields()
    # Values first, then the repeatable ones, then the switches: the order --help reads best.
    for f in fields:
        if f.flag_kind in ("scalar", "json"):
            # A JSON value stays text here: parse_json_object reads it, or the @FILE it names.
            convert = _convert(f) if f.flag_kind == "scalar" else str
            group.add_argument(f.meta.flag, dest=_dest(f.key), type=convert,
                               metavar=f.meta.metavar, help=f.meta.help)
    for f in fields:
        if f.flag_kind in ("list", "kv"):
            help_ = f.meta.help
            if editing:
                help_ += "; replaces the " + ("set" if f.flag_kind == "kv" else "list")
            elif f.flag_kind == "list" and f.default:
                help_ += f"; added to the default {', '.join(f.default)}"
            group.add_argument(f.meta.flag, dest=_dest(f.key), action="append",
                               metavar=f.meta.metavar, help=help_)
    for f in fields:
        if f.flag_kind == "bool":
            _add_bool(group, f, editing=editing)
        elif editing and f.meta.off_flag:
            group.add_argument(f.meta.off_flag, action="store_true", help=f.meta.off_help)
    if editing:
        for f in fields:
            if f.flag_kind in ("list", "kv", "json"):
                group.add_argument(_clear_flag(f), action="store_true", help=f"empty {f.key}")


def _add_bool(group: argparse._ArgumentGroup, f: PolicyField, *, editing: bool) -> None:
    dest = _dest(f.key)
    on = (f.meta.flag, "store_true", f.meta.help)
    off = (f.meta.off_flag, "store_false", f.meta.off_help)
    if not editing:
        # Adding starts from the default: only the flag that changes it makes sense.
        flag, action, help_ = off if f.default else on
        group.add_argument(flag, dest=dest, action=action, default=None, help=help_)
        return
    both = group.add_mutually_exclusive_group()
    for flag, action, help_ in (on, off):
        both.add_argument(flag, dest=dest, action=action, default=None, help=help_)


def apply_policy_flags(base: Policy, args: argparse.Namespace, *, editing: bool) -> Policy:
    """A new Policy: `base` with the flags given in `args`; InvalidInput names the bad flag."""
    data = base.model_dump(mode="json")
    for f in _fields():
        given = getattr(args, _dest(f.key), None)
        if editing and f.flag_kind in ("list", "kv", "json") \
                and getattr(args, _attr(_clear_flag(f)), False):
            _put(data, f.key, [] if f.flag_kind == "list" else {})
        if editing and f.meta.off_flag and f.flag_kind != "bool" \
                and getattr(args, _attr(f.meta.off_flag), False):
            if given is not None:
                raise InvalidInput(f"{f.meta.flag} and {f.meta.off_flag} contradict each other")
            _put(data, f.key, None)
        if given is None:
            continue
        if f.flag_kind == "list":
            values = [_directory(v, f.meta.flag) for v in given] if f.meta.dirs else given
            if not editing:  # `project add` adds to a default list (git push*), never drops it
                values = [*f.value(base), *values]
            _put(data, f.key, _dedup(values))
        elif f.flag_kind == "kv":
            _put(data, f.key, parse_pairs(given, f.meta.flag))
        elif f.flag_kind == "json":
            _put(data, f.key, parse_json_object(given, f.meta.flag, f.meta.hint))
        else:
            _put(data, f.key, None if given is UNSET else given)
    return validate_policy(data)


def validate_policy(data: dict[str, Any]) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        loc = [str(p) for p in exc.errors()[0].get("loc", ())]
        field = ".".join(p for p in loc if not p.isdigit())
        flags = {f.key: _flag_of(f) for f in _fields()}
        flag = next((flags[k] for k in (field, ".".join(loc[:2]), loc[0] if loc else "")
                     if k in flags), None)
        message = first_error(exc)
        raise InvalidInput(f"invalid {message}" + (f" (flag {flag})" if flag else "")) from None


def parse_pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"{flag} {item}: expected KEY=VALUE")
        pairs[key] = value
    return pairs


def parse_json_object(value: str, flag: str, example: str = "") -> dict[str, Any]:
    """A JSON object given inline or as @FILE; the model checks what is inside."""
    source = flag
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise InvalidInput(f"{flag}: cannot read {path} ({reason})") from None
        source = f"{flag} {path}"
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{source}: expected a JSON object" + (f", like {example}"
                                                                  if example else ""))
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
