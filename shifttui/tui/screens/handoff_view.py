"""The handoff viewer: one shift's handoff as markdown; step to older and newer ones."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Markdown

from shifttui.base.models import Handoff
from shifttui.tui.format import handoff_markdown, local_time
from shifttui.tui.services import services

HISTORY_LIMIT = 500


class HandoffScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="handoff.back"),
        Binding("left,left_square_bracket", "step(1)", "Older", id="handoff.older"),
        Binding("right,right_square_bracket", "step(-1)", "Newer", id="handoff.newer"),
    ]

    def __init__(self, project_id: str, shift_id: str | None = None) -> None:
        super().__init__()
        self.project_id = project_id
        self.shift_id = shift_id
        self.handoffs: list[Handoff] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="handoff-title", classes="screen-title")
        with VerticalScroll(id="handoff-doc"):
            yield Markdown("", id="handoff-md")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, group="handoff", exit_on_error=False)
    async def _load(self) -> None:
        store = services(self).store
        self.handoffs = await store.handoffs.history(self.project_id, limit=HISTORY_LIMIT)
        self.index = 0
        if self.shift_id is not None:
            for i, handoff in enumerate(self.handoffs):
                if handoff.shift_id == self.shift_id:
                    self.index = i
                    break
            else:
                shift = await store.shifts.get(self.shift_id)
                self._show_missing(f"Shift {shift.id} has no handoff ({shift.status.value}).")
                return
        self._show()

    def _show_missing(self, text: str) -> None:
        self.query_one("#handoff-title", Label).update(f"{self.project_id} · no handoff")
        self.query_one("#handoff-md", Markdown).update(text)

    def _show(self) -> None:
        if not self.handoffs:
            self._show_missing(f"No handoff yet on {self.project_id}.")
            return
        h = self.handoffs[self.index]
        self.shift_id = h.shift_id
        title = (
            f"{self.project_id} · handoff {len(self.handoffs) - self.index}/{len(self.handoffs)}"
            f" · {h.author.value} · {local_time(h.created_at)} · shift {h.shift_id}"
        )
        self.query_one("#handoff-title", Label).update(title)
        self.query_one("#handoff-md", Markdown).update(handoff_markdown(h))
        self.query_one("#handoff-doc", VerticalScroll).scroll_home(animate=False)

    def action_step(self, delta: int) -> None:
        target = self.index + delta
        if not self.handoffs or not 0 <= target < len(self.handoffs):
            self.notify("No older handoff." if delta > 0 else "This is the newest handoff.")
            return
        self.index = target
        self._show()

    def action_close(self) -> None:
        self.dismiss(None)
