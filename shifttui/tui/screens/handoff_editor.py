"""Force-complete's handoff editor: the auto-draft, editable, validated before it is saved."""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from shifttui.base.models import HandoffInput, handoff_sections

# What the operator writes: the sections of HandoffInput (files_changed comes from git).
SECTIONS = handoff_sections(HandoffInput)


class HandoffEditorModal(ModalScreen[HandoffInput | None]):
    """Returns the operator's handoff, or None to keep the auto-draft unchanged."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="handoff_editor.save"),
        # Before the TextArea's own ctrl+a (start of line): people expect it to select all.
        Binding("ctrl+a", "select_all", "Select all", id="handoff_editor.select_all",
                show=False, priority=True),
        Binding("escape", "keep_draft", "Keep draft", id="handoff_editor.keep"),
    ]

    def __init__(self, draft: HandoffInput, *, title: str = "Handoff") -> None:
        super().__init__()
        self.draft = draft
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            yield Static(
                "The agent did not deliver a handoff; edit the auto-draft. One item per line.",
                classes="hint",
            )
            with VerticalScroll(classes="form"):
                for section in SECTIONS:
                    value = getattr(self.draft, section.name)
                    yield Label(section.title + (" (required)" if section.required else ""),
                                classes="field-label")
                    if section.is_list:
                        yield TextArea("\n".join(map(str, value)), id=f"f-{section.name}",
                                       compact=True)
                    else:
                        yield TextArea(value, id=f"f-{section.name}", classes="summary",
                                       compact=True)
                    yield Label("", id=f"e-{section.name}", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Keep auto-draft (esc)", id="keep", compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#f-{SECTIONS[0].name}", TextArea).focus()

    def current(self) -> HandoffInput | None:
        """The edited handoff, or None with every error shown next to its field."""
        data: dict[str, object] = {}
        for section in SECTIONS:
            text = self.query_one(f"#f-{section.name}", TextArea).text
            data[section.name] = text.splitlines() if section.is_list else text
            if section.numbers:  # task numbers, one a line, "#3" or "3"
                data[section.name] = [n.strip().lstrip("#") for n in text.splitlines()
                                      if n.strip()]
        for label in self.query(".field-error").results(Label):
            label.update("")
        try:
            return HandoffInput.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else SECTIONS[0].name
                msg = str(err["msg"]).removeprefix("Value error, ")
                self.query_one(f"#e-{field}", Label).update(msg)
            return None

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.current()

    def action_save(self) -> None:
        handoff = self.current()
        if handoff is not None:
            self.dismiss(handoff)

    def action_select_all(self) -> None:
        if isinstance(self.focused, TextArea):
            self.focused.select_all()

    def action_keep_draft(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_keep_draft()
