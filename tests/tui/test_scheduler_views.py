"""The scheduler in the TUI: the header's lease and budget state, decisions in the project
history, the 24-hour timeline, the daily-budget confirmation of a manual start, which scheduler
notices toast, and the scheduler stopping (lease released) before the supervisor on quit."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from shifttui.base.bus import Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import StateError
from shifttui.base.models import Policy, Shift, Trigger
from shifttui.base.states import Decision, DecisionOutcome, DecisionReason
from shifttui.scheduling.budget import daily_budget_state
from shifttui.scheduling.lease import LEASE_NAME
from shifttui.scheduling.outcomes import REASON_TEXT
from shifttui.scheduling.views import timeline
from shifttui.store import Store
from shifttui.tui.commands import ShiftCommands
from shifttui.tui.schedule_text import decision_status
from shifttui.tui.screens.detail import ProjectDetailScreen
from shifttui.tui.screens.modals import ConfirmModal
from shifttui.tui.screens.timeline import TimelineScreen

from .conftest import make_app
from .live_support import main_screen, top, until
from .seed import NOW

OTHER = "daemon:buildbox:4242:beef"


def title(pilot: Pilot[Any]) -> str:
    screen = pilot.app.screen
    return str(screen.query_one("#title-bar").render())


async def with_store(home: Home, fn: Any) -> Any:
    store = await Store.open(home.db_path, now=NOW)
    try:
        return await fn(store)
    finally:
        await store.close()


async def add_decisions(store: Store) -> dict[str, Any]:
    """Runs of alpha that did not start (and one that did), at fixed times."""
    alpha = await store.projects.get("alpha")
    shifts = await store.shifts.list(alpha.id)
    forced = shifts[0]  # 06:00, the newest
    rec = store.scheduling.record_decision
    skipped, reason = DecisionOutcome.SKIPPED, DecisionReason
    made = {
        "catch_up": await rec(alpha.id, now=NOW - timedelta(days=2), source="catch_up",
                              outcome=skipped, reason=reason.MISSED,
                              detail="missed 3 runs while no scheduler ran "
                              "(last due 2026-11-19 08:00); catch_up is skip"),
        "running": await rec(alpha.id, now=NOW - timedelta(hours=5), source="schedule",
                             outcome=skipped, reason=reason.RUNNING,
                             detail=f"{REASON_TEXT[reason.RUNNING]}; due 2026-11-21 04:00"),
        "limit": await rec(alpha.id, now=NOW - timedelta(hours=4, minutes=30),
                           source="trigger", outcome=DecisionOutcome.DEFERRED,
                           reason=reason.LIMIT,
                           detail=f"{REASON_TEXT[reason.LIMIT]}; cli: CI passed on main"),
        "started": await rec(alpha.id, now=forced.started_at, source="schedule",
                             outcome=DecisionOutcome.STARTED, reason=reason.FIRED,
                             detail="due 2026-11-21 06:00", shift_id=forced.id),
        "budget": await rec(alpha.id, now=NOW - timedelta(hours=1), source="schedule",
                            outcome=skipped, reason=reason.BUDGET,
                            detail=f"{REASON_TEXT[reason.BUDGET]}; due 2026-11-21 08:00"),
    }
    return made


# -- header --------------------------------------------------------------------------------


@pytest.mark.timeout(30)
async def test_header_says_running_here_and_quitting_releases_the_lease(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock, scheduler=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: "scheduler running here" in title(pilot), what="active")
        scheduler = app.services.scheduler
        assert scheduler is not None and scheduler.active
        lease = await app.services.store.scheduling.lease(LEASE_NAME)
        assert lease is not None and lease.holder == scheduler.lease.holder
        assert lease.holder.startswith("app:")
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, what="the app to exit")
    assert await with_store(seeded_home, lambda s: s.scheduling.lease(LEASE_NAME)) is None


@pytest.mark.timeout(30)
async def test_header_shows_who_holds_the_lease_and_nothing_is_taken_over(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    await with_store(seeded_home, lambda s: s.scheduling.acquire_lease(
        LEASE_NAME, holder=OTHER, pid=4242, host="buildbox", now=NOW, ttl_s=3600))
    app = make_app(seeded_home, fixed_clock, scheduler=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: "held by daemon pid 4242 on buildbox" in title(pilot),
                    what="standby")
        scheduler = app.services.scheduler
        assert scheduler is not None
        await until(pilot, lambda: scheduler.lease_info is not None, what="a first tick")
        assert not scheduler.active
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: "held by daemon pid 4242@buildbox" in title(pilot),
                    what="the narrow form")
    lease = await with_store(seeded_home, lambda s: s.scheduling.lease(LEASE_NAME))
    assert lease is not None and lease.holder == OTHER  # quitting leaves another's lease alone


@pytest.mark.timeout(20)
async def test_header_shows_off_and_the_budget_level(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    spent = (await with_store(seeded_home, lambda s: daily_budget_state(
        s, Settings(), NOW, NOW.tzinfo))).spent_usd  # type: ignore[arg-type]
    assert spent > 0
    warn = Settings(daily_budget_usd=round(spent / 0.8, 2))  # 80 %: a warning
    async with make_app(seeded_home, fixed_clock, settings=warn).run_test(size=(120, 40)) as p:
        await main_screen(p)
        await until(p, lambda: "scheduler off" in title(p), what="off")
        text = p.app.screen.query_one("#title-bar").render()
        assert f"today ${spent:.2f}/${warn.daily_budget_usd:g} 80%" in str(text)
        styles = [str(span.style) for span in text.spans]
        assert any("yellow" in style and "bold" in style for style in styles)


# -- next in -------------------------------------------------------------------------------


@pytest.mark.timeout(20)
async def test_next_in_counts_down_every_second_from_the_schedulers_fire_time(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        assert str(screen.table.get_row("alpha")[2]) == "next in 3h00m"
        fixed_clock.advance(3 * 3600 - 45)  # 11:59:15
        await until(pilot, lambda: str(screen.table.get_row("alpha")[2]) == "next in 45s",
                    what="the countdown")
        fixed_clock.advance(50)  # past 12:00: the next one is tomorrow's
        await until(pilot, lambda: str(screen.table.get_row("alpha")[2]) == "next in 23h59m",
                    what="tomorrow's run")


# -- decisions in the detail ---------------------------------------------------------------


@pytest.mark.timeout(20)
async def test_detail_interleaves_decisions_with_shifts_and_says_why(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    made = await with_store(seeded_home, add_decisions)
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(top(pilot), ProjectDetailScreen)
                    and top(pilot).entries, what="detail")  # type: ignore[attr-defined]
        detail = top(pilot)
        assert isinstance(detail, ProjectDetailScreen)
        kinds = [type(e).__name__ if isinstance(e, Shift) else e.outcome
                 for e in detail.entries]
        # newest first: 08:00 skip, 06:00 shift (its start decision is folded in), 04:30
        # deferral, 04:00 skip, 03:00 shift, yesterday's shift, the catch-up two days ago
        skipped, deferred = DecisionOutcome.SKIPPED, DecisionOutcome.DEFERRED
        assert kinds == [skipped, "Shift", deferred, skipped, "Shift", "Shift", skipped]
        assert "4 not started" in str(detail.query_one("#detail-title").render())
        first = [str(c) for c in detail.table.get_row_at(0)]
        assert first[0] == "⊘ skipped: budget" and first[1] == "schedule"
        note = str(detail.query_one("#shift-note").render())
        assert REASON_TEXT[DecisionReason.BUDGET] in note and "due 2026-11-21 08:00" in note
        await pilot.press("down")  # the forced shift: its handoff and why it started
        note = str(detail.query_one("#shift-note").render())
        assert "Statement parsing migrated" in note
        assert "scheduler (schedule) started: due 2026-11-21 06:00" in note
        await pilot.press("down")
        assert str(detail.table.get_row_at(2)[0]) == "↷ deferred: limit"
        assert "cli: CI passed on main" in str(detail.query_one("#shift-note").render())
        assert detail.selected_shift_id() is None
        await pilot.press("enter")  # a decision without a shift opens nothing
        assert top(pilot) is detail

        # A decision published by this app's scheduler shows at once.
        store = pilot.app.services.store
        new = await store.scheduling.record_decision(
            "alpha", now=NOW, source="schedule", outcome=DecisionOutcome.SKIPPED,
            reason=DecisionReason.RUNNING,
            detail=f"{REASON_TEXT[DecisionReason.RUNNING]}; due 2026-11-21 09:00")
        pilot.app.services.supervisor.bus.publish(Notice(
            kind="scheduler", title="alpha: skipped", message=new.detail, project_id="alpha",
            severity="warning", data={"outcome": DecisionOutcome.SKIPPED, "source": "schedule"}))
        await until(pilot, lambda: len(detail.entries) == 8, what="the new decision")
        assert detail.entries[0] == new
    assert made["started"].shift_id is not None


def test_decision_status_is_short_for_every_reason() -> None:
    def status(outcome: DecisionOutcome, reason: DecisionReason, detail: str = "") -> str:
        return decision_status(Decision(id=1, project_id="p", ts=NOW, source="schedule",
                                        outcome=outcome, reason=reason, detail=detail)).plain

    skipped, failed = DecisionOutcome.SKIPPED, DecisionOutcome.FAILED
    assert status(skipped, DecisionReason.PAUSED, "paused (3 consecutive failures)") == \
        "⊘ skipped: paused"
    assert status(skipped, DecisionReason.MISSED) == "⊘ skipped: missed"
    assert status(failed, DecisionReason.ERROR, "claude CLI not found") == "✖ failed"
    assert status(DecisionOutcome.DEFERRED, DecisionReason.LIMIT) == "↷ deferred: limit"
    assert status(DecisionOutcome.PAUSED, DecisionReason.FAILURES,
                  "auto-paused after 3 consecutive failures") == "‖ paused"
    # The word comes from the reason, not from how the detail begins.
    assert status(DecisionOutcome.STARTED, DecisionReason.FIRED,
                  "missed-docs completed sh_1") == "▶ started"
    assert status(skipped, DecisionReason.BUDGET, "shift already running, oddly") == \
        "⊘ skipped: budget"
    # A plan window holds a run (outcome held); every other reason goes with any outcome.
    plan = {DecisionReason.PLAN_LIMIT, DecisionReason.PLAN_RESERVE}
    assert all(len(status(o, r)) <= 20 for o in DecisionOutcome for r in DecisionReason
               if r not in plan)
    assert status(DecisionOutcome.HELD, DecisionReason.PLAN_LIMIT) == "⧗ held: plan limit"
    assert all(len(status(DecisionOutcome.HELD, r)) <= 20 for r in plan)


# -- notices -------------------------------------------------------------------------------


@pytest.mark.timeout(20)
async def test_routine_decisions_do_not_toast_failed_starts_and_pauses_do(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        bus = app.services.supervisor.bus

        def decision(outcome: DecisionOutcome, source: str, message: str) -> Notice:
            return Notice(kind="scheduler", title=f"alpha: {outcome}", message=message,
                          project_id="alpha", severity="warning",
                          data={"outcome": outcome, "source": source})

        before = len(app._notifications)
        for _ in range(5):
            bus.publish(decision(DecisionOutcome.SKIPPED, "schedule", "shift already running"))
        bus.publish(decision(DecisionOutcome.DEFERRED, "schedule", "concurrency limit"))
        bus.publish(decision(DecisionOutcome.STARTED, "schedule", "due 09:00"))
        bus.publish(decision(DecisionOutcome.FAILED, "schedule", "claude CLI not found"))
        bus.publish(decision(DecisionOutcome.SKIPPED, "catch_up",
                             "missed 4 runs; catch_up is skip"))
        bus.publish(Notice(kind="auto_paused", title="alpha paused", message="3 failures",
                           project_id="alpha", severity="error"))
        await until(pilot, lambda: len(app._notifications) >= before + 3, what="toasts")
        await pilot.pause(0.2)
        shown = [n.message for n in list(app._notifications)[before:]]
        assert shown == ["claude CLI not found", "missed 4 runs; catch_up is skip",
                         "3 failures"]


# -- timeline ------------------------------------------------------------------------------


@pytest.mark.timeout(20)
async def test_timeline_lists_the_next_24_hours_with_cost_and_budget_skips(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async def every_three_hours(store: Store) -> float | None:
        alpha = await store.projects.get("alpha")
        await store.projects.update_policy(
            alpha.id, alpha.policy.model_copy(update={"schedule": "0 */3 * * *"}), NOW)
        return await store.shifts.average_cost(alpha.id)

    average = await with_store(seeded_home, every_three_hours)
    assert average is not None
    settings = Settings(daily_budget_usd=4.0)
    expected = await with_store(seeded_home, lambda s: timeline(
        s, settings, NOW, NOW.tzinfo))  # type: ignore[arg-type]
    app = make_app(seeded_home, fixed_clock, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        names = [str(h.text) async for h in ShiftCommands(screen).discover()]
        assert "Timeline" in names
        await pilot.press("t")
        await until(pilot, lambda: isinstance(top(pilot), TimelineScreen)
                    and top(pilot).timeline is not None, what="timeline")  # type: ignore
        tl = top(pilot)
        assert isinstance(tl, TimelineScreen)
        rows = [[str(c) for c in tl.table.get_row_at(i)] for i in range(tl.table.row_count)]
        # 12:00 … 09:00 tomorrow: eight runs, the first three hours away
        assert len(rows) == len(expected.entries) == 8
        assert rows[0][:4] == ["12:00", "in 3h00m", "alpha", f"${average:,.2f}"]
        assert rows[-1][0] == "Sun 09:00" and rows[-1][1] == "in 1d0h"
        # today's spending plus the runs before it reaches $4: the 4th run would be skipped
        skips = [r[0] for r in rows if r[4]]
        assert skips == [e.at.strftime("%H:%M") for e in expected.entries if not e.within_budget]
        assert skips == ["21:00"]
        summary = str(tl.query_one("#timeline-summary").render())
        assert "8 scheduled shift(s)" in summary and "1 run(s) would be skipped" in summary
        assert f"projected ${8 * average:,.2f}" in summary
        await pilot.press("escape")
        assert top(pilot) is screen


@pytest.mark.timeout(20)
async def test_timeline_without_schedules_says_how_to_add_one(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async def no_schedules(store: Store) -> None:
        for p in await store.projects.list():
            await store.projects.update_policy(p.id, p.policy.model_copy(
                update={"schedule": None}), NOW)

    await with_store(seeded_home, no_schedules)
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(top(pilot), TimelineScreen)
                    and top(pilot).timeline is not None, what="timeline")  # type: ignore
        assert top(pilot).query_one(
            "#timeline").row_count == 0  # type: ignore[attr-defined]
        assert "No scheduled shift" in str(top(pilot).query_one("#timeline-summary").render())


# -- manual start over the daily budget ----------------------------------------------------


class StartRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Trigger]] = []

    async def __call__(self, project: str, *, trigger: Trigger = Trigger.MANUAL,
                       reason: str | None = None, resume_of: str | None = None) -> Shift:
        self.calls.append((project, trigger))
        raise StateError("not started: the test only counts the calls")


async def _press_start_on(pilot: Pilot[Any], name: str) -> None:
    screen = await main_screen(pilot)
    names = [r.project.name for r in screen.rows]
    screen.table.move_cursor(row=names.index(name))
    await pilot.pause()
    await pilot.press("s")


@pytest.mark.timeout(20)
async def test_manual_start_at_full_daily_budget_asks_first(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock, settings=Settings(daily_budget_usd=2.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        starts = StartRecorder()
        app.services.supervisor.start_shift = starts
        await _press_start_on(pilot, "alpha")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="confirm")
        assert "Daily budget reached" in str(top(pilot).query_one(".dialog-title").render())
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(top(pilot), ConfirmModal), what="closed")
        await pilot.pause(0.1)
        assert starts.calls == []
        await _press_start_on(pilot, "alpha")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="confirm")
        await pilot.press("y")
        await until(pilot, lambda: starts.calls, what="the start")
        assert starts.calls == [("alpha", Trigger.MANUAL)]


@pytest.mark.timeout(20)
async def test_manual_start_under_the_budget_does_not_ask(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock, settings=Settings(daily_budget_usd=100.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        starts = StartRecorder()
        app.services.supervisor.start_shift = starts
        await _press_start_on(pilot, "alpha")
        await until(pilot, lambda: starts.calls, what="the start")
        assert not isinstance(top(pilot), ConfirmModal)


# -- quit order ----------------------------------------------------------------------------


@pytest.mark.timeout(30)
async def test_quit_with_running_shifts_stops_the_scheduler_before_the_supervisor(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    app = make_app(seeded_home, fixed_clock, scheduler=True)
    seen: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await until(pilot, lambda: app.services.scheduler is not None
                    and app.services.scheduler.active, what="active")
        supervisor = app.services.supervisor
        store = app.services.store

        async def shutdown(reason: str = "") -> None:
            seen.append(await store.scheduling.lease(LEASE_NAME))

        supervisor.running_ids = lambda: ["20261121-084600-000005"]
        supervisor.shutdown = shutdown
        await pilot.press("q")
        await until(pilot, lambda: isinstance(top(pilot), ConfirmModal), what="confirm")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, what="the app to exit")
    assert seen and seen[0] is None  # the lease was gone when the shifts were stopped


# -- snapshots -----------------------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def decisions_home(snapshot_home: Home) -> Home:
    async def fill(store: Store) -> None:
        await add_decisions(store)
        alpha = await store.projects.get("alpha")
        await store.projects.update_policy(alpha.id, Policy.model_validate(
            {**alpha.policy.model_dump(), "schedule": "0 */3 * * *"}), NOW)

    asyncio.run(with_store(snapshot_home, fill))
    return snapshot_home


async def _steady(pilot: Pilot[Any]) -> None:
    pilot.app.animation_level = "none"
    await pilot.pause()
    await pilot.pause()


def _open_detail(pilot: Pilot[Any]) -> Any:
    async def run() -> None:
        await main_screen(pilot)
        await pilot.app.push_screen(ProjectDetailScreen("alpha"))
        await until(pilot, lambda: isinstance(top(pilot), ProjectDetailScreen)
                    and len(top(pilot).entries) == 7, what="detail")  # type: ignore
        await _steady(pilot)

    return run()


def _open_timeline(pilot: Pilot[Any]) -> Any:
    async def run() -> None:
        await main_screen(pilot)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(top(pilot), TimelineScreen)
                    and top(pilot).timeline is not None, what="timeline")  # type: ignore
        await _steady(pilot)

    return run()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_detail_with_decisions(size: tuple[int, int], snap_compare: Any,
                                        decisions_home: Home) -> None:
    app = make_app(decisions_home, FakeClock(NOW))
    assert snap_compare(app, terminal_size=size, run_before=_open_detail)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_timeline(size: tuple[int, int], snap_compare: Any,
                           decisions_home: Home) -> None:
    app = make_app(decisions_home, FakeClock(NOW), settings=Settings(daily_budget_usd=4.0))
    assert snap_compare(app, terminal_size=size, run_before=_open_timeline)
