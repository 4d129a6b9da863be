"""What each policy field means to a person: its label, CLI flag, form widget and how it prints.

Declared once, on the field itself (`Annotated[..., PolicyMeta(...)]` in models.Policy); the CLI
flags, the policy form, the detail views and the shift context are derived from
`describe(Policy)`, so a new field is one edit. This module never imports the models: it reads
whatever pydantic model it is given.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from shifttui.base import text

Widget = Literal["bool", "text", "opt", "number", "list", "json", "choice", "multiline"]
FlagKind = Literal["scalar", "list", "bool", "json", "kv"]


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return text.items([str(v) for v in value])
    if isinstance(value, dict):
        return text.items(list(value))  # names only: values are often tokens
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True, slots=True)
class PolicyMeta:
    """The human side of one policy field. `show` gives "" for "not set"; each view says that
    its own way ("-", "—", "none")."""

    label: str  # short: the detail views and the context ("budget")
    form: str  # the form's label ("Budget per shift (USD)")
    flag: str  # the CLI flag; for a bool, the one that sets it True
    help: str  # the CLI flag's help
    metavar: str = ""
    hint: str = ""  # the form field's placeholder
    show: Callable[[Any], str] = _plain
    widget: Widget | None = None  # None: inferred from the field's type
    off_flag: str = ""  # a bool's flag that sets it False; an optional's flag that clears it
    off_help: str = ""
    dirs: bool = False  # list entries name directories: the CLI checks and resolves them
    code: bool = False  # commands, globs, paths: `quoted` where the text is markdown
    context: bool = True  # the agent is told it in its shift context


@dataclass(frozen=True, slots=True)
class PolicyField:
    """One field of a policy, nested ones included ("triggers.after"), with what its type says."""

    key: str
    meta: PolicyMeta
    default: Any
    widget: Widget
    flag_kind: FlagKind
    scalar: type  # the value's type: int, float, str, bool, list, dict or the enum
    optional: bool  # None is a value ("no limit", "no schedule")
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The last part of the key: `after` of `triggers.after`."""
        return self.key.rsplit(".", 1)[-1]

    def value(self, model: BaseModel) -> Any:
        obj: Any = model
        for part in self.key.split("."):
            obj = getattr(obj, part)
        return obj

    def text(self, model: BaseModel) -> str:
        """How the value prints; "" when it is not set."""
        return self.meta.show(self.value(model))

    def markdown(self, model: BaseModel) -> str:
        """As `text`, with commands, globs and paths in backticks."""
        value = self.value(model)
        if not self.meta.code or not value:
            return self.text(model)
        if isinstance(value, list):
            return ", ".join(f"`{v}`" for v in value)
        return f"`{value}`"


@cache
def describe(model: type[BaseModel]) -> tuple[PolicyField, ...]:
    """Every field of `model` in declaration order; a nested model without metadata of its
    own (Triggers) contributes its fields under its name. A field without metadata is an
    error here, so no field can be added without its label, flag and widget."""
    return tuple(_walk(model, ""))


def _walk(model: type[BaseModel], prefix: str) -> Iterable[PolicyField]:
    for name, info in model.model_fields.items():
        key = prefix + name
        meta = next((m for m in info.metadata if isinstance(m, PolicyMeta)), None)
        ann = info.annotation
        if meta is None:
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                yield from _walk(ann, key + ".")
                continue
            raise TypeError(f"policy field {key} has no PolicyMeta")
        yield _field(key, meta, ann, info.get_default(call_default_factory=True))


def _field(key: str, meta: PolicyMeta, ann: Any, default: Any) -> PolicyField:
    args = typing.get_args(ann)
    union = typing.get_origin(ann) in (typing.Union, types.UnionType)
    optional = union and type(None) in args
    if optional:
        ann = next(a for a in args if a is not type(None))
    scalar: type = typing.get_origin(ann) or ann
    choices: tuple[str, ...] = ()
    widget: Widget
    flag_kind: FlagKind = "scalar"
    if scalar is bool:
        widget, flag_kind = "bool", "bool"
    elif scalar is list:
        widget, flag_kind = "list", "list"
    elif scalar is dict:
        # A dict of strings is KEY=VALUE pairs on the command line; anything deeper is JSON.
        widget = "json"
        flag_kind = "kv" if typing.get_args(ann) == (str, str) else "json"
    elif isinstance(scalar, type) and issubclass(scalar, Enum):
        widget, choices = "choice", tuple(str(m.value) for m in scalar)
    elif optional:
        widget = "opt"
    elif scalar in (int, float):
        widget = "number"
    else:
        widget = "text"
    return PolicyField(key, meta, default, meta.widget or widget, flag_kind, scalar, optional,
                       choices)


# How values print: shared by several fields' `show`.


def minutes(value: float) -> str:
    return text.duration(value * 60)


def seconds(value: float) -> str:
    """`30s`, `2m00s`; a fraction of a second under a minute stays (`0.5s`)."""
    return text.duration(value) if value >= 60 else f"{value:g}s"


def per_shift(usd: float) -> str:
    return f"{text.money(usd)} per shift"


def or_text(fallback: str) -> Callable[[Any], str]:
    """The value, or `fallback` when it is None: what None means for this field."""
    def show(value: Any) -> str:
        return fallback if value is None else _plain(value)
    return show


def one_line(value: str) -> str:
    return text.first_line(value, 70)
