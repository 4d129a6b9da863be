"""Project detail: the policy and the shift history; Enter opens a shift's log and handoff."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static

from shifttui.bus import ShiftEnded, ShiftStarted
from shifttui.models import Handoff, Project, Shift
from shifttui.tui.actions import PROJECT_BINDINGS, ProjectActions
from shifttui.tui.format import (
    STATUS_GLYPH,
    STATUS_STYLE,
    duration,
    first_line,
    local_time,
    money,
    shift_outcome,
    tests_cell,
)
from shifttui.tui.messages import CoreEvent, ProjectsChanged
from shifttui.tui.services import services

HISTORY = 200
COLUMNS = [
    ("status", "Status"), ("trigger", "Trigger"), ("started", "Started"), ("dur", "Duration"),
    ("cost", "Cost"), ("turns", "Turns"), ("tests", "Tests"), ("handoff", "Handoff"),
]


def policy_text(project: Project) -> Text:
    p = project.policy
    pairs = [
        ("path", project.path),
        ("state", ("paused: " + (project.paused_reason or "")) if project.paused else "active"),
        ("enabled", "yes" if p.enabled else "no (manual starts only)"),
        ("schedule", p.schedule or "none"),
        ("catch up", p.catch_up.value),
        ("limits", f"{money(p.max_budget_usd)}, {p.max_duration_minutes:g} min, "
                   f"wrap-up {p.wrap_up_seconds} s, turns {p.max_turns or '∞'}"),
        ("pause after", f"{p.pause_after_failures} failures"),
        ("model", p.model or "default"),
        ("permissions", p.permission_mode.value),
        ("deny", ", ".join(p.deny_commands) or "—"),
        ("context", ", ".join(p.context_files) or "—"),
        ("tests", p.test_command or "—"),
    ]
    if p.allowed_tools:
        pairs.append(("allowed", ", ".join(p.allowed_tools)))
    if p.mcp_servers:
        pairs.append(("mcp", ", ".join(p.mcp_servers)))
    if p.instructions:
        pairs.append(("instructions", first_line(p.instructions, 60)))
    text = Text()
    for i, (key, value) in enumerate(pairs):
        if i:
            text.append("\n")
        text.append(f"{key:>12} ", style="bold")
        text.append(value)
    return text


class ProjectDetailScreen(ProjectActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="detail.back"),
        *PROJECT_BINDINGS,
        Binding("enter", "open_shift", "Open shift", id="detail.open"),
    ]

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.shifts: list[Shift] = []
        self.notes: dict[str, Text] = {}
        self.wide = False

    def compose(self) -> ComposeResult:
        yield Label(self.project_id, id="detail-title", classes="screen-title")
        with VerticalScroll(id="policy-box"):
            yield Static("", id="policy")
        yield DataTable(id="shifts", cursor_type="row")
        yield Static("", id="shift-note")
        yield Footer()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#shifts", DataTable)

    def on_mount(self) -> None:
        # At 80 columns the handoff column would be cut: the note line below shows it instead.
        self.wide = self.app.size.width >= 110
        for key, label in COLUMNS if self.wide else COLUMNS[:-1]:
            self.table.add_column(label, key=key)
        self.table.focus()
        self.reload()

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def reload(self) -> None:
        store = services(self).store
        project = await store.projects.get(self.project_id)
        self.shifts = await store.shifts.list(project.id, limit=HISTORY)
        handoffs: dict[str, Handoff] = {
            h.shift_id: h for h in await store.handoffs.history(project.id, limit=HISTORY)
        }
        self.query_one("#detail-title", Label).update(
            f"{project.name} · {len(self.shifts)} shift(s) · Enter: log & handoff · Esc: back"
        )
        self.query_one("#policy", Static).update(policy_text(project))
        self.notes = {}
        table = self.table
        keep = table.cursor_row
        table.clear()
        for s in self.shifts:
            handoff = handoffs.get(s.id)
            if handoff is not None:
                self.notes[s.id] = Text.assemble(("handoff: ", "bold"), first_line(
                    handoff.summary, 200))
            elif s.error:
                self.notes[s.id] = Text.assemble(("why: ", "bold"), first_line(s.error, 200))
            note = self.notes[s.id].plain.split(": ", 1)[1] if s.id in self.notes else ""
            table.add_row(
                Text(f"{STATUS_GLYPH[s.status]} {shift_outcome(s)}", style=STATUS_STYLE[s.status]),
                s.trigger.value, local_time(s.started_at)[5:], duration(s.duration_s),
                money(s.cost_usd), str(s.num_turns), tests_cell(s),
                *([first_line(note, 50)] if self.wide else []), key=s.id,
            )
        if self.shifts:
            table.move_cursor(row=min(keep, len(self.shifts) - 1), animate=False)

    def current_project_id(self) -> str | None:
        return self.project_id

    def selected_shift_id(self) -> str | None:
        row = self.table.cursor_row
        if self.shifts and 0 <= row < len(self.shifts):
            return self.shifts[row].id
        return None

    def action_open_shift(self) -> None:
        from shifttui.tui.screens.shift_log import ShiftLogScreen

        shift_id = self.selected_shift_id()
        if shift_id is not None:
            self.app.push_screen(ShiftLogScreen(shift_id))

    @on(DataTable.RowHighlighted, "#shifts")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        shift_id = self.selected_shift_id()
        self.query_one("#shift-note", Static).update(self.notes.get(shift_id or "", ""))

    @on(DataTable.RowSelected, "#shifts")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_shift()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_projects_changed(self, message: ProjectsChanged) -> None:
        self.reload()

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        if isinstance(event, ShiftStarted | ShiftEnded):
            pid = event.shift.project_id
            if pid == self.project_id:
                self.reload()
