"""Edit a project's policy: every field validated inline by the Policy model itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from shifttui.base.models import CatchUp, PermissionMode, Policy, Project, validate_cron
from shifttui.tui.format import next_fires


@dataclass(frozen=True)
class Field:
    key: str  # "max_budget_usd" or "triggers.after"
    label: str
    kind: str  # bool | text | opt | number | list | json | choice | multiline
    hint: str = ""
    choices: tuple[str, ...] = ()


FIELDS = [
    Field("enabled", "Enabled (scheduler, triggers)", "bool"),
    Field("schedule", "Schedule (cron, local time)", "opt", "e.g. 0 9 * * 1-5"),
    Field("catch_up", "Catch up missed runs", "choice", choices=tuple(c.value for c in CatchUp)),
    Field("max_duration_minutes", "Max duration (minutes)", "number"),
    Field("wrap_up_seconds", "Wrap-up grace (seconds)", "number"),
    Field("max_budget_usd", "Budget per shift (USD)", "number"),
    Field("max_turns", "Max turns (blank: no limit)", "opt"),
    Field("pause_after_failures", "Pause after N failures", "number"),
    Field("model", "Model (blank: default)", "opt"),
    Field("permission_mode", "Permission mode", "choice",
          choices=tuple(m.value for m in PermissionMode)),
    Field("allowed_tools", "Allowed tools", "list", "comma-separated"),
    Field("disallowed_tools", "Disallowed tools", "list", "comma-separated"),
    Field("deny_commands", "Denied shell commands", "list", "comma-separated patterns"),
    Field("add_dirs", "Extra writable directories", "list", "comma-separated"),
    Field("context_files", "Context files", "list", "comma-separated globs"),
    Field("mcp_servers", "MCP servers (JSON object)", "json", '{"name": {"command": "..."}}'),
    Field("prompt", "Prompt template", "text"),
    Field("instructions", "Instructions", "multiline"),
    Field("test_command", "Test command", "opt"),
    Field("test_timeout_seconds", "Test timeout (seconds)", "number"),
    Field("triggers.on_change", "Trigger on change of", "list", "comma-separated globs"),
    Field("triggers.after", "Trigger after projects", "list", "comma-separated names"),
    Field("triggers.debounce_seconds", "Trigger debounce (seconds)", "number"),
    Field("env", "Agent environment (JSON)", "json", '{"NAME": "value"}'),
]


def field_id(key: str) -> str:
    return key.replace(".", "-").replace("_", "-")


def _get(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data[part]
    data[last] = value


def to_text(field: Field, value: Any) -> str:
    if field.kind == "list":
        return ", ".join(value)
    if field.kind == "json":
        return json.dumps(value) if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse(field: Field, raw: str) -> Any:
    """The raw text as the model expects it; numbers stay strings so pydantic explains errors."""
    if field.kind == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    if field.kind == "json":
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if field.kind == "opt":
        return raw.strip() or None
    return raw


def validate_form(base: Policy, raw: dict[str, Any]) -> tuple[Policy | None, dict[str, str]]:
    """(the policy, {}) or (None, {field key: message}) for the form's raw values."""
    data = base.model_dump(mode="json")
    errors: dict[str, str] = {}
    by_key = {f.key: f for f in FIELDS}
    for key, value in raw.items():
        field = by_key[key]
        try:
            _set(data, key, parse(field, value) if isinstance(value, str) else value)
        except ValueError as exc:
            errors[key] = str(exc)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            key = ".".join(loc[:2]) if loc and loc[0] == "triggers" else (loc[0] if loc else "")
            if key not in by_key:
                key = next((k for k in by_key if k.startswith(key)), FIELDS[0].key)
            errors.setdefault(key, str(err["msg"]).removeprefix("Value error, "))
        return None, errors
    return (None, errors) if errors else (policy, {})


def cron_preview(raw: str, now: datetime) -> str:
    if not raw.strip():
        return "no schedule: shifts start by hand or by trigger"
    try:
        expr = validate_cron(raw)
        fires = next_fires(expr, now, 3)
    except (ValueError, KeyError):
        return ""
    return "next: " + ", ".join(f.strftime("%a %d %b %H:%M") for f in fires)


class PolicyFormModal(ModalScreen[Policy | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="policy.save"),
        Binding("escape", "cancel", "Cancel", id="policy.cancel"),
    ]

    def __init__(self, project: Project, now: datetime) -> None:
        super().__init__()
        self.project = project
        self.now = now
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        data = self.project.policy.model_dump(mode="json")
        with Vertical(classes="dialog wide"):
            yield Label(f"Policy of {self.project.name}", classes="dialog-title")
            with VerticalScroll(classes="form"):
                for field in FIELDS:
                    yield from self._field(field, _get(data, field.key))
            yield Static("", id="form-status", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def _field(self, field: Field, value: Any) -> ComposeResult:
        fid = field_id(field.key)
        widget: Widget
        if field.kind == "bool":
            widget = Checkbox("", value=bool(value), id=f"f-{fid}", compact=True)
        elif field.kind == "choice":
            widget = Select([(c, c) for c in field.choices], value=value, allow_blank=False,
                            id=f"f-{fid}", compact=True)
        elif field.kind == "multiline":
            widget = TextArea(to_text(field, value), id=f"f-{fid}", classes="multiline",
                              compact=True)
        else:
            widget = Input(to_text(field, value), placeholder=field.hint, id=f"f-{fid}",
                           compact=True)
        with Horizontal(classes="row"):
            yield Label(field.label, classes="field-label")
            yield widget
        if field.key == "schedule":
            yield Static(cron_preview(value or "", self.now), id="cron-preview",
                         classes="field-check")
        yield Label("", id=f"e-{fid}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one(f"#f-{field_id(FIELDS[0].key)}").focus()

    def raw_values(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for field in FIELDS:
            widget = self.query_one(f"#f-{field_id(field.key)}")
            if isinstance(widget, Checkbox):
                raw[field.key] = widget.value
            elif isinstance(widget, Select):
                raw[field.key] = widget.value
            elif isinstance(widget, TextArea):
                raw[field.key] = widget.text
            elif isinstance(widget, Input):
                raw[field.key] = widget.value
        return raw

    def revalidate(self) -> Policy | None:
        raw = self.raw_values()
        policy, self.errors = validate_form(self.project.policy, raw)
        for field in FIELDS:
            fid = field_id(field.key)
            message = self.errors.get(field.key, "")
            error = self.query_one(f"#e-{fid}", Label)
            error.update(message)
            error.set_class(bool(message), "shown")
            self.query_one(f"#f-{fid}").set_class(bool(message), "invalid")
        self.query_one("#cron-preview", Static).update(cron_preview(raw["schedule"], self.now))
        status = self.query_one("#form-status", Static)
        if self.errors:
            status.update(f"{len(self.errors)} field(s) need fixing before saving")
        else:
            status.update("")
        return policy

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.revalidate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.revalidate()

    def action_save(self) -> None:
        policy = self.revalidate()
        if policy is None:
            first = next(iter(self.errors))
            self.notify(f"{first}: {self.errors[first]}", title="Not saved", severity="error")
            self.query_one(f"#f-{field_id(first)}").focus()
            return
        self.dismiss(policy)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
