"""One shift's log (scrollback from the database, live if it runs) and its handoff."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Markdown, TabbedContent, TabPane

from shifttui.base.bus import ShiftEnded, ShiftProgress
from shifttui.base.models import ShiftStatus
from shifttui.tui.format import STATUS_GLYPH, handoff_markdown, local_time, shift_outcome
from shifttui.tui.messages import CoreEvent
from shifttui.tui.services import services
from shifttui.tui.widgets.shift_pane import ShiftPane


class ShiftLogScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="shift_log.back"),
        Binding("l", "tab('log')", "Log", id="shift_log.log"),
        Binding("h", "tab('handoff')", "Handoff", id="shift_log.handoff"),
    ]

    def __init__(self, shift_id: str) -> None:
        super().__init__()
        self.shift_id = shift_id
        self.pane: ShiftPane | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.shift_id, id="log-title", classes="screen-title")
        with TabbedContent(id="log-tabs", initial="log"):
            with TabPane("Log", id="log"):
                pass
            with TabPane("Handoff", id="handoff"), VerticalScroll():
                yield Markdown("", id="log-handoff")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, group="shift_log", exit_on_error=False)
    async def _load(self) -> None:
        store = services(self).store
        shift = await store.shifts.get(self.shift_id)
        project = await store.projects.get(shift.project_id)
        handoff = await store.handoffs.for_shift(shift.id)
        self.query_one("#log-title", Label).update(
            f"{project.name} · {STATUS_GLYPH[shift.status]} {shift_outcome(shift)} · "
            f"{shift.trigger.value} · {local_time(shift.started_at)[5:]} · {shift.id}"
        )
        if self.pane is None:
            self.pane = ShiftPane(
                shift, budget_usd=project.policy.max_budget_usd,
                max_duration_s=(shift.deadline - shift.started_at).total_seconds(),
            )
            await self.query_one("#log", TabPane).mount(self.pane)
            self.pane.log_widget.focus()
        if shift.status is not ShiftStatus.RUNNING:
            self.pane.mark_ended(shift, handoff)
        if handoff is not None:
            text = handoff_markdown(handoff)
        else:
            why = f": {shift.error}" if shift.error else ""
            text = f"No handoff: the shift is {shift.status.value}{why}."
        await self.query_one("#log-handoff", Markdown).update(text)

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        if self.pane is None:
            return
        # Event batches reach the pane straight from the bus (tui/feeds.py), not through here.
        if isinstance(event, ShiftProgress) and event.stats.shift_id == self.shift_id:
            self.pane.set_stats(event.stats)
        elif isinstance(event, ShiftEnded) and event.shift.id == self.shift_id:
            self.pane.mark_ended(event.shift, event.handoff)
            self._load()

    def action_tab(self, tab: str) -> None:
        self.query_one("#log-tabs", TabbedContent).active = tab

    def action_close(self) -> None:
        self.dismiss(None)
