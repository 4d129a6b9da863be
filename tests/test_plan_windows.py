"""Plan windows: reading Claude Code's rate-limit events, keeping the latest of each window, the
gauges' text, and the schema that holds them (issue 15)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.models import Policy
from shifttui.base.plan import (
    NO_WINDOWS,
    PlanState,
    PlanWindow,
    WindowStatus,
    summary,
    windows_from_raw,
)
from shifttui.base.states import DecisionOutcome, DecisionReason
from shifttui.store import SCHEMA_VERSION, Store
from shifttui.store.db import ts
from shifttui.store.migrations import MIGRATIONS

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
RESET = NOW + timedelta(hours=2, minutes=12)
# What Claude Code 2.1.330 wrote for anthropic-ratelimit-unified-* headers of a warning
# (captured against the loopback API; see tests/test_real_cli_plan.py).
WARNING_RAW = {
    "status": "allowed_warning", "resetsAt": int(RESET.timestamp()),
    "rateLimitType": "five_hour", "utilization": 0.91, "isUsingOverage": False,
    "surpassedThreshold": 0.9,
    "unifiedWindows": {
        "five_hour": {"utilization": 0.91, "resetsAt": int(RESET.timestamp()),
                      "surpassedThreshold": 0.9},
        "seven_day": {"utilization": 0.4, "resetsAt": int((RESET + timedelta(days=3)).timestamp())},
    },
}
REJECTED_RAW = {
    "status": "rejected", "resetsAt": int(RESET.timestamp()), "rateLimitType": "five_hour",
    "isUsingOverage": False,
    "unifiedWindows": {"five_hour": {"utilization": 1, "resetsAt": int(RESET.timestamp())},
                       "seven_day": {"utilization": 0.4,
                                     "resetsAt": int((RESET + timedelta(days=3)).timestamp())}},
}


def test_an_event_gives_every_window_it_names() -> None:
    windows = {w.type: w for w in windows_from_raw(WARNING_RAW, NOW, "sh_1")}
    assert set(windows) == {"five_hour", "seven_day"}
    five, week = windows["five_hour"], windows["seven_day"]
    assert five.status is WindowStatus.WARNING and five.utilization == 0.91
    assert five.resets_at == RESET and five.seen_at == NOW and five.shift_id == "sh_1"
    # the weekly window passed no threshold: allowed, with its own reset
    assert week.status is WindowStatus.ALLOWED and week.utilization == 0.4
    assert week.resets_at == RESET + timedelta(days=3)


def test_a_rejection_exhausts_its_window_until_the_reset() -> None:
    state = PlanState(windows=windows_from_raw(REJECTED_RAW, NOW))
    exhausted = state.exhausted(NOW)
    assert exhausted is not None and exhausted.type == "five_hour"
    assert exhausted.utilization == 1.0
    assert state.exhausted(RESET - timedelta(seconds=1)) is not None
    assert state.exhausted(RESET) is None  # reset: open again, whatever the last event said


def test_overage_rejection_holds_nothing() -> None:
    raw = {**WARNING_RAW, "overageStatus": "rejected", "overageResetsAt": RESET.timestamp()}
    state = PlanState(windows=windows_from_raw(raw, NOW))
    assert state.window("overage") is not None
    assert state.exhausted(NOW) is None


@pytest.mark.parametrize(("utilization", "reserve", "reached"), [
    (0.91, 0, False), (0.89, 10, False), (0.9, 10, True), (0.91, 10, True), (0.5, 50, True),
])
def test_the_reserve_is_reached_at_one_minus_the_reserve(
    utilization: float, reserve: float, reached: bool
) -> None:
    five = PlanWindow(type="five_hour", status=WindowStatus.ALLOWED, utilization=utilization,
                      resets_at=RESET, seen_at=NOW)
    state = PlanState(windows=[five])
    assert (state.reserve_reached(reserve, NOW) is not None) is reached
    # after the reset the old utilization says nothing
    assert state.reserve_reached(reserve, RESET + timedelta(seconds=1)) is None


def test_header_summary_and_json() -> None:
    tz = ZoneInfo("UTC")
    state = PlanState(windows=windows_from_raw(WARNING_RAW, NOW))
    assert summary(state, NOW, tz) == "5h 91% ↻20:12 · 7d 40%"
    rejected = PlanState(windows=windows_from_raw(REJECTED_RAW, NOW))
    assert summary(rejected, NOW, tz) == "5h limit ↻20:12 · 7d 40%"
    assert state.to_json() == {
        "windows": [
            {"type": "five_hour", "status": "allowed_warning", "utilization": 0.91,
             "resets_at": "2026-12-01T20:12:00Z", "seen_at": "2026-12-01T18:00:00Z"},
            {"type": "seven_day", "status": "allowed", "utilization": 0.4,
             "resets_at": "2026-12-04T20:12:00Z", "seen_at": "2026-12-01T18:00:00Z"},
        ],
        "updated_at": "2026-12-01T18:00:00Z",
    }
    assert PlanState().to_json() == {"windows": [], "updated_at": None}
    assert "API key" in NO_WINDOWS


async def test_store_keeps_the_latest_of_each_window(store: Store) -> None:
    assert not (await store.plan.state()).seen
    await store.plan.record(windows_from_raw(WARNING_RAW, NOW, "sh_1"))
    later = NOW + timedelta(minutes=5)
    await store.plan.record(windows_from_raw(REJECTED_RAW, later, "sh_2"))
    # a report from another process that was seen earlier arrives late: it changes nothing
    await store.plan.record(windows_from_raw(WARNING_RAW, NOW + timedelta(minutes=1), "sh_3"))
    state = await store.plan.state()
    five = state.window("five_hour")
    assert five is not None and five.status is WindowStatus.REJECTED
    assert five.seen_at == later and five.shift_id == "sh_2" and five.resets_at == RESET
    assert state.updated_at == later
    assert len(state.windows) == 2


BEFORE_PLAN = MIGRATIONS.index(next(m for m in MIGRATIONS if "plan_windows" in m))


async def test_upgrade_keeps_decisions_and_accepts_the_plan_reasons(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "old.db"
    old = await Store.open(path, migrate_to=BEFORE_PLAN)
    try:
        project = await old.projects.add("p", str(tmp_path), Policy(), clock.now())
        kept = await old.scheduling.record_decision(
            project.id, now=clock.now(), source="schedule", outcome=DecisionOutcome.SKIPPED,
            reason=DecisionReason.BUDGET, detail="daily budget reached")
    finally:
        await old.close()

    def plan_reason_refused() -> bool:
        conn = sqlite3.connect(path)
        try:
            conn.execute("INSERT INTO decisions (project_id, ts, source, outcome, reason)"
                         " VALUES (?, ?, 'schedule', 'held', 'plan_limit')",
                         (project.id, ts(clock.now())))
        except sqlite3.IntegrityError:
            return True
        finally:
            conn.close()
        return False

    assert await asyncio.to_thread(plan_reason_refused)  # the old CHECK: why it is rebuilt
    async with await Store.open(path, now=clock.now()) as store:
        assert await store.db.user_version() == SCHEMA_VERSION
        assert await store.scheduling.decisions(project.id) == [kept]
        held = await store.scheduling.record_decision(
            project.id, now=clock.now() + timedelta(minutes=1), source="schedule",
            outcome=DecisionOutcome.HELD, reason=DecisionReason.PLAN_LIMIT,
            detail="plan limit until 20:12")
        assert await store.scheduling.decisions(project.id) == [held, kept]
        # the index the history's queries use survived the rebuild
        rows = await store.db.fetchall(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'decisions' AND type = 'index'")
        assert [r[0] for r in rows] == ["decisions_project_ts"]
        # a removed project still takes its decisions with it
        await store.projects.remove(project.id)
        assert await store.scheduling.decisions(project.id) == []
