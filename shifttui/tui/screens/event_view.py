"""One event whole: its full text, the tool call and its result side by side, the payload as
JSON with a copy action."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from shifttui.base.models import EventKind, ShiftEvent
from shifttui.store.event_search import EventSearch
from shifttui.tui.event_text import full_text, payload_json, shown_payload
from shifttui.tui.format import kind_glyph
from shifttui.tui.services import services


def _heading(event: ShiftEvent) -> str:
    glyph, _ = kind_glyph(event.kind)
    when = event.ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"{glyph} {event.kind.value} · #{event.seq} · {when}"


class EventModal(ModalScreen[None]):
    """Esc closes; ctrl+c copies the event as JSON (OSC 52: works in tmux and browsers)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="event.close"),
        Binding("ctrl+c", "copy", "Copy JSON", id="event.copy"),
    ]

    def __init__(self, event: ShiftEvent) -> None:
        super().__init__()
        self.event = event
        self.partner: ShiftEvent | None = None
        self.partner_loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(_heading(self.event), classes="dialog-title")
            with VerticalScroll(classes="doc", id="event-doc"):
                yield Static(Text(full_text(self.event)), id="event-text")
                yield Static("", id="event-partner")
                yield Label("payload", classes="field-label")
                yield Static(Text(shown_payload(self.event), style="dim"), id="event-json")
            yield Static("Esc closes · ctrl+c copies the JSON · arrows / PgUp / PgDn scroll",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#event-doc", VerticalScroll).focus()
        self._load_partner()

    @work(exclusive=True, group="partner", exit_on_error=False)
    async def _load_partner(self) -> None:
        partner = await EventSearch(services(self).store.db).tool_partner(self.event)
        self.partner, self.partner_loaded = partner, True
        if partner is None:
            return
        title = "result" if partner.kind is EventKind.TOOL_RESULT else "call"
        text = Text.assemble((f"\n{title} ({_heading(partner)})\n", "bold"), full_text(partner))
        self.query_one("#event-partner", Static).update(text)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(payload_json(self.event))
        self.notify("Copied the event as JSON.", timeout=3)

    def action_close(self) -> None:
        self.dismiss(None)
