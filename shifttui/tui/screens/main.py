"""The main screen: the projects table above one live pane per running shift."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Static, TabbedContent, TabPane
from textual.widgets.data_table import CellDoesNotExist

from shifttui.base.bus import (
    QuestionAsked,
    QuestionClosed,
    ShiftEnded,
    ShiftProgress,
    ShiftStarted,
)
from shifttui.base.models import Project, Sandbox, Shift
from shifttui.base.plan import PlanState
from shifttui.review.inbox import unreviewed_count
from shifttui.scheduling.budget import local_midnight
from shifttui.scheduling.views import SchedulerState, scheduler_state
from shifttui.store.changes import Stamp
from shifttui.system.gc import settle_gc
from shifttui.tui.actions import PROJECT_BINDINGS, ProjectActions
from shifttui.tui.data import ProjectRow, limits_text, load_project_rows, project_glyph
from shifttui.tui.format import STATUS_GLYPH, ago, money, shift_glyph, shift_outcome, shift_style
from shifttui.tui.messages import CoreEvent, ProjectsChanged, SchedulerChanged
from shifttui.tui.schedule_text import NextFires, plan_text, scheduler_text
from shifttui.tui.services import services
from shifttui.tui.widgets.nav_table import NavTable
from shifttui.tui.widgets.shift_pane import ShiftPane

# The database's change stamp is read this often (one small query); the table, the header's
# lease and spending and the unreviewed count are read again only when it moved, since another
# process (a daemon, the CLI, a second window) may write at any time.
REFRESH_S = 2.0
# Countdowns and running shifts' clocks repaint once a second while they show seconds (and
# while ended tabs wait to close); when every visible time shows minutes or more, once a
# minute, on the minute (cron fires on it).
TICK_S = 1.0
# "next in 9m59s" shows seconds below ten minutes (scheduling.views.format_in), "59s ago"
# below a minute (base.text.ago).
SECONDS_SHOWN_BEFORE_FIRE = timedelta(minutes=10, seconds=1)
SECONDS_SHOWN_AFTER_END = timedelta(seconds=61)
# An ended shift's tab stays this long (its last lines and outcome), and at most this many do;
# x closes one at once.
ENDED_TAB_KEEP_S = 15 * 60.0
MAX_ENDED_TABS = 3
COLUMNS = [
    ("st", " "), ("name", "Project"), ("schedule", "Schedule"), ("limits", "Limits"),
    ("last", "Last shift"), ("fails", "Fails"), ("paused", "Paused"),
]


def pane_id(shift_id: str) -> str:
    return "shift-" + shift_id


class MainScreen(ProjectActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        *PROJECT_BINDINGS,
        Binding("enter", "open_detail", "Detail", id="detail", show=False),
        Binding("x", "close_pane", "Close pane", id="close_pane", show=False),
        Binding("slash", "search_log", "Search log", id="search_log", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ProjectRow] = []
        self.questions: dict[str, QuestionAsked] = {}
        self._adding: set[str] = set()
        self.scheduler: SchedulerState | None = None
        self.plan: PlanState | None = None  # the subscription's windows, read with the scheduler
        self._next_fires: NextFires | None = None
        self._schedule_cells: dict[str, str] = {}
        self._last_cells: dict[str, Text | str] = {}
        self._stamp: Stamp | None = None
        self._loaded = False  # the first load renders even an empty table
        self._tick_timer: Timer | None = None
        self.unreviewed: int | None = None
        self._select: str | None = None  # a project to select once a reload shows it
        self._tab_names: dict[str, str] = {}  # shift id -> its tab's label after the glyph
        self._ended: dict[str, datetime] = {}  # ended shifts whose tabs are open -> when

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield Label("shifttui", id="title-bar")
            yield NavTable(id="projects", cursor_type="row", zebra_stripes=False)
        with TabbedContent(id="live"):
            with TabPane("Live", id="no-shift"):
                yield Static(
                    "No shift is running. Pick a project and press s to start one, "
                    "n to add a project, ? for help.",
                    id="empty-live",
                )
        yield Footer()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#projects", DataTable)

    def on_mount(self) -> None:
        settle_gc()  # start-up is done: see shifttui.system.gc
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        self.table.focus()
        self._next_fires = NextFires(services(self).tz)
        self.reload()
        self.refresh_scheduler()
        self._restore_panes()
        # Another process (or `shifttui review` in another terminal) may change what we show.
        self.set_interval(REFRESH_S, self._watch_store)
        self._tick_timer = self.set_timer(TICK_S, self._tick)

    # -- projects table -----------------------------------------------------------------------

    def on_resize(self) -> None:
        self._render_rows()

    @work(exclusive=True, group="store-watch", exit_on_error=False)
    async def _watch_store(self) -> None:
        svc = services(self)
        stamp = await svc.store.changes.stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self.reload()
            self.refresh_scheduler()
            self.refresh_unreviewed()
        elif self._scheduler_stale(svc.clock.now()):
            self.refresh_scheduler()

    def _scheduler_stale(self, now: datetime) -> bool:
        """The header's scheduler state can change without a write: another holder's lease
        runs out (it died), or a new day starts the day's spending again."""
        state = self.scheduler
        if state is None:
            return True
        lease = state.lease
        if lease is not None and not lease.mine and not lease.alive(now):
            return True
        return state.budget.day_start != local_midnight(now, services(self).tz)

    @work(exclusive=True, group="scheduler-state", exit_on_error=False)
    async def refresh_scheduler(self) -> None:
        svc = services(self)
        me = svc.scheduler.lease.holder if svc.scheduler is not None else None
        self.scheduler = await scheduler_state(
            svc.store, svc.settings, svc.clock.now(), svc.tz, me=me
        )
        self.plan = await svc.store.plan.state()
        self._update_title()

    @work(exclusive=True, group="unreviewed", exit_on_error=False)
    async def refresh_unreviewed(self) -> None:
        self.unreviewed = await unreviewed_count(services(self).store)
        self._update_title()

    def on_screen_resume(self) -> None:
        # Back from the inbox (or any screen where a shift may have been reviewed).
        self.refresh_unreviewed()

    def on_scheduler_changed(self, message: SchedulerChanged) -> None:
        self.refresh_scheduler()

    def _schedule_cell(self, row: ProjectRow, now: datetime, wide: bool) -> str:
        p = row.project
        if not p.policy.schedule or self._next_fires is None:
            return ""
        when = self._next_fires.text(p, now)
        return f"{p.policy.schedule} · {when}" if wide else when

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def reload(self) -> None:
        rows = await load_project_rows(services(self).store)
        if self._loaded and rows == self.rows and self._select is None:
            return  # a rebuilt table costs a layout; times move on in _tick
        self.rows, self._loaded = rows, True
        self._render_rows()

    @staticmethod
    def _last_cell(row: ProjectRow, now: datetime, wide: bool) -> Text | str:
        if row.running is not None:
            return Text("▶ running " + ago(row.running.started_at, now).replace(" ago", ""),
                        style="bold cyan")
        if row.last is None:
            return ""
        s = row.last
        outcome = shift_outcome(s) if wide else s.status.value
        last = Text(f"{shift_glyph(s)} {outcome}", style=shift_style(s))
        last.append(f" {money(s.cost_usd)} {ago(s.ended_at or s.started_at, now)}", style="")
        return last

    def _render_rows(self) -> None:
        table = self.table
        now = services(self).clock.now()
        selected = self.current_project_id()
        wide = self.app.size.width >= 110
        table.clear()
        for row in self.rows:
            p = row.project
            glyph, style = project_glyph(row)
            schedule = self._schedule_cell(row, now, wide)
            self._schedule_cells[p.id] = schedule
            last = self._last_cell(row, now, wide)
            self._last_cells[p.id] = last
            table.add_row(
                Text(glyph, style=style), _name_cell(p), schedule, limits_text(p), last,
                str(row.failures) if row.failures else "",
                Text("yes", style="yellow") if p.paused else "",
                key=p.id,
            )
        if self._select is not None and any(r.project.id == self._select for r in self.rows):
            selected, self._select = self._select, None
        if selected is not None:
            for i, row in enumerate(self.rows):
                if row.project.id == selected:
                    table.move_cursor(row=i, animate=False)
        self._update_title()

    def _update_title(self) -> None:
        running = sum(1 for r in self.rows if r.running is not None)
        text = Text("shifttui", style="bold")
        text.append(f"  {len(self.rows)} projects · {running} running")
        if self.unreviewed is not None:
            text.append(" · ")
            text.append(f"{self.unreviewed} unreviewed", style="bold" if self.unreviewed else "")
        room = self.app.size.width - 2  # the bar's padding
        if self.questions:
            badge = f"  ? {len(self.questions)} question(s) waiting: press y "
            if text.cell_len + len(badge) > room:  # 80 columns: keep the key visible
                badge = f"  ? {len(self.questions)} question · y "
            text.append(badge, style="bold reverse yellow")
        if self.scheduler is not None:
            right = scheduler_text(self.scheduler, wide=True)
            if text.cell_len + 2 + right.cell_len > room:
                right = scheduler_text(self.scheduler, wide=False)
            svc = services(self)
            plan = plan_text(self.plan, svc.clock.now(), svc.tz,
                             wide=text.cell_len + right.cell_len + 40 <= room)
            if plan is not None and text.cell_len + 5 + right.cell_len + plan.cell_len <= room:
                right = Text.assemble(plan, " · ", right)
            # Right-aligned when it fits; otherwise it follows (and the bar cuts it).
            text.append(" " * max(2, room - text.cell_len - right.cell_len))
            text.append_text(right)
        # One line, full width (app.tcss): a new text never needs a layout of the whole screen
        # (each one took 15-30 ms while shifts streamed: the lag benchmark's worst stalls).
        self.query_one("#title-bar", Label).update(text, layout=False)

    def select_project(self, project_id: str) -> None:
        self._select = project_id

    def current_project_id(self) -> str | None:
        if not self.rows:
            return None
        row = self.table.cursor_row
        if 0 <= row < len(self.rows):
            return self.rows[row].project.id
        return None

    @on(DataTable.RowHighlighted, "#projects")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # The selected project's pane is the one shown: its running shift, else its newest
        # ended one still open.
        pid = self.current_project_id()
        mine = [p for p in self.query(ShiftPane) if p.shift.project_id == pid]
        if mine:
            best = max(mine, key=lambda p: (p.ended_note is None, p.shift.started_at))
            self.query_one("#live", TabbedContent).active = pane_id(best.shift.id)

    @on(TabbedContent.TabActivated, "#live")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane_ = event.pane.query(ShiftPane)
        if not pane_:
            return
        pid = pane_.first().shift.project_id
        for i, row in enumerate(self.rows):
            if row.project.id == pid and self.table.cursor_row != i:
                self.table.move_cursor(row=i, animate=False)

    @on(DataTable.RowSelected, "#projects")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_detail()

    def on_projects_changed(self, message: ProjectsChanged) -> None:
        self.reload()

    def action_open_detail(self) -> None:
        from shifttui.tui.screens.detail import ProjectDetailScreen

        shown = self._shown_pane()
        focused = self.focused
        if shown is not None and focused is not None and focused is not self.table \
                and self.query_one("#live") in focused.ancestors_with_self:
            self._open_log(shown.shift.id)  # Enter in the live pane: drill down into its events
            return
        pid = self.current_project_id()
        if pid is not None:
            self.app.push_screen(ProjectDetailScreen(pid))

    # -- live panes ---------------------------------------------------------------------------

    def _shown_pane(self) -> ShiftPane | None:
        active = self.query_one("#live", TabbedContent).active_pane
        if active is None or not active.query(ShiftPane):
            return None
        return active.query_one(ShiftPane)

    def _open_log(self, shift_id: str, *, search: bool = False) -> None:
        from shifttui.tui.screens.shift_log import ShiftLogScreen

        self.app.push_screen(ShiftLogScreen(shift_id, tab="events", search=search))

    def action_search_log(self) -> None:
        shown = self._shown_pane()
        if shown is None:
            self.notify("No shift log is shown: start a shift (s) or open one from the "
                        "project's detail (Enter).", severity="warning")
            return
        self._open_log(shown.shift.id, search=True)

    @work(group="restore", exit_on_error=False)
    async def _restore_panes(self) -> None:
        svc = services(self)
        for shift in sorted(await svc.store.shifts.running(), key=lambda s: s.started_at):
            await self._add_pane(shift)
        for q in await svc.supervisor.pending_questions():
            self.questions[q.question_id] = q
        self._update_title()

    async def _add_pane(self, shift: Shift) -> ShiftPane | None:
        existing = self.query(f"#{pane_id(shift.id)} ShiftPane")
        if existing:
            return existing.first(ShiftPane)
        # The restore and a ShiftStarted (another process's shift, seen by both) may race.
        if shift.id in self._adding:
            return None
        self._adding.add(shift.id)
        try:
            return await self._mount_pane(shift)
        finally:
            self._adding.discard(shift.id)

    async def _mount_pane(self, shift: Shift) -> ShiftPane:
        svc = services(self)
        project = await svc.store.projects.get(shift.project_id)
        live = self.query_one("#live", TabbedContent)
        if live.query("#no-shift"):
            await live.remove_pane("no-shift")
        pane = ShiftPane(
            shift,
            budget_usd=project.policy.max_budget_usd,
            max_duration_s=(shift.deadline - shift.started_at).total_seconds(),
        )
        # Project and start time: two shifts of one project stay apart, a glyph says how each
        # stands.
        self._tab_names[shift.id] = f"{project.name} {shift.started_at.astimezone():%H:%M}"
        await live.add_pane(TabPane(f"▶ {self._tab_names[shift.id]}", pane,
                                    id=pane_id(shift.id)))
        live.active = pane_id(shift.id)
        return pane

    def _pane(self, shift_id: str) -> ShiftPane | None:
        found = self.query(f"#{pane_id(shift_id)} ShiftPane")
        return found.first(ShiftPane) if found else None

    async def _tick(self) -> None:
        running = False
        for pane in self.query(ShiftPane):
            if pane.ended_note is None:  # an ended pane's figures no longer move
                running = True
                pane.tick()
        now = services(self).clock.now()
        self._tick_cells(now)
        if self._ended:
            await self._prune_tabs()
        if running or self._ended or self._shows_seconds(now):
            delay = TICK_S
        else:
            delay = 60.0 - (now.second + now.microsecond / 1e6) + 0.02
        self._tick_timer = self.set_timer(delay, self._tick)

    def _shows_seconds(self, now: datetime) -> bool:
        for row in self.rows:
            if row.running is not None:
                return True
            last = row.last
            if last is not None and now - (last.ended_at or last.started_at) \
                    < SECONDS_SHOWN_AFTER_END:
                return True
            fire = self._next_fires.fire(row.project) if self._next_fires else None
            if fire is not None and fire - now < SECONDS_SHOWN_BEFORE_FIRE:
                return True
        return False

    async def _prune_tabs(self) -> None:
        """Ended shifts' tabs go ENDED_TAB_KEEP_S after their end, and beyond the newest
        MAX_ENDED_TABS at once: a night of shifts must not leave a tab each."""
        now = services(self).clock.now()
        newest_first = sorted(self._ended, key=lambda sid: self._ended[sid], reverse=True)
        for i, shift_id in enumerate(newest_first):
            age = (now - self._ended[shift_id]).total_seconds()
            if i >= MAX_ENDED_TABS or age >= ENDED_TAB_KEEP_S:
                await self._remove_pane(shift_id)

    async def _remove_pane(self, shift_id: str) -> None:
        self._ended.pop(shift_id, None)
        self._tab_names.pop(shift_id, None)
        live = self.query_one("#live", TabbedContent)
        if live.query(f"#{pane_id(shift_id)}"):
            await live.remove_pane(pane_id(shift_id))
        if not live.query(ShiftPane) and not live.query("#no-shift"):
            await live.add_pane(TabPane("Live", Static(
                "No shift is running. Press s to start one.", id="empty-live"), id="no-shift"))

    def _tick_cells(self, now: datetime) -> None:
        """The "next in" countdowns and the "ago"s, cell by cell, only those whose text
        changed: clearing the table would reset the operator's scrolling, and each changed cell
        costs a repaint."""
        wide = self.app.size.width >= 110
        for row in self.rows:
            pid = row.project.id
            cell = self._schedule_cell(row, now, wide)
            last = self._last_cell(row, now, wide)
            try:
                if self._schedule_cells.get(pid) != cell:
                    self._schedule_cells[pid] = cell
                    self.table.update_cell(pid, "schedule", cell, update_width=True)
                if self._last_cells.get(pid) != last:
                    self._last_cells[pid] = last
                    self.table.update_cell(pid, "last", last, update_width=True)
            except (KeyError, CellDoesNotExist):
                return  # the table is being rebuilt; the next render has it

    async def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        # Event batches reach the panes directly (app.event_feeds), not as messages.
        if isinstance(event, ShiftProgress):
            pane = self._pane(event.stats.shift_id)
            if pane is not None:
                pane.set_stats(event.stats)
        elif isinstance(event, ShiftStarted):
            await self._add_pane(event.shift)
            self.reload()
        elif isinstance(event, ShiftEnded):
            pane = self._pane(event.shift.id)
            if pane is not None:
                pane.flush(force=True)
                pane.mark_ended(event.shift, event.handoff)
                glyph = STATUS_GLYPH[event.shift.status]
                live = self.query_one("#live", TabbedContent)
                tab = live.get_tab(pane_id(event.shift.id))
                tab.label = Text(f"{glyph} {self._tab_names.get(event.shift.id, '')}")
                self._ended[event.shift.id] = services(self).clock.now()
                await self._prune_tabs()
            self.questions = {
                k: q for k, q in self.questions.items() if q.shift_id != event.shift.id
            }
            self.reload()
            self.refresh_unreviewed()
        elif isinstance(event, QuestionAsked):
            self.questions[event.question_id] = event
            self._update_title()
        elif isinstance(event, QuestionClosed):
            self.questions.pop(event.question_id, None)
            self._update_title()

    async def action_close_pane(self) -> None:
        live = self.query_one("#live", TabbedContent)
        active = live.active_pane
        if active is None or not active.query(ShiftPane):
            return
        pane = active.query_one(ShiftPane)
        if pane.ended_note is None:
            self.notify("This shift is still running: abandon (a) or force-complete (f) it.",
                        severity="warning")
            return
        await self._remove_pane(pane.shift.id)


def _name_cell(project: Project) -> Text | str:
    # Sandbox off is the operator's explicit choice; the row says so, so it is never forgotten.
    if project.policy.sandbox is Sandbox.OFF:
        return Text.assemble(project.name, (" · sandbox off", "bold red"))
    return project.name
