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
from textual.widgets import Button, DataTable, Footer, Input, Label, Markdown, Static, TextArea

from shifttui.base.bus import ShiftEnded
from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import Shift
from shifttui.review.diff import DiffStat
from shifttui.review.inbox import (
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
from shifttui.tui.services import services

STAT_LINES_SHOWN = 30
COLUMNS = [("st", " "), ("project", "Project"), ("outcome", "Outcome"), ("ended", "Ended"),
           ("cost", "Cost"), ("summary", "Summary")]


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


class DiffModal(ModalScreen[None]):
    """The full `git diff` of a shift's changes, scrollable (bounded by the core)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="diff.close"),
    ]
    DEFAULT_CSS = """
    DiffModal #diff-text { height: 1fr; border: none; padding: 0; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            yield TextArea(self._text, read_only=True, soft_wrap=False, id="diff-text",
                           show_line_numbers=False)
            yield Static("Esc closes · arrows / PgUp / PgDn scroll", classes="hint")

    def on_mount(self) -> None:
        area = self.query_one("#diff-text", TextArea)
        area.cursor_blink = False
        area.focus()

    def action_close(self) -> None:
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
        Binding("l", "open_log", "Log", id="inbox.log"),
        Binding("d", "open_diff", "Diff", id="inbox.diff"),
    ]
    DEFAULT_CSS = """
    InboxScreen #inbox-table { height: auto; max-height: 40%; }
    InboxScreen #inbox-detail { height: 1fr; padding: 0 1; border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: list[InboxItem] = []
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

    # -- data ---------------------------------------------------------------------------------

    @work(exclusive=True, group="inbox", exit_on_error=False)
    async def reload(self) -> None:
        store = services(self).store
        keep = self._want or self.current_shift_id()
        self.items = await inbox(store, with_diff=False)
        self.total = await unreviewed_count(store)
        self._want = None
        self._render_rows(keep)

    def _render_rows(self, keep: str | None) -> None:
        table = self.table
        # The other columns take about 60 cells: the summary gets the rest, so no scrollbar.
        room = max(12, self.app.size.width - 62)
        table.clear()
        for item in self.items:
            s = item.shift
            ended = s.ended_at or s.started_at
            table.add_row(
                Text(shift_glyph(s), style=shift_style(s)),
                item.project.name,
                Text(shift_outcome(s), style=shift_style(s)),
                local_time(ended)[5:],
                money(s.cost_usd),
                first_line(_summary(item), room),
                key=s.id,
            )
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
        item = self.current()
        if item is not None:
            text.append(f" · {self.items.index(item) + 1} of {len(self.items)}")
        self.query_one("#inbox-title", Label).update(text)

    def _show_current(self) -> None:
        self._update_title()
        item = self.current()
        md = self.query_one("#inbox-md", Markdown)
        if item is None:
            md.update("Nothing to review. Ended shifts appear here until you rate them "
                      "(1-5) or mark them reviewed (m).")
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
        title = f"git diff · {item.project.name} · shift {item.shift.id}"
        await self.app.push_screen(DiffModal(title, text))

    def action_close(self) -> None:
        self.dismiss(None)


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
             "", " · ".join(facts) + f" · `{s.id}`", ""]
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
    if s.files_changed and item.handoff is None:  # the handoff lists them too
        lines += ["**Files changed:** " + ", ".join(f"`{f}`" for f in s.files_changed[:40]),
                  ""]
    if item.handoff is not None:
        lines += [f"*Handoff by {item.handoff.author.value}*", "",
                  handoff_markdown(item.handoff)]
    else:
        lines += [f"No handoff: the shift is {s.status.value}. Press l for its log."]
    return "\n".join(lines)
