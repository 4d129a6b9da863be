"""Small modals: confirm, ask for a line of text (abandon reason, answer), wait, read markdown."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, Static


class ConfirmModal(ModalScreen[bool]):
    """Yes/no; Enter or y confirms, Escape or n declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._title, self._message, self._yes, self._no = title, message, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="yes", compact=True)
                yield Button(f"{self._no} (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextPromptModal(ModalScreen[str | None]):
    """One line of text that must not be blank (an abandon reason, an answer to the agent)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self, title: str, message: str, *, placeholder: str = "", submit: str = "OK",
        value: str = "", variant: str = "primary",
    ) -> None:
        super().__init__()
        self._title, self._message = title, message
        self._placeholder, self._submit, self._value = placeholder, submit, value
        self._variant = variant

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, classes="dialog-body")
            yield Input(value=self._value, placeholder=self._placeholder, id="text",
                        compact=True)
            yield Label("", id="error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._submit} (enter)", variant=self._variant,  # type: ignore[arg-type]
                             id="ok", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def _submit_value(self) -> None:
        value = self.query_one("#text", Input).value.strip()
        if not value:
            self.query_one("#error", Label).update("Please type something (Esc cancels).")
            return
        self.dismiss(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit_value()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit_value()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class WaitModal(ModalScreen[None]):
    """Shown while the core works (force-complete's wrap-up wait); closed by the caller."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "hide", "Hide", id="wait.hide")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self._title, self._message = title, message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, id="wait-body", classes="dialog-body")
            yield Static("Esc hides this window; the wrap-up continues.", classes="hint")

    def set_message(self, message: str) -> None:
        self.query_one("#wait-body", Static).update(message)

    def action_hide(self) -> None:
        self.dismiss(None)


class CountdownModal(WaitModal):
    """A wait with a visible end (force-complete's grace) and a button that stops waiting now.

    The countdown is shown from the monotonic clock: it only tells the operator how long is
    left; the core decides when the grace ends."""

    def __init__(self, title: str, message: str, *, seconds: float,
                 stop_now: Callable[[], None], stop_label: str = "Stop now") -> None:
        super().__init__(title, message)
        self._seconds = seconds
        self._stop_now = stop_now
        self._stop_label = stop_label
        self._started = time.monotonic()
        self.stopped = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, id="wait-body", classes="dialog-body")
            yield Static(self.countdown_text(self._seconds), id="countdown")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._stop_label} (enter)", variant="warning", id="stop-now",
                             compact=True)
                yield Button("Hide (esc)", id="hide", compact=True)

    @staticmethod
    def countdown_text(left: float) -> str:
        left = max(0, int(left + 0.999))
        return f"{left // 60}m{left % 60:02d}s left for the agent's handoff" if left else (
            "the grace is over: the handoff editor opens")

    def on_mount(self) -> None:
        self.query_one("#stop-now", Button).focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        left = self._seconds - (time.monotonic() - self._started)
        self.query_one("#countdown", Static).update(self.countdown_text(left))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stop-now":
            if not self.stopped:
                self.stopped = True
                event.button.disabled = True
                self._stop_now()
        else:
            self.dismiss(None)


class MarkdownModal(ModalScreen[None]):
    """A scrollable markdown document (context preview, help)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="markdown.close"),
    ]

    def __init__(self, title: str, markdown: str) -> None:
        super().__init__()
        self._title, self._markdown = title, markdown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            with VerticalScroll(classes="doc"):
                yield Markdown(self._markdown)
            yield Static("Esc closes · arrows / PgUp / PgDn scroll", classes="hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
