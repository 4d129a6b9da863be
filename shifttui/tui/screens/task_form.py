"""Add a task to a project (`T` in the project detail): title, details, priority and the two
lists, validated by TaskInput as the CLI's flags and day files are."""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from shifttui.base.tasks import TaskInput

FIELDS = [
    ("title", "Title (required)", "what to do, in one line"),
    ("priority", "Priority", "a number, higher first (default 0), or high / medium / low"),
    ("context_files", "Context files", "globs whose contents the shift gets, comma-separated"),
    ("deliverables", "Deliverables", "files the task must produce, comma-separated"),
]


class TaskFormModal(ModalScreen[TaskInput | None]):
    """Returns the new task's input, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="task_form.save"),
        Binding("escape", "cancel", "Cancel", id="task_form.cancel"),
    ]

    def __init__(self, project_name: str) -> None:
        super().__init__()
        self._project = project_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"New task for {self._project}", classes="dialog-title")
            for name, label, hint in FIELDS[:1]:
                yield from self._field(name, label, hint)
            yield Label("Details", classes="field-label")
            yield TextArea("", id="f-body", compact=True)
            yield Label("", id="e-body", classes="field-error")
            for name, label, hint in FIELDS[1:]:
                yield from self._field(name, label, hint)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def _field(self, name: str, label: str, hint: str) -> ComposeResult:
        yield Label(label, classes="field-label")
        yield Input(placeholder=hint, id=f"f-{name}", compact=True)
        yield Label("", id=f"e-{name}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#f-title", Input).focus()

    def current(self) -> TaskInput | None:
        """The task as typed, or None with each error beside its field."""
        def value(name: str) -> str:
            return self.query_one(f"#f-{name}", Input).value

        data: dict[str, object] = {
            "title": value("title"), "body": self.query_one("#f-body", TextArea).text,
            "context_files": value("context_files").split(","),
            "deliverables": value("deliverables").split(","),
        }
        if value("priority").strip():
            data["priority"] = value("priority").strip()
        for label in self.query(".field-error").results(Label):
            label.update("")
        try:
            return TaskInput.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "title"
                message = str(err["msg"]).removeprefix("Value error, ")
                self.query_one(f"#e-{field}", Label).update(message)
            return None

    def action_save(self) -> None:
        task = self.current()
        if task is not None:
            self.dismiss(task)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
