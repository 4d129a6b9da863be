"""Add a project: name and path, checked as you type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from shifttui.base.models import slugify, validate_project_name
from shifttui.system.paths import exists, is_dir
from shifttui.tui.screens.modals import ConfirmModal


@dataclass(frozen=True)
class NewProject:
    name: str
    path: str


def check_path(raw: str) -> tuple[Path | None, str]:
    """(resolved directory or None, one sentence about it)."""
    if not raw.strip():
        return None, "type the project's directory"
    path = Path(raw.strip()).expanduser()
    try:
        path = path.resolve()
    except OSError as exc:
        return None, f"✗ cannot resolve: {exc.strerror}"
    if not exists(path):
        return None, f"✗ {path} does not exist"
    if not is_dir(path):
        return None, f"✗ {path} is not a directory"
    if exists(path / ".git"):
        return path, "✓ directory, git repository"
    return path, "✓ directory, not a git repository (shifts work, without git history)"


def check_name(raw: str, taken: set[str]) -> tuple[str | None, str]:
    try:
        name = validate_project_name(raw)
    except ValueError as exc:
        return None, f"✗ {exc}"
    if slugify(name) in taken:
        return None, f"✗ a project named {name!r} already exists"
    return name, f"✓ id: {slugify(name)}"


class AddProjectModal(ModalScreen[NewProject | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="add_project.save"),
        Binding("escape", "cancel", "Cancel", id="add_project.cancel"),
    ]

    def __init__(self, taken: set[str], *, path: str = "") -> None:
        super().__init__()
        self.taken = taken
        self._path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New project", classes="dialog-title")
            yield Label("Name", classes="field-label")
            yield Input(id="name", placeholder="my-app", compact=True)
            yield Static("", id="name-check", classes="field-check")
            yield Label("Path", classes="field-label")
            yield Input(value=self._path, id="path", placeholder="~/src/my-app", compact=True)
            yield Static("", id="path-check", classes="field-check")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._recheck()
        self.query_one("#name", Input).focus()

    @property
    def changed(self) -> bool:
        return bool(self.query_one("#name", Input).value.strip()) or (
            self.query_one("#path", Input).value != self._path)

    def _recheck(self, *, shout: bool = False) -> NewProject | None:
        name_input, path_input = self.query_one("#name", Input), self.query_one("#path", Input)
        name, name_msg = check_name(name_input.value, self.taken)
        path, path_msg = check_path(path_input.value)
        for wid, ok, msg, widget in (("#name-check", name, name_msg, name_input),
                                     ("#path-check", path, path_msg, path_input)):
            if ok is None and not (shout or widget.value):
                msg = ""  # nothing typed yet: no "✗ project name is empty" before the first key
            check = self.query_one(wid, Static)
            check.update(msg)
            check.set_class(ok is None, "bad")
        if name is None or path is None:
            return None
        return NewProject(name, str(path))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "name":
            self.query_one("#path", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        result = self._recheck(shout=True)
        if result is None:
            self.notify("Fix the marked fields first.", severity="warning")
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmModal("Discard the new project?", "The form has unsaved "
                                          "input.", yes="Discard", no="Keep editing"),
                             callback=self._discard_confirmed)

    def _discard_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
