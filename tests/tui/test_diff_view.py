"""The diff screen: files and hunks found in a `git diff`, jumps by file and by hunk, the file
list, and snapshots at 80x24 and 120x40 of a fixed three-file diff."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.tui.screens.diff_view import DiffScreen, parse_diff

from .conftest import make_app
from .live_support import main_screen, top, until

DIFF = "# demo, shift s-1: 1111 → 2222 (on shifttui/demo)\n\n" + "".join(
    f"diff --git a/{name} b/{name}\nindex 1111111..2222222 100644\n--- a/{name}\n"
    f"+++ b/{name}\n" + "".join(
        f"@@ -{h * 20 + 1},3 +{h * 20 + 1},4 @@ def part_{h}():\n context line\n-old {h}\n"
        f"+new {h}\n+added {h}\n" + "".join(f" more context {n}\n" for n in range(8))
        for h in range(hunks))
    for name, hunks in (("src/parser.py", 3), ("tests/test_parser.py", 2), ("README.md", 1)))


def test_parse_finds_files_hunks_and_counts() -> None:
    parsed = parse_diff(DIFF)
    assert [(f.path, f.added, f.deleted) for f in parsed.files] == [
        ("src/parser.py", 6, 3), ("tests/test_parser.py", 4, 2), ("README.md", 2, 1)]
    assert len(parsed.hunks) == 6
    assert all(parsed.lines[i].startswith("@@") for i in parsed.hunks)
    assert parsed.lines[parsed.files[1].line] == \
        "diff --git a/tests/test_parser.py b/tests/test_parser.py"
    # The agent's terminal controls are shown, never sent.
    assert parse_diff("diff --git a/x b/x\n+\x1b]52;c;AAAA\x07\n").lines[1] == "+␛]52;c;AAAA␇"


async def _open(pilot: Pilot[Any]) -> DiffScreen:
    pilot.app.animation_level = "none"
    await main_screen(pilot)
    await pilot.app.push_screen(DiffScreen("Diff · demo · shift s-1", DIFF))
    await until(pilot, lambda: isinstance(top(pilot), DiffScreen)
                and top(pilot).log_view.virtual_size.height > 0,  # type: ignore[attr-defined]
                what="the diff screen")
    screen = top(pilot)
    assert isinstance(screen, DiffScreen)
    return screen


@pytest.mark.timeout(30)
async def test_jump_by_file_by_hunk_and_by_hand(seeded_home: Home,
                                                 fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 24)) as pilot:
        screen = await _open(pilot)
        files = [f.line for f in screen.diff.files]
        hunks = screen.diff.hunks
        assert screen.top_line == 0
        await pilot.press("right_square_bracket")
        assert screen.top_line == hunks[0] and screen.file_table.cursor_row == 0
        await pilot.press("right_square_bracket", "right_square_bracket",
                          "right_square_bracket")
        assert screen.top_line == hunks[3] and screen.file_table.cursor_row == 1
        await pilot.press("left_square_bracket")
        assert screen.top_line == hunks[2] and screen.file_table.cursor_row == 0
        await pilot.press("right_curly_bracket")
        assert screen.top_line == files[1] and screen.file_table.cursor_row == 1
        await pilot.press("right_curly_bracket")
        # The last file is short: the view cannot scroll it to the top, the list still says it.
        assert screen.file_table.cursor_row == 2
        await pilot.press("left_curly_bracket")
        assert screen.file_table.cursor_row == 1
        await pilot.press("j", "j")
        assert screen.top_line == files[1] + 2
        await pilot.press("k")
        assert screen.top_line == files[1] + 1
        # The file list: j/k there choose a file and the diff follows.
        await pilot.press("tab")
        assert screen.focused is screen.file_table
        await pilot.press("k")
        await until(pilot, lambda: screen.top_line == files[0], what="the first file")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(top(pilot), DiffScreen), what="closed")


@pytest.mark.timeout(30)
async def test_no_further_hunk_says_so(seeded_home: Home, fixed_clock: FakeClock) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        await pilot.press("left_square_bracket")
        assert screen.top_line == 0
        assert [n.message for n in pilot.app._notifications][-1] == "No previous hunk."


async def _snapshot_steps(pilot: Pilot[Any]) -> None:
    screen = await _open(pilot)
    await pilot.press("right_curly_bracket", "right_curly_bracket")  # the first, the second
    await until(pilot, lambda: screen.file_table.cursor_row == 1, what="the second file")
    await pilot.pause()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"),
                                  pytest.param((120, 40), id="120x40")])
def test_diff_snapshot(size: tuple[int, int], snap_compare: Any, snapshot_home: Home,
                       fixed_clock: FakeClock) -> None:
    app = make_app(snapshot_home, fixed_clock)
    assert snap_compare(app, terminal_size=size, run_before=_snapshot_steps)
