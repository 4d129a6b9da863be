"""The scheduler's decision reasons: stored in their own column, written for every rule that
keeps a run from starting, read back as enums, and filled in for older databases by the
migration from the words the scheduler wrote before."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.base.clock import FakeClock
from shifttui.base.config import Settings
from shifttui.base.errors import NotFound, ShiftTuiError
from shifttui.base.models import CatchUp, Policy, Project, Shift, Trigger, Triggers
from shifttui.base.states import Decision, DecisionOutcome, DecisionReason
from shifttui.scheduling.outcomes import REASON_TEXT
from shifttui.scheduling.scheduler import Scheduler
from shifttui.scheduling.views import format_decision
from shifttui.store import SCHEMA_VERSION, Store
from shifttui.store.db import ts
from shifttui.tui.schedule_text import decision_status
from tests.scheduler_support import FakeStarter, finish

pytestmark = pytest.mark.timeout(30)

BERLIN = ZoneInfo("Europe/Berlin")
SKIPPED, DEFERRED = DecisionOutcome.SKIPPED, DecisionOutcome.DEFERRED
STARTED, FAILED = DecisionOutcome.STARTED, DecisionOutcome.FAILED
R = DecisionReason


@dataclass
class RaisingStarter:
    """A supervisor whose every start raises `error`."""

    error: Exception

    async def start_shift(
        self, project: str, *, trigger: Trigger = Trigger.MANUAL, reason: str | None = None,
        resume_of: str | None = None
    ) -> Shift:
        raise self.error


async def add(store: Store, clock: FakeClock, name: str, **policy: object) -> Project:
    return await store.projects.add(
        name, f"/tmp/{name}", Policy(**policy), clock.now()  # type: ignore[arg-type]
    )


def scheduler(store: Store, clock: FakeClock, starter: object, *, bus: Bus | None = None,
              settings: Settings | None = None) -> Scheduler:
    return Scheduler(store, starter, settings or Settings(), bus=bus or Bus(),  # type: ignore[arg-type]
                     clock=clock, tz=BERLIN)


async def trigger(store: Store, clock: FakeClock, sched: Scheduler, project: Project) -> Decision:
    """Ask for a run of `project` as `shifttui trigger` does; return the decision about it."""
    await store.scheduling.request_trigger(project.id, now=clock.now(), source="cli",
                                           reason="CI passed")
    clock.advance(1)
    await sched.run_once()
    return (await store.scheduling.decisions(project.id))[0]


def said(decision: Decision) -> tuple[DecisionOutcome, DecisionReason, str]:
    return decision.outcome, decision.reason, decision.detail.split(";")[0]


# every reason the scheduler writes -------------------------------------------------------------


async def test_a_run_that_starts_is_fired(store: Store, clock: FakeClock) -> None:
    project = await add(store, clock, "p")
    sched = scheduler(store, clock, FakeStarter(store, clock))
    notices: list[Notice] = []

    def collect(event: BusEvent) -> None:
        if isinstance(event, Notice) and event.kind == "scheduler":
            notices.append(event)

    sched.bus.subscribe(collect)
    decision = await trigger(store, clock, sched, project)
    assert said(decision) == (STARTED, R.FIRED, "cli: CI passed")
    assert decision.shift_id is not None
    assert [(n.data["outcome"], n.data["reason"]) for n in notices] == [(STARTED, R.FIRED)]


async def test_rules_that_skip_a_run_say_which(store: Store, clock: FakeClock) -> None:
    busy = await add(store, clock, "busy")
    paused = await add(store, clock, "paused")
    off = await add(store, clock, "off", enabled=False)
    starter = FakeStarter(store, clock, end=None)
    sched = scheduler(store, clock, starter)
    await sched.run_once()
    await starter.start_shift(busy.id)
    await store.projects.set_paused(paused.id, True, "operator said so", clock.now())

    assert said(await trigger(store, clock, sched, busy)) == (
        SKIPPED, R.RUNNING, "shift already running")
    assert said(await trigger(store, clock, sched, paused)) == (
        SKIPPED, R.PAUSED, "paused (operator said so)")
    assert said(await trigger(store, clock, sched, off)) == (
        SKIPPED, R.DISABLED, "project disabled (policy.enabled is off)")


async def test_the_daily_budget_skips_with_its_reason(store: Store, clock: FakeClock) -> None:
    spender = await add(store, clock, "spender")
    project = await add(store, clock, "p")
    starter = FakeStarter(store, clock, end=None)
    sched = scheduler(store, clock, starter, settings=Settings(daily_budget_usd=1.0))
    spent = await starter.start_shift(spender.id)
    await store.shifts.update_progress(spent.id, cost_usd=1.0, tokens_in=0, tokens_out=0,
                                       num_turns=1)
    await finish(store, spent.id, clock.now())
    assert said(await trigger(store, clock, sched, project)) == (
        SKIPPED, R.BUDGET, "daily budget reached")


async def test_the_concurrency_limit_defers_then_waits_then_fires(
    store: Store, clock: FakeClock
) -> None:
    busy = await add(store, clock, "busy")
    project = await add(store, clock, "p")
    starter = FakeStarter(store, clock, end=None)
    sched = scheduler(store, clock, starter, settings=Settings(max_concurrent_shifts=1))
    blocker = await starter.start_shift(busy.id)
    assert said(await trigger(store, clock, sched, project)) == (
        DEFERRED, R.LIMIT, "concurrency limit")
    assert said(await trigger(store, clock, sched, project)) == (
        SKIPPED, R.WAITING, "a deferred run is already waiting for a free slot")
    await finish(store, blocker.id, clock.now())
    clock.advance(1)
    await sched.run_once()
    outcome, reason, detail = said((await store.scheduling.decisions(project.id))[0])
    assert (outcome, reason) == (STARTED, R.FIRED) and detail.startswith("deferred since")


@pytest.mark.parametrize(
    ("error", "reason", "detail"),
    [
        (NotFound("no project p"), R.REMOVED, "project no longer exists"),
        (ShiftTuiError("prompt template nightly.md is missing"), R.ERROR,
         "prompt template nightly.md is missing"),
        (RuntimeError("boom"), R.ERROR, "RuntimeError: boom"),
    ],
)
async def test_a_start_that_raises_says_why(
    store: Store, clock: FakeClock, error: Exception, reason: DecisionReason, detail: str
) -> None:
    project = await add(store, clock, "p")
    sched = scheduler(store, clock, RaisingStarter(error))
    decision = await trigger(store, clock, sched, project)
    outcome = SKIPPED if reason is R.REMOVED else FAILED
    assert said(decision) == (outcome, reason, detail)


@pytest.mark.parametrize("policy", [CatchUp.SKIP, CatchUp.ONCE])
async def test_runs_missed_while_closed_are_missed_skipped_or_started(
    store: Store, clock: FakeClock, policy: CatchUp
) -> None:
    clock.set(datetime(2026, 11, 20, 9, 5, tzinfo=BERLIN).astimezone(UTC))
    project = await add(store, clock, "p", schedule="0 * * * *", catch_up=policy)
    starter = FakeStarter(store, clock)
    first = scheduler(store, clock, starter)
    await first.run_once()
    await first.close()
    clock.advance(4 * 3600)  # closed over four due times
    reopened = scheduler(store, clock, starter)
    await reopened.run_once()
    [decision] = await store.scheduling.decisions(project.id)
    assert decision.reason is R.MISSED
    assert decision.outcome is (SKIPPED if policy is CatchUp.SKIP else STARTED)
    assert decision_status(decision).plain == (
        "⊘ skipped: missed" if policy is CatchUp.SKIP else "▶ started: missed")


async def test_consecutive_failures_pause_with_their_reason(store: Store, clock: FakeClock) -> None:
    # Checked by the supervisor as each shift ends (shifts/autopause.py), whoever ran it.
    from shifttui.shifts.autopause import auto_pause

    project = await add(store, clock, "p", pause_after_failures=2)
    starter = FakeStarter(store, clock, end=None)
    notices = []
    for _ in range(2):
        shift = await starter.start_shift(project.id)
        clock.advance(60)
        ended = await finish(store, shift.id, clock.now(), "agent_error")
        notices.append(await auto_pause(store, ended, clock.now()))
    assert notices[0] is None and notices[1] is not None
    assert notices[1].kind == "auto_paused" and notices[1].data["failures"] == 2
    [decision] = await store.scheduling.decisions(project.id)
    assert (decision.outcome, decision.reason) == (DecisionOutcome.PAUSED, R.FAILURES)
    assert decision.detail.startswith("auto-paused after 2 consecutive failures")


async def test_the_status_word_comes_from_the_reason_not_the_detail(
    store: Store, clock: FakeClock
) -> None:
    # An `after` run's detail starts with the other project's name: a project called
    # "missed-docs" made the old prefix match show "started: missed".
    upstream = await add(store, clock, "missed-docs")
    follower = await add(store, clock, "follower", triggers=Triggers(after=["missed-docs"]))
    starter = FakeStarter(store, clock, end=None)
    sched = scheduler(store, clock, starter)
    await sched.run_once()
    done = await starter.start_shift(upstream.id)
    clock.advance(1)
    await finish(store, done.id, clock.now())
    clock.advance(1)
    await sched.run_once()
    [decision] = await store.scheduling.decisions(follower.id)
    assert decision.detail.startswith("missed-docs completed")
    assert (decision.outcome, decision.reason) == (STARTED, R.FIRED)
    assert decision_status(decision).plain == "▶ started"


# the store ---------------------------------------------------------------------------------


async def test_every_outcome_and_reason_round_trips(store: Store, clock: FakeClock) -> None:
    project = await add(store, clock, "p")
    written = []
    for outcome in DecisionOutcome:
        for reason in DecisionReason:
            clock.advance(1)
            written.append(await store.scheduling.record_decision(
                project.id, now=clock.now(), source="schedule", outcome=outcome, reason=reason,
                detail=f"{outcome} {reason}"))
    read = await store.scheduling.decisions(project.id, limit=len(written))
    assert list(reversed(read)) == written
    assert all(type(d.outcome) is DecisionOutcome and type(d.reason) is DecisionReason
               for d in read)


def test_every_reason_has_its_word_and_fixed_reasons_their_sentence() -> None:
    words = {r: r.word for r in DecisionReason}
    assert words == {
        R.FIRED: "", R.MISSED: "missed", R.RUNNING: "running", R.LIMIT: "limit",
        R.WAITING: "waiting", R.BUDGET: "budget", R.PAUSED: "paused", R.DISABLED: "disabled",
        R.REMOVED: "removed", R.FAILURES: "", R.ERROR: "", R.OTHER: "",
        R.PLAN_LIMIT: "plan limit", R.PLAN_RESERVE: "plan reserve",
    }
    assert set(REASON_TEXT) == {R.RUNNING, R.LIMIT, R.BUDGET, R.PAUSED, R.DISABLED, R.WAITING,
                                R.REMOVED}


# the migration -----------------------------------------------------------------------------

# (outcome, detail as an older shifttui wrote it) -> the reason the upgrade gives it, and the
# status cell the old prefix matching showed (which must not change).
OLD_ROWS = [
    ("started", "due 2026-11-21 06:00", R.FIRED, "▶ started"),
    ("started", "missed 2 runs while no scheduler ran (last due 2026-11-20 12:00)", R.MISSED,
     "▶ started: missed"),
    ("started", "deferred since 2026-11-21 04:00; due 2026-11-21 04:00", R.FIRED, "▶ started"),
    ("skipped", f"{REASON_TEXT[R.RUNNING]}; due 2026-11-21 04:00", R.RUNNING,
     "⊘ skipped: running"),
    ("deferred", f"{REASON_TEXT[R.LIMIT]}; cli: CI passed", R.LIMIT, "↷ deferred: limit"),
    ("skipped", f"{REASON_TEXT[R.BUDGET]}; due 08:00", R.BUDGET, "⊘ skipped: budget"),
    ("skipped", f"{REASON_TEXT[R.DISABLED]}; cli: x", R.DISABLED, "⊘ skipped: disabled"),
    ("skipped", f"{REASON_TEXT[R.WAITING]}; due 09:00", R.WAITING, "⊘ skipped: waiting"),
    ("skipped", REASON_TEXT[R.REMOVED], R.REMOVED, "⊘ skipped: removed"),
    ("skipped", "paused (auto-paused after 3 consecutive failures); due 03:00", R.PAUSED,
     "⊘ skipped: paused"),
    ("skipped", "paused", R.PAUSED, "⊘ skipped: paused"),
    ("skipped", "missed 4 runs while no scheduler ran (last due 12:00); catch_up is skip",
     R.MISSED, "⊘ skipped: missed"),
    ("paused", "auto-paused after 3 consecutive failures (last: timeout, sh_1)", R.FAILURES,
     "‖ paused"),
    ("failed", "cannot start: prompt template missing", R.ERROR, "✖ failed"),
    ("skipped", "Shift Already Running", R.OTHER, "⊘ skipped"),
]


# The schema version before migration 4 gave decisions their reason column.
BEFORE_REASONS = 3


async def test_upgrade_gives_older_decisions_their_reasons(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "old.db"
    old = await Store.open(path, migrate_to=BEFORE_REASONS)
    try:
        project = await add(old, clock, "p")
    finally:
        await old.close()

    def write_old_rows() -> None:
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == BEFORE_REASONS
            columns = [r[1] for r in conn.execute("PRAGMA table_info(decisions)")]
            assert "reason" not in columns
            for i, (outcome, detail, _, _) in enumerate(OLD_ROWS):
                conn.execute(
                    "INSERT INTO decisions (project_id, ts, source, outcome, detail)"
                    " VALUES (?, ?, 'schedule', ?, ?)",
                    (project.id, ts(clock.now() + timedelta(minutes=i)), outcome, detail))
            conn.commit()
        finally:
            conn.close()

    await asyncio.to_thread(write_old_rows)
    async with await Store.open(path, now=clock.now()) as store:
        assert await store.db.user_version() == SCHEMA_VERSION
        decisions = list(reversed(await store.scheduling.decisions(project.id, limit=100)))
        # the outcome and the words stay as they were; the reason is new
        assert [(d.outcome.value, d.detail) for d in decisions] == [
            (o, detail) for o, detail, _, _ in OLD_ROWS]
        assert [d.reason for d in decisions] == [reason for _, _, reason, _ in OLD_ROWS]
        assert [decision_status(d).plain for d in decisions] == [
            shown for _, _, _, shown in OLD_ROWS]
        # what the daemon's log and `shifttui decisions` print is unchanged too
        assert format_decision(decisions[3], UTC).endswith(
            "p [schedule] skipped: shift already running; due 2026-11-21 04:00")
        # and new decisions are written with their reason beside the old ones
        new = await store.scheduling.record_decision(
            project.id, now=clock.now() + timedelta(hours=1), source="schedule",
            outcome=SKIPPED, reason=R.BUDGET, detail=REASON_TEXT[R.BUDGET])
        assert (await store.scheduling.decisions(project.id, limit=1)) == [new]
