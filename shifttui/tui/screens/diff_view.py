"""A shift's diff, full height: its files on the left, the coloured diff on the right, moving
by file (`{` `}` or the list), by hunk (`[` `]`) and by hand (j/k, arrows, PgUp/PgDn)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, RichLog

from shifttui.base.text import printable
from shifttui.tui.widgets.nav_table import NavTable

# The first prefix that matches a line decides its style (file headers before +/- lines).
_STYLES = (("diff --git", "bold cyan"), ("+++", "bold"), ("---", "bold"), ("@@", "cyan"),
           ("+", "green"), ("-", "red"), ("[diff truncated", "bold yellow"))
# A header line starting with one of these belongs to the file section, not its content.
_FILE_META = ("index ", "new file", "deleted file", "old mode", "new mode", "similarity",
              "rename ", "copy ", "Binary files", "--- ", "+++ ")


@dataclass
class DiffFile:
    path: str
    line: int  # where its `diff --git` line is
    added: int = 0
    deleted: int = 0


@dataclass
class ParsedDiff:
    lines: list[str]
    files: list[DiffFile] = field(default_factory=list)
    hunks: list[int] = field(default_factory=list)  # the line of each `@@`


def _path(header: str) -> str:
    # `diff --git a/x b/x`: the b side is the name after the change (a rename's new name).
    rest = header[len("diff --git "):]
    cut = rest.rfind(" b/")
    return rest[cut + 3:] if cut >= 0 else rest


def parse_diff(text: str) -> ParsedDiff:
    """Where each file and hunk of a `git diff` starts, and each file's added/deleted lines."""
    parsed = ParsedDiff(printable(text).splitlines())
    current: DiffFile | None = None
    in_header = False
    for i, line in enumerate(parsed.lines):
        if line.startswith("diff --git "):
            current = DiffFile(_path(line), i)
            parsed.files.append(current)
            in_header = True
        elif current is None:
            continue
        elif line.startswith("@@"):
            parsed.hunks.append(i)
            in_header = False
        elif in_header and line.startswith(_FILE_META):
            continue
        elif line.startswith("+"):
            current.added += 1
        elif line.startswith("-"):
            current.deleted += 1
    return parsed


def styled(line: str) -> Text:
    style = next((s for prefix, s in _STYLES if line.startswith(prefix)), "")
    return Text(line, style=style, no_wrap=True, end="")


class DiffScreen(Screen[None]):
    """The whole diff of one shift (the core bounds its size)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="diff.close"),
        Binding("right_curly_bracket", "file(1)", "Next file", key_display="{ }",
                id="diff.next_file"),
        Binding("left_curly_bracket", "file(-1)", "Prev file", show=False, id="diff.prev_file"),
        Binding("right_square_bracket", "hunk(1)", "Next hunk", key_display="[ ]",
                id="diff.next_hunk"),
        Binding("left_square_bracket", "hunk(-1)", "Prev hunk", show=False,
                id="diff.prev_hunk"),
        Binding("j", "scroll(1)", "Down", show=False, id="diff.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="diff.up"),
    ]
    DEFAULT_CSS = """
    DiffScreen #diff-body { height: 1fr; }
    DiffScreen #diff-files { width: 34; max-width: 40%; height: 1fr;
                             border-right: solid $panel; }
    DiffScreen #diff-text { width: 1fr; height: 1fr; padding: 0 0 0 1; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self.diff = parse_diff(text)

    def compose(self) -> ComposeResult:
        yield Label(self._title_text(), id="diff-title", classes="screen-title")
        with Horizontal(id="diff-body"):
            yield NavTable(id="diff-files", cursor_type="row", zebra_stripes=False,
                           show_header=False)
            yield RichLog(id="diff-text", wrap=False, highlight=False, markup=False,
                          max_lines=None, auto_scroll=False)
        yield Footer()

    def _title_text(self) -> Text:
        text = Text(self._title, style="bold")
        n = len(self.diff.files)
        text.append(f"  {n} file{'s' if n != 1 else ''}, {len(self.diff.hunks)} hunk"
                    f"{'s' if len(self.diff.hunks) != 1 else ''}")
        return text

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#diff-text", RichLog)

    @property
    def file_table(self) -> DataTable[Text | str]:
        return self.query_one("#diff-files", NavTable)

    def on_mount(self) -> None:
        table = self.file_table
        table.add_column("file", key="file")
        table.add_column("change", key="change")
        for f in self.diff.files:
            change = Text(f"+{f.added}", style="green")
            change.append(f" -{f.deleted}", style="red")
            table.add_row(f.path, change, key=str(f.line))
        if not self.diff.files:
            table.display = False
        # One write of the whole text: a line at a time is slow for a long diff.
        body = Text("\n").join(styled(line) for line in self.diff.lines)
        self.log_view.write(body, scroll_end=False)
        self.log_view.focus()

    # -- where we are -------------------------------------------------------------------------

    @property
    def top_line(self) -> int:
        return round(self.log_view.scroll_y)

    def file_at(self, line: int) -> int:
        """The index of the file whose section holds `line` (0 before the first)."""
        index = 0
        for i, f in enumerate(self.diff.files):
            if f.line <= line:
                index = i
        return index

    def _go(self, line: int) -> None:
        self.log_view.scroll_to(y=line, animate=False, immediate=True)
        if self.diff.files:
            row = self.file_at(line)
            if self.file_table.cursor_row != row:
                self.file_table.move_cursor(row=row, animate=False)

    @on(DataTable.RowHighlighted, "#diff-files")
    def _file_chosen(self, event: DataTable.RowHighlighted) -> None:
        # Only a choice of another file than the one in view jumps: the list following a jump
        # (or the first row highlighted at mount) must not move the text.
        if event.cursor_row != self.file_at(self.top_line) and event.row_key.value is not None:
            self.log_view.scroll_to(y=int(event.row_key.value), animate=False, immediate=True)

    # -- actions ------------------------------------------------------------------------------

    def _step(self, marks: list[int], delta: int, what: str) -> None:
        here = self.top_line
        if delta > 0:
            target = next((m for m in marks if m > here), None)
        else:
            target = next((m for m in reversed(marks) if m < here), None)
        if target is None:
            self.notify(f"No {'next' if delta > 0 else 'previous'} {what}.")
            return
        self._go(target)

    def action_file(self, delta: int) -> None:
        self._step([f.line for f in self.diff.files], delta, "file")

    def action_hunk(self, delta: int) -> None:
        self._step(self.diff.hunks, delta, "hunk")

    def action_scroll(self, delta: int) -> None:
        self.log_view.scroll_to(y=self.log_view.scroll_y + delta, animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
