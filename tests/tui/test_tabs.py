"""Live tabs: labelled with project and start time, an ended shift's tab closes after a while
and at most a few stay, the selected project's pane is the one shown."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from shifttui.base.bus import ShiftEnded
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.tui.messages import CoreEvent
from shifttui.tui.screens.main import ENDED_TAB_KEEP_S, MAX_ENDED_TABS, pane_id
from shifttui.tui.widgets.shift_pane import ShiftPane

from .conftest import make_app
from .live_support import main_screen, until


@pytest.mark.timeout(30)
async def test_tabs_are_labelled_pruned_and_follow_the_selected_project(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        await until(pilot, lambda: len(screen.query(ShiftPane)) == 1, what="gamma's pane")
        live = screen.query_one("#live", TabbedContent)
        gamma = screen.query_one(ShiftPane).shift
        assert live.get_tab(pane_id(gamma.id)).label.plain == "▶ gamma 08:46"
        store = pilot.app.services.store  # type: ignore[attr-defined]
        ended = [s for pid in ("alpha", "beta") for s in await store.shifts.list(pid)]
        assert len(ended) == MAX_ENDED_TABS + 2
        for shift in sorted(ended, key=lambda s: s.started_at):
            await screen._add_pane(shift)
        for shift in sorted(ended, key=lambda s: s.started_at):
            screen.post_message(CoreEvent(ShiftEnded(shift)))
            await until(pilot, lambda s=shift: s.id in screen._ended  # type: ignore[misc]
                        or not screen.query(f"#{pane_id(s.id)}"), what="the end")
            fixed_clock.advance(1)
        await until(pilot, lambda: len(screen.query(ShiftPane)) == MAX_ENDED_TABS + 1,
                    what="the oldest ended tabs to close")
        labels = [t.label.plain for t in live.query("Tab")]
        assert labels[0] == "▶ gamma 08:46"
        assert labels[1:] == ["✖ beta 13:00", "✖ alpha 03:00", "✔ alpha 06:00"], labels
        # Selecting alpha shows alpha's newest open pane; gamma shows its running one.
        names = [r.project.name for r in screen.rows]
        screen.table.move_cursor(row=names.index("alpha"))
        await until(pilot, lambda: live.active == pane_id(
            max((s for s in ended if s.project_id == "alpha"), key=lambda s: s.started_at).id),
            what="alpha's pane")
        screen.table.move_cursor(row=names.index("gamma"))
        await until(pilot, lambda: live.active == pane_id(gamma.id), what="gamma's pane")
        # After a while the ended tabs close by themselves; the running one stays.
        fixed_clock.advance(ENDED_TAB_KEEP_S)
        await until(pilot, lambda: len(screen.query(ShiftPane)) == 1, what="ended tabs to go")
        assert screen.query_one(ShiftPane).shift.id == gamma.id
