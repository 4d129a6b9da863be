"""One shift: its live log (scrollback from the database), its events to browse and search, its
handoff and the output of its checks."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Markdown, Static, TabbedContent, TabPane

from shifttui.base.bus import ShiftEnded, ShiftProgress
from shifttui.base.models import Shift, ShiftStatus, TestResult
from shifttui.base.text import money, printable
from shifttui.tui.format import (
    STATUS_GLYPH,
    duration,
    handoff_markdown,
    local_time,
    shift_outcome,
)
from shifttui.tui.messages import CoreEvent
from shifttui.tui.screens.event_view import EventModal
from shifttui.tui.services import services
from shifttui.tui.widgets.event_browser import EventBrowser
from shifttui.tui.widgets.shift_pane import ShiftPane

TABS = ("log", "events", "handoff", "checks")


def checks_text(shift: Shift) -> Text:
    """Each check's command, verdict and the stored tail of its output."""
    # lint_result arrives with the checks work (issue 18); older rows have none.
    results: list[tuple[str, TestResult]] = [
        (name, result) for name, result in (("tests", shift.test_result),
                                            ("lint", getattr(shift, "lint_result", None)))
        if isinstance(result, TestResult)
    ]
    judge = shift.judge_result
    if not results and judge is None:
        return Text("No checks ran for this shift (the policy's test_command runs after each "
                    "shift when set).", style="dim")
    out = Text()
    for name, r in results:
        verdict, style = ("timed out", "bold red") if r.timed_out else (
            ("passed", "bold green") if r.passed else ("FAILED", "bold red"))
        if out:
            out.append("\n\n")
        out.append(f"{name}: ", style="bold")
        out.append(r.command)
        out.append("  ")
        out.append(verdict, style=style)
        code = "" if r.exit_code is None else f"exit {r.exit_code}, "
        out.append(f"  ({code}{duration(r.duration_s)})\n", style="dim")
        tail = printable(r.output_tail.rstrip()) or "(no output)"
        out.append(tail)
    if judge is not None:
        if out:
            out.append("\n\n")
        out.append("judge: ", style="bold")
        out.append(judge.model)
        out.append("  ")
        out.append(*{None: ("error", "bold yellow"), True: ("passed", "bold green"),
                     False: ("FAILED", "bold red")}[judge.passed])
        out.append(f"  ({money(judge.cost_usd)})\n", style="dim")
        notes = [judge.error] if judge.error else judge.reasons
        notes += [f"claimed, not in the diff: {c}" for c in judge.claims_not_in_diff]
        out.append("\n".join(printable(n) for n in notes if n) or "(no reasons given)")
    return out


class ShiftLogScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="shift_log.back"),
        Binding("l", "tab('log')", "Log", id="shift_log.log"),
        Binding("v", "tab('events')", "Events", id="shift_log.events"),
        Binding("h", "tab('handoff')", "Handoff", id="shift_log.handoff"),
        Binding("o", "tab('checks')", "Checks", id="shift_log.checks"),
        Binding("slash", "search", "Search", id="shift_log.search", show=False),
    ]

    def __init__(self, shift_id: str, *, tab: str = "log", search: bool = False) -> None:
        super().__init__()
        self.shift_id = shift_id
        self.pane: ShiftPane | None = None
        self._initial = tab if tab in TABS else "log"
        self._search_first = search

    def compose(self) -> ComposeResult:
        yield Label(self.shift_id, id="log-title", classes="screen-title")
        with TabbedContent(id="log-tabs", initial=self._initial):
            with TabPane("Log", id="log"):
                pass
            with TabPane("Events", id="events"):
                yield EventBrowser(self.shift_id, id="browser")
            with TabPane("Handoff", id="handoff"), VerticalScroll():
                yield Markdown("", id="log-handoff")
            with TabPane("Checks", id="checks"), VerticalScroll():
                yield Static("", id="log-checks")
        yield Footer()

    @property
    def browser(self) -> EventBrowser:
        return self.query_one(EventBrowser)

    def on_mount(self) -> None:
        self._load()
        if self._initial == "events":
            self.browser.table.focus()
        if self._search_first:
            self.action_search()

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
            if self._initial == "log" and not self._search_first:
                self.pane.log_widget.focus()
        if shift.status is not ShiftStatus.RUNNING:
            self.pane.mark_ended(shift, handoff)
        if handoff is not None:
            text = handoff_markdown(handoff)
        else:
            why = f": {shift.error}" if shift.error else ""
            text = f"No handoff: the shift is {shift.status.value}{why}."
        await self.query_one("#log-handoff", Markdown).update(text)
        self.query_one("#log-checks", Static).update(checks_text(shift))

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

    @on(EventBrowser.Open)
    def _open_event(self, message: EventBrowser.Open) -> None:
        self.app.push_screen(EventModal(message.event))

    def on_key(self, event: events.Key) -> None:
        """Enter in the live log drills down: to the browser, its cursor on the newest event."""
        if event.key == "enter" and self.pane is not None and self.pane.log_widget.has_focus:
            event.stop()
            self.action_tab("events")

    def action_tab(self, tab: str) -> None:
        self.query_one("#log-tabs", TabbedContent).active = tab
        if tab == "events":
            self.browser.table.focus()
        elif tab == "log" and self.pane is not None:
            self.pane.log_widget.focus()

    def action_search(self) -> None:
        self.action_tab("events")
        self.browser.action_search()

    def action_close(self) -> None:
        self.dismiss(None)
