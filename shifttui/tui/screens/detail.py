"""Project detail: the policy and the history of shifts and scheduler decisions (runs that did
not start, and why); Enter opens a shift's log and handoff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.columns import Columns
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static

from shifttui.base.bus import Notice, ShiftEnded, ShiftStarted
from shifttui.base.models import Handoff, Policy, Project, Shift
from shifttui.base.policy_meta import describe
from shifttui.base.states import Decision, DecisionOutcome
from shifttui.base.tasks import Task, TaskStatus
from shifttui.tui.actions import PROJECT_BINDINGS, ProjectActions
from shifttui.tui.format import (
    duration,
    first_line,
    local_time,
    money,
    shift_glyph,
    shift_outcome,
    shift_style,
    tests_cell,
)
from shifttui.tui.messages import CoreEvent, ProjectsChanged
from shifttui.tui.schedule_text import NextFires, decision_note, decision_status
from shifttui.tui.services import services
from shifttui.tui.widgets.nav_table import NavTable

HISTORY = 200
# Another process (a daemon, a second app) may run shifts and decide: reread this often.
REFRESH_S = 10.0
COLUMNS = [
    ("status", "Status"), ("trigger", "Trigger"), ("started", "Started"), ("dur", "Duration"),
    ("cost", "Cost"), ("turns", "Turns"), ("tests", "Tests"), ("handoff", "Handoff"),
]


def policy_text(project: Project, next_run: str = "") -> Columns:
    """The project's path and state, then every policy field by its label (PolicyMeta), in as
    many columns as the width allows: a long list at 80 columns would hide the limits."""
    pairs = [
        ("path", project.path),
        ("state", ("paused: " + (project.paused_reason or "")) if project.paused else "active"),
    ]
    for f in describe(Policy):
        value = f.text(project.policy) or "—"
        if f.key == "schedule" and next_run:
            value += f" · {next_run}"
        pairs.append((f.meta.label, value))
    cells = [Text.assemble((f"{key} ", "bold"), value) for key, value in pairs]
    return Columns(cells, padding=(0, 3))


class ProjectDetailScreen(ProjectActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="detail.back"),
        *PROJECT_BINDINGS,
        Binding("enter", "open_shift", "Open shift", id="detail.open"),
        Binding("T", "add_task", "Add task", id="add_task", show=False),
    ]

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.shifts: list[Shift] = []
        self.decisions: list[Decision] = []
        # The table's rows, newest first: shifts and the decisions that did not start one.
        self.entries: list[Shift | Decision] = []
        self.notes: dict[str, Text] = {}
        self.wide = False
        self.tasks: list[Task] = []  # the project's open tasks, in the order shifts take them

    def compose(self) -> ComposeResult:
        yield Label(self.project_id, id="detail-title", classes="screen-title")
        with VerticalScroll(id="policy-box"):
            yield Static("", id="policy")
        yield Static("", id="tasks")
        yield NavTable(id="shifts", cursor_type="row")
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
        self.set_interval(REFRESH_S, self.reload)

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def reload(self) -> None:
        store = services(self).store
        project = await store.projects.get(self.project_id)
        self.shifts = await store.shifts.list(project.id, limit=HISTORY)
        self.decisions = await store.scheduling.decisions(project.id, limit=HISTORY)
        handoffs: dict[str, Handoff] = {
            h.shift_id: h for h in await store.handoffs.history(project.id, limit=HISTORY)
        }
        svc = services(self)
        # A started decision is its shift's row (its reason goes in the note); the others
        # are rows of their own, in time order with the shifts.
        started = {d.shift_id: d for d in self.decisions if d.outcome is DecisionOutcome.STARTED
                   and d.shift_id}
        others = [d for d in self.decisions if d.outcome is not DecisionOutcome.STARTED
                  or not d.shift_id]
        rows: list[Shift | Decision] = [*self.shifts, *others]
        self.entries = sorted(rows, key=_when, reverse=True)[:HISTORY]
        title = f"{project.name} · {len(self.shifts)} shift(s)"
        if others:
            title += f" · {len(others)} not started"
        self.query_one("#detail-title", Label).update(
            f"{title} · Enter: log & handoff · Esc: back"
        )
        next_run = NextFires(svc.tz).text(project, svc.clock.now())
        self.query_one("#policy", Static).update(policy_text(project, next_run))
        self.tasks = await store.tasks.open(project.id)
        tasks = self.query_one("#tasks", Static)
        tasks.update(tasks_text(self.tasks))
        tasks.display = bool(self.tasks)
        self.notes = {}
        table = self.table
        keep = table.cursor_row
        table.clear()
        for entry in self.entries:
            if isinstance(entry, Decision):
                self._add_decision(entry)
            else:
                self._add_shift(entry, handoffs.get(entry.id), started.get(entry.id))
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1), animate=False)
        self._show_note()

    def _add_shift(self, s: Shift, handoff: Handoff | None, started: Decision | None) -> None:
        note = Text()
        if handoff is not None:
            note = Text.assemble(("handoff: ", "bold"), first_line(handoff.summary, 200))
        elif s.error:
            note = Text.assemble(("why: ", "bold"), first_line(s.error, 200))
        plain = note.plain.split(": ", 1)[1] if note.plain else ""
        if started is not None:
            note.append("\n" if note.plain else "")
            note.append_text(decision_note(started))
        if note.plain:
            self.notes[s.id] = note
        self.table.add_row(
            Text(f"{shift_glyph(s)} {shift_outcome(s)}", style=shift_style(s)),
            s.trigger.value, local_time(s.started_at)[5:], duration(s.duration_s),
            money(s.cost_usd), str(s.num_turns), tests_cell(s),
            *([first_line(plain, 50)] if self.wide else []), key=s.id,
        )

    def _add_decision(self, d: Decision) -> None:
        key = f"decision-{d.id}"
        self.notes[key] = decision_note(d)
        self.table.add_row(
            decision_status(d), Text(d.source, style="dim"), local_time(d.ts)[5:],
            "", "", "", "", *([first_line(d.detail, 50)] if self.wide else []), key=key,
        )

    def current_project_id(self) -> str | None:
        return self.project_id

    def selected_entry(self) -> Shift | Decision | None:
        row = self.table.cursor_row
        if 0 <= row < len(self.entries):
            return self.entries[row]
        return None

    def selected_shift_id(self) -> str | None:
        entry = self.selected_entry()
        return entry.id if isinstance(entry, Shift) else None

    def _show_note(self) -> None:
        entry = self.selected_entry()
        key = "" if entry is None else (
            entry.id if isinstance(entry, Shift) else f"decision-{entry.id}")
        self.query_one("#shift-note", Static).update(self.notes.get(key, ""))

    def action_open_shift(self) -> None:
        from shifttui.tui.screens.shift_log import ShiftLogScreen

        entry = self.selected_entry()
        if isinstance(entry, Shift):
            self.app.push_screen(ShiftLogScreen(entry.id))
        elif isinstance(entry, Decision) and entry.shift_id:
            self.app.push_screen(ShiftLogScreen(entry.shift_id))

    @on(DataTable.RowHighlighted, "#shifts")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_note()

    @on(DataTable.RowSelected, "#shifts")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_shift()

    def action_close(self) -> None:
        self.dismiss(None)

    # -- tasks --------------------------------------------------------------------------------
    def action_add_task(self) -> None:
        self.app.run_worker(self._add_task(), group="form", exit_on_error=False)

    async def _add_task(self) -> None:
        from shifttui.tui.screens.task_form import TaskFormModal

        svc = services(self)
        project = await svc.store.projects.get(self.project_id)
        task = await self.app.push_screen_wait(TaskFormModal(project.name))
        if task is None:
            return
        added = await svc.store.tasks.add(project.id, task, svc.clock.now())
        self.notify(f"Task #{added.number} added to {project.name}; the next shift sees it.")
        self.reload()

    def close_task(self, number: int, status: TaskStatus) -> None:
        self.app.run_worker(self._close_task(number, status), group="tasks",
                            exit_on_error=False)

    async def _close_task(self, number: int, status: TaskStatus) -> None:
        svc = services(self)
        task = await svc.store.tasks.close(self.project_id, number, status, svc.clock.now())
        self.notify(f"Task #{task.number} {task.status.value}: {first_line(task.title, 60)}")
        self.reload()

    def task_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """The palette's task commands here: (name, help, run) for each open task."""
        commands: list[tuple[str, str, Callable[[], None]]] = [
            ("Add task", "Add a task for this project's shifts (T)", self.action_add_task)]
        for t in self.tasks:
            title = first_line(t.title, 50)
            commands.append((f"Task #{t.number} done: {title}", "Mark the task done by hand",
                             partial(self.close_task, t.number, TaskStatus.DONE)))
            commands.append((f"Drop task #{t.number}: {title}", "Nobody should do it",
                             partial(self.close_task, t.number, TaskStatus.DROPPED)))
        return commands

    def on_projects_changed(self, message: ProjectsChanged) -> None:
        self.reload()

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        if isinstance(event, ShiftStarted | ShiftEnded):
            pid = event.shift.project_id
            if pid == self.project_id:
                self.reload()
        elif isinstance(event, Notice) and event.kind == "scheduler" \
                and event.project_id == self.project_id:
            self.reload()


def tasks_text(tasks: list[Task], shown: int = 5) -> Text:
    """The open tasks, the one the next shift takes first."""
    text = Text.assemble((f"open tasks ({len(tasks)}, the top one next)", "bold"))
    for t in tasks[:shown]:
        pri = f" · priority {t.priority}" if t.priority else ""
        text.append(f"\n  #{t.number} {first_line(t.title, 80)}")
        text.append(pri + (f" · {len(t.deliverables)} deliverable(s)" if t.deliverables
                           else ""), style="dim")
    if len(tasks) > shown:
        text.append(f"\n  … and {len(tasks) - shown} more (`shifttui task list`, or ctrl+p)",
                    style="dim")
    return text


def _when(entry: Shift | Decision) -> datetime:
    return entry.started_at if isinstance(entry, Shift) else entry.ts
