"""The next 24 hours: every scheduled shift in time order with its projected cost (the
project's recent average), and the runs the daily budget would skip."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from shifttui.scheduling.views import Timeline, format_in, timeline
from shifttui.tui.format import money
from shifttui.tui.messages import ProjectsChanged
from shifttui.tui.schedule_text import budget_text
from shifttui.tui.services import services

HOURS = 24
REFRESH_S = 30.0
COLUMNS = [
    ("at", "When"), ("in", "In"), ("project", "Project"), ("cost", "Projected"),
    ("budget", "Budget"),
]


def summary_text(tl: Timeline) -> Text:
    """Totals and the budget, above the table."""
    count = len(tl.entries)
    unknown = sum(1 for e in tl.entries if e.projected_cost_usd is None)
    skipped = sum(1 for e in tl.entries if not e.within_budget)
    text = Text()
    text.append(f"{count} scheduled shift(s)", style="bold")
    text.append(f" · projected {money(tl.projected_total_usd)}")
    if unknown:
        text.append(f" ({unknown} without history, counted as $0)", style="dim")
    text.append("\nbudget ")
    text.append_text(budget_text(tl.budget))
    if skipped:
        text.append(f" · {skipped} run(s) would be skipped: daily budget", style="bold red")
    return text


class TimelineScreen(Screen[None]):
    """Read-only; Esc goes back, r recomputes (it also refreshes on its own)."""

    DEFAULT_CSS = """
    #timeline-summary {
        height: auto;
        padding: 0 1;
        border-bottom: solid $panel;
    }
    #timeline {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t", "close", "Back", id="timeline.back"),
        Binding("r", "reload", "Refresh", id="timeline.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.timeline: Timeline | None = None

    def compose(self) -> ComposeResult:
        yield Label(f"Next {HOURS} hours · Esc: back", id="timeline-title",
                    classes="screen-title")
        yield Static("", id="timeline-summary")
        yield DataTable(id="timeline", cursor_type="row")
        yield Footer()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#timeline", DataTable)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        self.table.focus()
        self.reload()
        self.set_interval(REFRESH_S, self.reload)

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_projects_changed(self, message: ProjectsChanged) -> None:
        self.reload()

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def reload(self) -> None:
        svc = services(self)
        now = svc.clock.now()
        tl = await timeline(svc.store, svc.settings, now, svc.tz, hours=HOURS)
        self.timeline = tl
        self.query_one("#timeline-title", Label).update(
            f"Next {HOURS} hours from {now.astimezone(svc.tz):%a %H:%M} · r: refresh · Esc: back"
        )
        self.query_one("#timeline-summary", Static).update(summary_text(tl))
        table = self.table
        keep = table.cursor_row
        table.clear()
        today = now.astimezone(svc.tz).date()
        for i, entry in enumerate(tl.entries):
            local = entry.at.astimezone(svc.tz)
            when = local.strftime("%H:%M" if local.date() == today else "%a %H:%M")
            cost = "—" if entry.projected_cost_usd is None else money(entry.projected_cost_usd)
            budget: Text | str = "" if entry.within_budget else Text(
                "⊘ skip: budget", style="bold red")
            table.add_row(when, format_in(entry.at - now), entry.project_name, cost, budget,
                          key=str(i))
        if not tl.entries:
            self.query_one("#timeline-summary", Static).update(Text(
                f"No scheduled shift in the next {HOURS} hours: give a project a schedule "
                "with e (edit policy).", style="dim"))
        elif keep:
            table.move_cursor(row=min(keep, len(tl.entries) - 1), animate=False)
