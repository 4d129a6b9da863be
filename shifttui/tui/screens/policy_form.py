"""Edit a project's policy: every field validated inline by the Policy model itself."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from shifttui.base.models import Policy, Project, validate_cron
from shifttui.base.policy_meta import PolicyField, describe
from shifttui.tui.format import next_fires
from shifttui.tui.screens.modals import ConfirmModal

# One widget per policy field, from its PolicyMeta (models.Policy): label, widget, placeholder.
FIELDS = describe(Policy)


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


def to_text(field: PolicyField, value: Any) -> str:
    if field.widget == "list":
        return ", ".join(value)
    if field.widget == "json":
        return json.dumps(value) if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse(field: PolicyField, raw: str) -> Any:
    """The raw text as the model expects it; numbers stay strings so pydantic explains errors."""
    if field.widget == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    if field.widget == "json":
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if field.widget == "opt":
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
            # The longest field key the error's location starts with ("triggers.after" of
            # triggers.after.0; "env" of env.1BAD), else the first field of its group.
            prefixes = [".".join(loc[:n]) for n in range(len(loc), 0, -1)]
            key = next((k for k in prefixes if k in by_key), prefixes[-1] if loc else "")
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

    def _field(self, field: PolicyField, value: Any) -> ComposeResult:
        fid = field_id(field.key)
        widget: Widget
        if field.widget == "bool":
            widget = Checkbox("", value=bool(value), id=f"f-{fid}", compact=True)
        elif field.widget == "choice":
            widget = Select([(c, c) for c in field.choices], value=value, allow_blank=False,
                            id=f"f-{fid}", compact=True)
        elif field.widget == "multiline":
            widget = TextArea(to_text(field, value), id=f"f-{fid}", classes="multiline",
                              compact=True)
        else:
            widget = Input(to_text(field, value), placeholder=field.meta.hint, id=f"f-{fid}",
                           compact=True)
        with Horizontal(classes="row"):
            yield Label(field.meta.form, classes="field-label")
            yield widget
        if field.key == "schedule":
            yield Static(cron_preview(value or "", self.now), id="cron-preview",
                         classes="field-check")
        yield Label("", id=f"e-{fid}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one(f"#f-{field_id(FIELDS[0].key)}").focus()
        self._initial = self.raw_values()

    @property
    def changed(self) -> bool:
        return self.raw_values() != getattr(self, "_initial", None)

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
        # Esc used to drop a half-edited policy without a word.
        if not self.changed:
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmModal(
            "Discard your changes?", f"The policy of {self.project.name} has unsaved edits.",
            yes="Discard", no="Keep editing"),
            callback=self._discard_confirmed)

    def _discard_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
