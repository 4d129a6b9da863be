"""A shift's events as rows to walk through: Enter opens one whole, `/` searches the stored
history (not only the rows loaded), `[` `]` step through the matches, F filters by kind.

The live pane (shift_pane.py) follows a flood cheaply; this view is for reading: it holds at most
a page of rows, loads another page around a match that lies outside it, and appends live events
in batches while it shows the newest page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from shifttui.base.models import ShiftEvent
from shifttui.base.text import printable
from shifttui.store.event_search import EventSearch
from shifttui.tui.event_text import LogFilter, highlighted
from shifttui.tui.feeds import event_feeds
from shifttui.tui.format import kind_glyph
from shifttui.tui.services import services
from shifttui.tui.widgets.nav_table import NavTable

PAGE = 500
# Live events are added this often, at most LIVE_BATCH of them; a larger burst reloads the page.
LIVE_FLUSH_S = 0.3
LIVE_BATCH = 200
SUMMARY_MAX = 300


class SearchInput(Input):
    """The `/` line: Enter searches, Esc puts it away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close search", id="search.close"),
    ]

    class Dismissed(Message):
        pass

    def action_dismiss(self) -> None:
        self.post_message(self.Dismissed())


class EventBrowser(Vertical):
    """One shift's events, a page at a time, with filter and search."""

    DEFAULT_CSS = """
    EventBrowser { height: 1fr; }
    EventBrowser #browser-status { height: 1; padding: 0 1; background: $panel; }
    EventBrowser DataTable { height: 1fr; }
    EventBrowser SearchInput { display: none; }
    EventBrowser SearchInput.shown { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="log.search"),
        Binding("right_square_bracket", "match(1)", "Next match", id="log.next_match"),
        Binding("left_square_bracket", "match(-1)", "Prev match", id="log.prev_match"),
        Binding("F", "cycle_filter", "Filter", id="log.filter"),
    ]

    class Open(Message):
        """Enter on a row: the screen opens the event whole."""

        def __init__(self, event: ShiftEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, shift_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shift_id = shift_id
        self.filter = LogFilter.ALL
        self.needle: str | None = None
        self.matches: list[int] = []
        self.match_index = -1
        self.events: list[ShiftEvent] = []
        self.total = 0
        self.loaded = False
        self.at_tail = True  # the newest page is shown: live events are appended
        self._pending: list[ShiftEvent] = []
        self._overflow = False
        self._unwatch: Callable[[], None] | None = None
        self._want_seq: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="browser-status")
        yield NavTable(id="events", cursor_type="row", zebra_stripes=False)
        yield SearchInput(placeholder="search this shift's whole log (Enter; Esc closes)",
                          id="search", compact=True)

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#events", DataTable)

    def on_mount(self) -> None:
        self.table.add_column("time", key="time", width=8)
        self.table.add_column("", key="kind", width=1)
        self.table.add_column("event", key="summary")
        feeds = event_feeds(self)
        if feeds is not None:
            self._unwatch = feeds.watch(self.shift_id, self._live)
        self.set_interval(LIVE_FLUSH_S, self._flush_live)
        self.reload()

    def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    def _search(self) -> EventSearch:
        return EventSearch(services(self).store.db)

    # -- loading ------------------------------------------------------------------------------

    @work(exclusive=True, group="browse", exit_on_error=False)
    async def reload(self, around: int | None = None) -> None:
        search = self._search()
        scope = self.filter.scope
        self._pending.clear()
        self._overflow = False
        events = await search.page(self.shift_id, scope, around=around, limit=PAGE)
        self.total = await search.count(self.shift_id, scope)
        self.at_tail = around is None or (
            bool(events) and events[-1].seq >= await self._last_in_scope())
        self._fill(events)
        target = around if around is not None else self._want_seq
        self._want_seq = None
        if target is not None:
            self._move_to(target)
        elif events:
            self.table.move_cursor(row=len(events) - 1, animate=False)
        self.loaded = True
        self._show_status()

    async def _last_in_scope(self) -> int:
        last = await self._search().page(self.shift_id, self.filter.scope, limit=1)
        return last[-1].seq if last else 0

    def _fill(self, events: Sequence[ShiftEvent]) -> None:
        table = self.table
        table.clear()
        self.events = list(events)
        for event in self.events:
            table.add_row(*self._cells(event), key=str(event.seq))

    def _cells(self, event: ShiftEvent) -> tuple[Text, Text, Text]:
        glyph, style = kind_glyph(event.kind)
        summary = " ".join(printable(event.summary).split())
        if len(summary) > SUMMARY_MAX:
            summary = summary[: SUMMARY_MAX - 1] + "…"
        line = highlighted(summary, self.needle)
        line.stylize(style)
        return (Text(event.ts.astimezone().strftime("%H:%M:%S"), style="dim"),
                Text(glyph, style=style or ""), line)

    # -- live events --------------------------------------------------------------------------

    def _live(self, events: Sequence[ShiftEvent]) -> None:
        if not self.loaded or not self.at_tail:
            return
        scope = self.filter.scope
        fresh = [e for e in events if scope.admits(e)]
        self._pending.extend(fresh[-LIVE_BATCH:])
        if len(fresh) > LIVE_BATCH or len(self._pending) > LIVE_BATCH:
            self._overflow = True
            del self._pending[:-LIVE_BATCH]

    def _flush_live(self) -> None:
        if not self._pending and not self._overflow:
            return
        if self._overflow:
            self._overflow = False
            self._pending.clear()
            self.reload()
            return
        last = self.events[-1].seq if self.events else -1
        new = [e for e in self._pending if e.seq > last]
        self._pending.clear()
        if not new:
            return
        table = self.table
        following = table.cursor_row >= len(self.events) - 1
        for event in new:
            table.add_row(*self._cells(event), key=str(event.seq))
        self.events.extend(new)
        self.total += len(new)
        if len(self.events) > 2 * PAGE:
            self.reload()
            return
        if following:
            table.move_cursor(row=len(self.events) - 1, animate=False)
        self._show_status()

    # -- rows, status -------------------------------------------------------------------------

    def current_event(self) -> ShiftEvent | None:
        row = self.table.cursor_row
        return self.events[row] if 0 <= row < len(self.events) else None

    def _move_to(self, seq: int) -> bool:
        for i, event in enumerate(self.events):
            if event.seq >= seq:
                self.table.move_cursor(row=i, animate=False)
                return event.seq == seq
        return False

    def _show_status(self) -> None:
        text = Text()
        if self.events:
            text.append(f"{len(self.events):,} of {self.total:,} events")
        else:
            text.append("no events" if self.filter is LogFilter.ALL
                        else f"no {self.filter.label} events")
        text.append(" · filter: ", style="dim")
        text.append(self.filter.label, style="bold" if self.filter is not LogFilter.ALL else "")
        if self.needle:
            text.append(" · ", style="dim")
            text.append(f"/{self.needle}", style="bold")
            if self.matches:
                where = f" {self.match_index + 1} of {len(self.matches):,}" \
                    if self.match_index >= 0 else f" {len(self.matches):,} matches"
                text.append(where)
            else:
                text.append(" no match", style="yellow")
        text.append("  ⏎ open · / search · [ ] matches · F filter", style="dim")
        self.query_one("#browser-status", Static).update(text)

    @on(DataTable.RowSelected, "#events")
    def _row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        event = self.current_event()
        if event is not None:
            self.post_message(self.Open(event))

    # -- actions ------------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one(SearchInput)
        box.add_class("shown")
        box.value = self.needle or ""
        box.focus()

    @on(SearchInput.Dismissed)
    def _search_dismissed(self) -> None:
        self.query_one(SearchInput).remove_class("shown")
        self.table.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.query_one(SearchInput).remove_class("shown")
        self.table.focus()
        self.find(message.value.strip() or None)

    @work(exclusive=True, group="find", exit_on_error=False)
    async def find(self, needle: str | None) -> None:
        """Search the stored log; the cursor goes to the first match from the cursor on."""
        self.needle = needle
        self.matches = (await self._search().matches(self.shift_id, needle, self.filter.scope)
                        if needle else [])
        self.match_index = -1
        for event in self.events:  # re-mark the loaded rows
            self.table.update_cell(str(event.seq), "summary", self._cells(event)[2])
        if self.matches:
            current = self.current_event()
            start = current.seq if current is not None else 0
            index = next((i for i, s in enumerate(self.matches) if s >= start), 0)
            await self._go(index)
        self._show_status()

    def action_match(self, step: int) -> None:
        if not self.matches:
            self.notify("Press / to search this shift's log." if not self.needle
                        else f"No event matches {self.needle!r}.", severity="warning")
            return
        self._step(step)

    @work(exclusive=True, group="find", exit_on_error=False)
    async def _step(self, step: int) -> None:
        await self._go((self.match_index + step) % len(self.matches))
        self._show_status()

    async def _go(self, index: int) -> None:
        self.match_index = index
        seq = self.matches[index]
        if not self._move_to(seq):
            # Outside the loaded page: load the page around it (reload moves the cursor there).
            self.reload(around=seq)

    def action_cycle_filter(self) -> None:
        self.filter = self.filter.next()
        current = self.current_event()
        self._want_seq = current.seq if current is not None else None
        self.reload()
        if self.needle:
            self.find(self.needle)
