"""The review inbox: ended shifts nobody has looked at yet, across projects, newest first.

Rate one 1-5 with a note (the note reaches the project's next shifts through the context), or
mark it reviewed; read its handoff, diff stat and failure here, its full log and `git diff`
one key away.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Markdown, Static

from shifttui.base.bus import ShiftEnded
from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import MergeState, Shift
from shifttui.base.text import printable
from shifttui.review.diff import DiffStat
from shifttui.review.inbox import (
    INBOX_STATUSES,
    InboxItem,
    inbox,
    mark_reviewed,
    review,
    shift_diff,
    shift_diff_stat,
    unreviewed_count,
)
from shifttui.tui.format import (
    duration,
    first_line,
    handoff_markdown,
    local_time,
    money,
    shift_glyph,
    shift_outcome,
    shift_style,
)
from shifttui.tui.messages import CoreEvent
from shifttui.tui.screens import inbox_acts
from shifttui.tui.screens.diff_view import DiffScreen
from shifttui.tui.screens.inbox_acts import InboxFilter
from shifttui.tui.services import services

STAT_LINES_SHOWN = 30
COLUMNS = [("st", " "), ("project", "Project"), ("outcome", "Outcome"), ("checks", "Checks"),
           ("merge", "Merge"), ("ended", "Ended"), ("cost", "Cost"), ("summary", "Summary")]
# Other processes (the CLI, a daemon, another window) rate, merge and end shifts: look again
# this often (one query; the rows are rebuilt only when something changed).
REFRESH_S = 2.0
_CHECKS = {None: ("-", ""), True: ("pass", "green"), False: ("FAIL", "bold red")}
_MERGE_STYLE = {MergeState.UNMERGED: "yellow", MergeState.MERGED: "green",
                MergeState.DISCARDED: "dim"}


class RateModal(ModalScreen[str | None]):
    """The note that goes with a rating (may be empty); None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rate.cancel"),
    ]

    def __init__(self, rating: int, what: str) -> None:
        super().__init__()
        self.rating, self._what = rating, what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Rate {self.rating}/5 · {self._what}", classes="dialog-title")
            yield Static("A note for the next shifts on this project (optional), e.g. "
                         "\"always run the tests\". It goes into their context.",
                         classes="dialog-body")
            yield Input(placeholder="note", id="note", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (enter)", variant="primary", id="ok", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.dismiss(self.query_one("#note", Input).value.strip())
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class InboxScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="inbox.back"),
        # j/k as in every list (n and p are new project and pause on the main screen).
        Binding("j", "step(1)", "Next", key_display="j/k", id="inbox.next"),
        Binding("k", "step(-1)", "Prev", show=False, id="inbox.previous"),
        Binding("1", "rate(1)", "Rate", key_display="1-5", id="inbox.rate"),
        *(Binding(str(n), f"rate({n})", f"Rate {n}", show=False, id=f"inbox.rate{n}")
          for n in range(2, 6)),
        Binding("space", "mark_reviewed", "Reviewed", id="inbox.reviewed"),
        # At 80 columns the footer ends near Discard: l, M and R are in the help, the palette
        # and the detail's key line.
        Binding("l", "open_log", "Log", show=False, id="inbox.log"),
        Binding("d", "open_diff", "Diff", id="inbox.diff"),
        Binding("m", "merge", "Merge", id="inbox.merge"),
        Binding("M", "merge_passed", "Merge passed", show=False, id="inbox.merge_passed"),
        Binding("x", "discard", "Discard", id="inbox.discard"),
        Binding("R", "review_project", "Project reviewed", show=False,
                id="inbox.reviewed_project"),
        Binding("F", "filter", "Filter", id="inbox.filter"),
    ]
    KEY_LINE = ("*l log · d diff · m merge (with those before) · M merge all that passed · "
                "x discard · R all of the project reviewed · F filter*")
    DEFAULT_CSS = """
    InboxScreen #inbox-table { height: auto; max-height: 40%; }
    InboxScreen #inbox-detail { height: 1fr; padding: 0 1; border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.all_items: list[InboxItem] = []
        self.items: list[InboxItem] = []  # those the filter keeps, as shown
        self.filter = InboxFilter.ALL
        self.total = 0
        self.stats: dict[str, DiffStat] = {}
        self._want: str | None = None  # the shift to select after a reload

    def compose(self) -> ComposeResult:
        yield Label("Review inbox", id="inbox-title", classes="screen-title")
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=False)
        with VerticalScroll(id="inbox-detail"):
            yield Markdown("", id="inbox-md")
        yield Footer()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#inbox-table", DataTable)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        self.table.focus()
        self.reload()
        self.set_interval(REFRESH_S, self._look_again)

    # -- data ---------------------------------------------------------------------------------

    @work(exclusive=True, group="inbox", exit_on_error=False)
    async def reload(self) -> None:
        store = services(self).store
        keep = self._want or self.current_shift_id()
        self.all_items = await inbox(store, with_diff=False)
        self.total = await unreviewed_count(store)
        self._want = None
        self._render_rows(keep)

    @work(exclusive=True, group="inbox-look", exit_on_error=False)
    async def _look_again(self) -> None:
        shifts = await services(self).store.shifts.unreviewed(INBOX_STATUSES)
        if [_signature(s) for s in shifts] != [_signature(i.shift) for i in self.all_items]:
            self.reload()

    def _render_rows(self, keep: str | None) -> None:
        table = self.table
        self.items = [i for i in self.all_items if self.filter.keeps(i.shift)]
        rows = [_cells(item) for item in self.items]
        # The summary gets what the other columns leave (each 2 cells of padding): no scrollbar.
        used = sum(max([len(label), *(len(r[i]) for r in rows)]) + 2
                   for i, (_, label) in enumerate(COLUMNS[:-1]))
        room = max(12, self.app.size.width - used - 4)
        table.clear()
        for item, cells in zip(self.items, rows, strict=True):
            table.add_row(*cells, first_line(_summary(item), room), key=item.shift.id)
        index = next((i for i, it in enumerate(self.items) if it.shift.id == keep), 0)
        if self.items:
            table.move_cursor(row=min(index, len(self.items) - 1), animate=False)
        self._show_current()

    def on_resize(self) -> None:
        if self.items:
            self._render_rows(self.current_shift_id())

    def current(self) -> InboxItem | None:
        row = self.table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def current_shift_id(self) -> str | None:
        item = self.current()
        return item.shift.id if item else None

    def _update_title(self) -> None:
        text = Text("Review inbox", style="bold")
        text.append(f"  {self.total} unreviewed")
        if self.filter is not InboxFilter.ALL:
            text.append(f" · showing {self.filter.value} ({len(self.items)})", style="bold")
        item = self.current()
        if item is not None:
            text.append(f" · {self.items.index(item) + 1} of {len(self.items)}")
        self.query_one("#inbox-title", Label).update(text)

    def _show_current(self) -> None:
        self._update_title()
        item = self.current()
        md = self.query_one("#inbox-md", Markdown)
        if item is None:
            md.update(f"No {self.filter.value} shift to review: F shows all."
                      if self.filter is not InboxFilter.ALL and self.all_items else
                      "Nothing to review. Ended shifts appear here until you rate them "
                      "(1-5) or mark them reviewed (space).")
            return
        md.update(detail_markdown(item, self.stats.get(item.shift.id)))
        self.query_one("#inbox-detail", VerticalScroll).scroll_home(animate=False)
        if item.shift.id not in self.stats:
            self._load_stat(item)

    @work(exclusive=True, group="inbox-stat", exit_on_error=False)
    async def _load_stat(self, item: InboxItem) -> None:
        stat = await shift_diff_stat(services(self).store, item.shift, item.project)
        self.stats[item.shift.id] = stat
        if self.current_shift_id() == item.shift.id:
            self.query_one("#inbox-md", Markdown).update(detail_markdown(item, stat))

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_current()

    def on_core_event(self, message: CoreEvent) -> None:
        if isinstance(message.event, ShiftEnded):
            self.reload()

    # -- actions ------------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        if not self.items:
            return
        target = self.table.cursor_row + delta
        if not 0 <= target < len(self.items):
            self.notify("No newer shift to review." if delta < 0
                        else "That was the last shift to review.")
            return
        self.table.move_cursor(row=target, animate=False)

    def action_rate(self, rating: int) -> None:
        item = self.current()
        if item is None:
            self.notify("Nothing to rate.", severity="warning")
            return

        def done(note: str | None) -> None:
            if note is not None:
                self._act(self._review(item.shift, rating, note))

        what = f"{item.project.name} · {item.shift.id}"
        self.app.push_screen(RateModal(rating, what), callback=done)

    def action_mark_reviewed(self) -> None:
        item = self.current()
        if item is None:
            self.notify("Nothing to mark.", severity="warning")
            return
        self._act(self._mark(item.shift))

    def _act(self, coro: Any) -> None:
        # On the app: errors reach its single worker-error handler, as other actions' do.
        self.app.run_worker(coro, group="inbox-review", exit_on_error=False)

    def _next_after(self, shift_id: str) -> str | None:
        ids = [it.shift.id for it in self.items]
        if shift_id not in ids:
            return None
        i = ids.index(shift_id)
        rest = ids[i + 1:] or ids[:i][-1:]
        return rest[0] if rest else None

    async def _review(self, shift: Shift, rating: int, note: str) -> None:
        svc = services(self)
        await review(svc.store, shift, rating, note, svc.clock.now())
        self.notify(f"Rated {rating}/5" + (": the next shift will read your note."
                                           if note else "."))
        self._want = self._next_after(shift.id)
        self.reload()

    async def _mark(self, shift: Shift) -> None:
        svc = services(self)
        await mark_reviewed(svc.store, shift, svc.clock.now())
        self.notify("Marked reviewed.")
        self._want = self._next_after(shift.id)
        self.reload()

    def action_open_log(self) -> None:
        from shifttui.tui.screens.shift_log import ShiftLogScreen

        shift_id = self.current_shift_id()
        if shift_id is not None:
            self.app.push_screen(ShiftLogScreen(shift_id))

    def action_open_diff(self) -> None:
        item = self.current()
        if item is not None:
            self._open_diff(item)

    @work(exclusive=True, group="inbox-diff", exit_on_error=False)
    async def _open_diff(self, item: InboxItem) -> None:
        try:
            text = await shift_diff(services(self).store, item.shift)
        except ShiftTuiError as exc:
            self.notify(str(exc), severity="error")
            return
        title = f"Diff · {item.project.name} · shift {item.shift.id}"
        await self.app.push_screen(DiffScreen(title, text))

    # -- acting on shifts (asks first; on the app, so leaving the inbox cuts nothing) --------

    def action_filter(self) -> None:
        self.filter = self.filter.next()
        self._render_rows(self.current_shift_id())
        self.notify(f"Showing {self.filter.value} shifts.", timeout=2)

    def _acting(self, what: str, act: Any) -> None:
        item = self.current()
        if item is None:
            self.notify(f"Nothing to {what}.", severity="warning")
            return

        async def run() -> None:
            done = await act(self.app, item)
            if done is not None:
                self.notify(done)
                self.reload()

        self._act(run())

    def action_merge(self) -> None:
        self._acting("merge", lambda app, it: inbox_acts.merge_upto(app, it.project, it.shift))

    def action_merge_passed(self) -> None:
        self._acting("merge", lambda app, it: inbox_acts.merge_passed(app, it.project))

    def action_discard(self) -> None:
        self._acting("discard", lambda app, it: inbox_acts.discard_one(app, it.project,
                                                                         it.shift))

    def action_review_project(self) -> None:
        self._acting("mark", lambda app, it: inbox_acts.review_project(app, it.project))

    def action_close(self) -> None:
        self.dismiss(None)


def _signature(s: Shift) -> tuple[object, ...]:
    return (s.id, s.status, s.merge_state, s.checks_passed)


def _cells(item: InboxItem) -> list[Text | str]:
    s = item.shift
    check, check_style = _CHECKS[s.checks_passed]
    merge = Text(s.merge_state.value, style=_MERGE_STYLE[s.merge_state]) if s.merge_state \
        else Text("-")
    return [Text(shift_glyph(s), style=shift_style(s)), item.project.name,
            Text(shift_outcome(s), style=shift_style(s)), Text(check, style=check_style),
            merge, local_time(s.ended_at or s.started_at)[5:], money(s.cost_usd)]


def _summary(item: InboxItem) -> str:
    """The handoff's first line, else the error (the outcome column has the status)."""
    if item.handoff is not None:
        return item.handoff.summary
    return item.shift.error or ""


def detail_markdown(item: InboxItem, stat: DiffStat | None) -> str:
    s = item.shift
    facts = [s.trigger.value, f"started {local_time(s.started_at)}", duration(s.duration_s),
             money(s.cost_usd), f"{s.num_turns} turns"]
    lines = [f"### {item.project.name} · {shift_glyph(s)} {shift_outcome(s)}",
             "", InboxScreen.KEY_LINE, "", " · ".join(facts) + f" · `{s.id}`", ""]
    if s.failure_kind is not None or (s.error and item.handoff is None):
        kind = s.failure_kind.value if s.failure_kind else s.status.value
        lines += [f"**Failure:** {kind}" + (f": {first_line(s.error, 300)}" if s.error
                                            else ""), ""]
    if s.test_result is not None:
        r = s.test_result
        verdict = "passed" if r.passed else ("timed out" if r.timed_out else "FAILED")
        lines += [f"**Tests:** `{r.command}` {verdict} (exit {r.exit_code})", ""]
    if stat is None:
        lines += ["**Changes:** …", ""]
    else:
        lines += [f"**Changes:** {stat.summary()} (d: full diff)", ""]
        shown = stat.lines()[:STAT_LINES_SHOWN]
        if shown:
            more = len(stat.files) - len(shown)
            lines += ["```", *shown, *([f"… and {more} more"] if more > 0 else []), "```", ""]
    if item.violations:
        lines += [f"**Blocked:** the guards refused the agent {item.violations} time"
                  f"{'s' if item.violations != 1 else ''}", "",
                  *(f"- {printable(b)}" for b in item.blocked), ""]
    if s.merge_state is not None:
        hint = {MergeState.UNMERGED: " (m merges it, x discards it)"}.get(s.merge_state, "")
        lines += [f"**Merge:** {s.merge_state.value} on `{s.branch}`{hint}", ""]
    if s.files_changed and item.handoff is None:  # the handoff lists them too
        lines += ["**Files changed:** " + ", ".join(f"`{f}`" for f in s.files_changed[:40]),
                  ""]
    if item.handoff is not None:
        lines += [f"*Handoff by {item.handoff.author.value}*", "",
                  handoff_markdown(item.handoff)]
    else:
        lines += [f"No handoff: the shift is {s.status.value}. Press l for its log."]
    return "\n".join(lines)
