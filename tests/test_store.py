"""The SQLite store against real database files: claims, endings, recovery, migrations, the rest."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.errors import (
    AlreadyRunning,
    DatabaseError,
    InvalidInput,
    NotFound,
    StateError,
)
from shifttui.base.models import (
    EventKind,
    FailureKind,
    Handoff,
    HandoffInput,
    Policy,
    Project,
    Shift,
    ShiftEvent,
    ShiftStatus,
    Trigger,
)
from shifttui.base.states import DecisionOutcome, DecisionReason
from shifttui.store import SCHEMA_VERSION, Store
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(30)

HOUR = timedelta(hours=1)


async def _project(store: Store, now: datetime, name: str = "Demo") -> Project:
    return await store.projects.add(name, f"/tmp/{name}", Policy(), now)


async def _claim(
    store: Store, project_id: str, now: datetime, *, owner_pid: int | None = None,
    owner_token: str | None = None,
) -> Shift:
    return await store.shifts.claim(
        project_id, trigger=Trigger.MANUAL, now=now, deadline=now + 2 * HOUR,
        owner_pid=owner_pid or os.getpid(), owner_token=owner_token or process_token(),
    )


# claims --------------------------------------------------------------------------------------


async def test_two_connections_claim_once(store: Store, home: Home, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    other = await Store.open(home.db_path)
    try:
        results = await asyncio.gather(
            _claim(store, project.id, clock.now()),
            _claim(other, project.id, clock.now()),
            return_exceptions=True,
        )
    finally:
        await other.close()
    won = [r for r in results if isinstance(r, Shift)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], AlreadyRunning)
    assert "already running" in str(lost[0]) and won[0].id in str(lost[0])
    running = await store.shifts.running()
    assert [s.id for s in running] == [won[0].id]


_CLAIMER = """
import asyncio, json, os, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from shifttui.base.errors import AlreadyRunning
from shifttui.base.models import Trigger
from shifttui.system.procs import process_token
from shifttui.store import Store

async def main():
    store = await Store.open(Path(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()
    now = datetime.now(UTC)
    try:
        shift = await store.shifts.claim(
            sys.argv[2], trigger=Trigger.MANUAL, now=now, deadline=now + timedelta(hours=1),
            owner_pid=os.getpid(), owner_token=process_token())
        print(json.dumps({"won": shift.id}), flush=True)
    except AlreadyRunning as exc:
        print(json.dumps({"lost": str(exc)}), flush=True)
    await store.close()

asyncio.run(main())
"""


async def test_two_processes_claim_once(store: Store, home: Home, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _CLAIMER, str(home.db_path), project.id,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:  # both connected before either claims
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    outputs = [await asyncio.wait_for(p.communicate(), 20) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    winners = [r["won"] for r in results if "won" in r]
    losers = [r["lost"] for r in results if "lost" in r]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "demo: a shift is already running since" in losers[0] and winners[0] in losers[0]
    assert [s.id for s in await store.shifts.running()] == winners


async def test_claim_on_unknown_project_is_not_found(store: Store, clock: FakeClock) -> None:
    with pytest.raises(NotFound, match="no project"):
        await _claim(store, "ghost", clock.now())


# completing and ending -------------------------------------------------------------------------


async def test_complete_without_handoff_is_refused(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    with pytest.raises(InvalidInput, match="without a handoff"):
        await store.shifts.complete(shift.id, None, now=clock.now())
    assert (await store.shifts.get(shift.id)).status is ShiftStatus.RUNNING


@pytest.mark.parametrize("summary", ["", "   \n\t"])
def test_handoff_needs_a_summary(summary: str) -> None:
    with pytest.raises(ValidationError, match="summary"):
        HandoffInput(summary=summary)
    with pytest.raises(ValidationError, match="summary"):
        HandoffInput.model_validate({"next_steps": ["x"]})


async def test_blank_handoff_smuggled_past_pydantic_is_refused(
    store: Store, clock: FakeClock
) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    blank = HandoffInput.model_construct(summary="  ", completed=[], in_progress=[], blockers=[],
                                         next_steps=[], decisions=[], questions_for_operator=[])
    with pytest.raises((InvalidInput, ValidationError), match="summary"):
        await store.shifts.complete(shift.id, blank, now=clock.now())
    assert (await store.shifts.get(shift.id)).status is ShiftStatus.RUNNING
    assert await store.handoffs.for_shift(shift.id) is None


async def test_database_refuses_completed_without_handoff(
    store: Store, clock: FakeClock
) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with store.db.write() as tx:
            await tx.execute("UPDATE shifts SET status = 'completed' WHERE id = ?", (shift.id,))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with store.db.write() as tx:
            await tx.execute(
                "INSERT INTO handoffs (shift_id, project_id, summary, body, author, created_at)"
                " VALUES (?, ?, '   ', '{}', 'agent', 'x')",
                (shift.id, project.id),
            )
    assert (await store.shifts.get(shift.id)).status is ShiftStatus.RUNNING


async def test_complete_stores_the_handoff(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    clock.advance(600)
    handoff = await store.shifts.complete(
        shift.id,
        HandoffInput(summary=" Fixed the parser ", next_steps=["add tests", "  "]),
        now=clock.now(), files_changed=["a.py"],
    )
    stored = await store.handoffs.latest(project.id)
    assert stored == handoff
    assert stored.summary == "Fixed the parser" and stored.next_steps == ["add tests"]
    assert stored.files_changed == ["a.py"]
    done = await store.shifts.get(shift.id)
    assert done.status is ShiftStatus.COMPLETED and done.handoff_id == handoff.id
    assert done.duration_s == 600


async def test_complete_accepts_a_stored_handoff_as_input(store: Store, clock: FakeClock) -> None:
    """An operator editing a loaded Handoff passes the richer model back in."""
    project = await _project(store, clock.now())
    first = await _claim(store, project.id, clock.now())
    old = await store.shifts.complete(first.id, HandoffInput(summary="one"), now=clock.now())
    clock.advance(60)
    second = await _claim(store, project.id, clock.now())
    edited: Handoff = old.model_copy(update={"summary": "two"})
    handoff = await store.shifts.complete(second.id, edited, now=clock.now())
    assert handoff.summary == "two" and handoff.shift_id == second.id


@pytest.mark.parametrize("reason", ["", "   "])
async def test_abandon_needs_a_reason(store: Store, clock: FakeClock, reason: str) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    with pytest.raises(InvalidInput, match="reason"):
        await store.shifts.abandon(shift.id, reason, clock.now())
    assert (await store.shifts.get(shift.id)).status is ShiftStatus.RUNNING
    ended = await store.shifts.abandon(shift.id, " wrong branch ", clock.now())
    assert ended.status is ShiftStatus.ABANDONED and ended.error == "wrong branch"


async def test_ending_an_ended_shift_is_a_state_error(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    await store.shifts.fail(shift.id, FailureKind.AGENT_ERROR, "boom", clock.now())
    now = clock.now()
    attempts = [
        store.shifts.complete(shift.id, HandoffInput(summary="late"), now=now),
        store.shifts.abandon(shift.id, "why", now),
        store.shifts.fail(shift.id, FailureKind.TIMEOUT, "x", now),
        store.shifts.interrupt(shift.id, "x", now),
        store.shifts.expire(shift.id, "x", now),
    ]
    for attempt in attempts:
        with pytest.raises(StateError, match="already failed"):
            await attempt
    final = await store.shifts.get(shift.id)
    assert final.status is ShiftStatus.FAILED and final.failure_kind is FailureKind.AGENT_ERROR
    assert await store.handoffs.for_shift(shift.id) is None


# recovery ----------------------------------------------------------------------------------------


def _dead_process_token() -> tuple[int, str]:
    """The (pid, token) of a real process that has exited and been reaped."""
    out = subprocess.run(
        [sys.executable, "-c",
         "from shifttui.system.procs import process_token; print(process_token())"],
        check=True, capture_output=True, text=True, timeout=20,
    ).stdout.strip()
    return int(out.split(":")[0]), out


async def test_recovery_interrupts_only_dead_owners(
    store: Store, home: Home, clock: FakeClock
) -> None:
    dead_pid, dead_token = await asyncio.to_thread(_dead_process_token)
    orphan_project = await _project(store, clock.now(), "Orphan")
    live_project = await _project(store, clock.now(), "Live")
    orphan = await _claim(store, orphan_project.id, clock.now(),
                          owner_pid=dead_pid, owner_token=dead_token)
    live = await _claim(store, live_project.id, clock.now())
    # Same pid, different start time: a reused pid is not the owner.
    reused_project = await _project(store, clock.now(), "Reused")
    reused = await _claim(store, reused_project.id, clock.now(),
                          owner_pid=os.getpid(), owner_token=f"{os.getpid()}:1.000")
    later = clock.now() + HOUR
    reopened = await Store.open(home.db_path, now=later)
    try:
        assert sorted(reopened.recovered) == sorted([orphan.id, reused.id])
        for sid in (orphan.id, reused.id):
            got = await reopened.shifts.get(sid)
            assert got.status is ShiftStatus.INTERRUPTED and got.ended_at == later
            assert got.error and "stopped during the shift" in got.error
        assert (await reopened.shifts.get(live.id)).status is ShiftStatus.RUNNING
    finally:
        await reopened.close()


async def test_open_without_now_recovers_nothing(
    store: Store, home: Home, clock: FakeClock
) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now(), owner_pid=1, owner_token="1:0.000")
    reopened = await Store.open(home.db_path)
    try:
        assert reopened.recovered == []
        assert (await reopened.shifts.get(shift.id)).status is ShiftStatus.RUNNING
    finally:
        await reopened.close()


# migrations and the connection -------------------------------------------------------------------


async def _user_version(path: Path) -> int:
    def read() -> int:
        conn = sqlite3.connect(path)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()

    return await asyncio.to_thread(read)


async def test_old_database_is_upgraded_with_data_intact(tmp_path: Path, clock: FakeClock) -> None:
    assert SCHEMA_VERSION > 1
    path = tmp_path / "old.db"
    old = await Store.open(path, migrate_to=1)
    try:
        assert await old.db.user_version() == 1
        project = await _project(old, clock.now())
        shift = await _claim(old, project.id, clock.now())
        await old.events.append([
            ShiftEvent(shift_id=shift.id, seq=1, ts=clock.now(), kind=EventKind.TEXT, summary="hi")
        ])
        await old.shifts.complete(shift.id, HandoffInput(summary="did it"), now=clock.now())
        await old.feedback.add(shift.id, 4, "good", clock.now())
        # (a SQLite error is a DatabaseError naming the file, like every storage fault)
        with pytest.raises(DatabaseError, match="no such table"):
            await old.scheduling.decisions()
    finally:
        await old.close()
    assert await _user_version(path) == 1

    store = await Store.open(path, now=clock.now())
    try:
        assert await store.db.user_version() == SCHEMA_VERSION
        assert (await store.projects.get("Demo")).id == project.id
        assert (await store.handoffs.latest(project.id)) is not None
        assert (await store.shifts.get(shift.id)).status is ShiftStatus.COMPLETED
        assert await store.events.count(shift.id) == 1
        assert [f.note for f in await store.feedback.for_shift(shift.id)] == ["good"]
        await store.scheduling.record_decision(
            project.id, now=clock.now(), source="cron", outcome=DecisionOutcome.STARTED,
            reason=DecisionReason.FIRED,
        )
        assert len(await store.scheduling.decisions(project.id)) == 1
    finally:
        await store.close()
    assert await _user_version(path) == SCHEMA_VERSION


async def test_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.db"

    def create() -> None:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE from_the_future (x)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()

    await asyncio.to_thread(create)
    before = await asyncio.to_thread(path.read_bytes)
    with pytest.raises(DatabaseError, match=r"newer shifttui .*upgrade shifttui"):
        await Store.open(path)
    assert await asyncio.to_thread(path.read_bytes) == before
    assert await asyncio.to_thread(os.listdir, tmp_path) == ["future.db"]


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(DatabaseError, match="not a usable shifttui database"):
        await Store.open(path)


async def test_two_stores_creating_one_database_at_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    stores = await asyncio.gather(Store.open(path), Store.open(path), return_exceptions=True)
    try:
        assert all(isinstance(s, Store) for s in stores), stores
    finally:
        for s in stores:
            if isinstance(s, Store):
                await s.close()
    assert await _user_version(path) == SCHEMA_VERSION


async def test_wal_and_foreign_keys_are_on(store: Store) -> None:
    journal = await store.db.fetchone("PRAGMA journal_mode")
    fks = await store.db.fetchone("PRAGMA foreign_keys")
    assert journal is not None and journal[0] == "wal"
    assert fks is not None and fks[0] == 1


# events, feedback, projects ----------------------------------------------------------------------


async def test_events_batch_range_tail_count(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    assert await store.events.last_seq(shift.id) == 0
    assert await store.events.tail(shift.id) == []
    batch = [
        ShiftEvent(shift_id=shift.id, seq=i, ts=clock.now() + timedelta(seconds=i),
                   kind=EventKind.TOOL_USE, summary=f"step {i}", payload={"i": i, "ü": [1]})
        for i in range(1, 8)
    ]
    await store.events.append(batch)
    await store.events.append(batch[-2:])  # a retried batch does not duplicate
    assert await store.events.count(shift.id) == 7
    assert await store.events.last_seq(shift.id) == 7
    assert [e.seq for e in await store.events.read(shift.id, start_seq=3, limit=2)] == [3, 4]
    tail = await store.events.tail(shift.id, n=3)
    assert [e.seq for e in tail] == [5, 6, 7]
    assert tail[-1] == batch[-1]


async def test_events_keep_every_payload_exactly(store: Store, clock: FakeClock,
                                                  tmp_path: Path) -> None:
    """Text that JSON escapes, floats, NUL, a lone surrogate (json accepts one, orjson does
    not; only the summary, display text, loses it) and numbers survive unchanged."""
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    hostile = {"t": 'a\x00b "q" \\ é \u2028 🎉 \n\t', "f": [1e-05, 0.30000000000000004, -0.0],
               "n": None, "nested": {"k": [True, {"x": ""}]}, "i": 2**63 - 1}
    events = [
        ShiftEvent(shift.id, 1, clock.now(), EventKind.TEXT, 'say "hi"\x00 é \\', hostile),
        ShiftEvent(shift.id, 2, clock.now(), EventKind.TOOL_RESULT, "ok", {}),
        ShiftEvent(shift.id, 3, clock.now(), EventKind.TEXT, "broken \ud800 file",
                   {"text": "broken \ud800 file"}),
    ]
    await store.events.append(events)
    stored = await store.events.read(shift.id)
    assert [e.payload for e in stored] == [e.payload for e in events]
    assert [e.summary for e in stored] == ['say "hi"\x00 é \\', "ok", "broken ? file"]
    assert [e.ts for e in stored] == [e.ts for e in events]
    assert [e.kind for e in stored] == [EventKind.TEXT, EventKind.TOOL_RESULT, EventKind.TEXT]


@pytest.mark.parametrize("size", [1, 499, 500, 501, 1203])
async def test_events_batches_of_any_size_are_stored_whole(store: Store, clock: FakeClock,
                                                           size: int) -> None:
    """Rows go in as multi-row INSERTs of up to 500 rows: none lost, none doubled."""
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    batch = [ShiftEvent(shift.id, i, clock.now(), EventKind.TEXT, f"line {i}", {"i": i})
             for i in range(1, size + 1)]
    await store.events.append(batch)
    await store.events.append(batch[size // 2:])  # a retried half changes nothing
    stored = await store.events.read(shift.id, limit=size + 10)
    assert [(e.seq, e.summary, e.payload) for e in stored] == [
        (i, f"line {i}", {"i": i}) for i in range(1, size + 1)]


async def test_feedback_ratings(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    for bad in (0, 6, -1):
        with pytest.raises(InvalidInput, match="between 1 and 5"):
            await store.feedback.add(shift.id, bad, "", clock.now())
    with pytest.raises(NotFound):
        await store.feedback.add("nope", 3, "", clock.now())
    await store.feedback.add(shift.id, 1, "did not run the tests", clock.now())
    clock.advance(60)
    await store.feedback.add(shift.id, 5, " always run the tests ", clock.now())
    notes = [(f.rating, f.note) for f in await store.feedback.for_project(project.id)]
    assert notes == [(5, "always run the tests"), (1, "did not run the tests")]


async def test_removing_a_project_with_a_running_shift_is_refused(
    store: Store, clock: FakeClock
) -> None:
    project = await _project(store, clock.now())
    shift = await _claim(store, project.id, clock.now())
    with pytest.raises(StateError, match="running shift"):
        await store.projects.remove(project.id)
    assert (await store.projects.get(project.id)).id == project.id
    await store.shifts.abandon(shift.id, "moving on", clock.now())
    await store.projects.remove(project.id)
    with pytest.raises(NotFound):
        await store.shifts.get(shift.id)


# counting ----------------------------------------------------------------------------------------


async def _run(store: Store, project_id: str, clock: FakeClock, outcome: str,
               kind: FailureKind | None = None, cost: float = 0.0) -> Shift:
    clock.advance(3600)
    shift = await _claim(store, project_id, clock.now())
    if cost:
        await store.shifts.update_progress(shift.id, cost_usd=cost, tokens_in=1, tokens_out=1,
                                           num_turns=1)
    clock.advance(60)
    now = clock.now()
    if outcome == "completed":
        await store.shifts.complete(shift.id, HandoffInput(summary="ok"), now=now)
    elif outcome == "failed":
        assert kind is not None
        await store.shifts.fail(shift.id, kind, "x", now)
    elif outcome == "abandoned":
        await store.shifts.abandon(shift.id, "operator", now)
    elif outcome == "expired":
        await store.shifts.expire(shift.id, "deadline", now)
    elif outcome == "interrupted":
        await store.shifts.interrupt(shift.id, "quit", now)
    return await store.shifts.get(shift.id)


async def test_consecutive_failures(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())

    async def count() -> int:
        since = await store.projects.failures_reset_at(project.id)
        one = await store.shifts.consecutive_failures(project.id, since)
        # The projects view reads every project's count at once: it must agree at every step.
        assert (await store.shifts.consecutive_failures_all()).get(project.id, 0) == one
        return one

    assert await count() == 0
    await _run(store, project.id, clock, "failed", FailureKind.AGENT_ERROR)
    await _run(store, project.id, clock, "completed")
    assert await count() == 0
    steps = [
        ("failed", FailureKind.AGENT_ERROR, 1),
        ("failed", FailureKind.RATE_LIMITED, 1),
        ("abandoned", None, 1),
        ("interrupted", None, 1),
        ("expired", None, 2),
        ("failed", FailureKind.NO_HANDOFF, 3),
    ]
    for outcome, kind, expected in steps:
        await _run(store, project.id, clock, outcome, kind)
        assert await count() == expected, (outcome, kind)
    clock.advance(60)
    await store.projects.set_paused(project.id, True, "3 failures", clock.now())
    assert await count() == 3  # pausing is not resuming
    clock.advance(60)
    await store.projects.set_paused(project.id, False, None, clock.now())
    assert await count() == 0
    await _run(store, project.id, clock, "failed", FailureKind.BUDGET_EXHAUSTED)
    assert await count() == 1
    await _run(store, project.id, clock, "completed")
    assert await count() == 0


async def test_cost_since(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    await _run(store, project.id, clock, "completed", cost=1.25)
    mark = clock.now()
    await _run(store, project.id, clock, "failed", FailureKind.AGENT_ERROR, cost=0.5)
    await _run(store, project.id, clock, "completed", cost=2.0)
    assert await store.shifts.cost_since(mark) == pytest.approx(2.5)
    assert await store.shifts.cost_since(mark - 10 * HOUR) == pytest.approx(3.75)
    assert await store.shifts.cost_since(clock.now()) == 0.0


# the scheduler's tables --------------------------------------------------------------------------


async def test_decisions_newest_first(store: Store, clock: FakeClock) -> None:
    a = await _project(store, clock.now(), "Alpha")
    b = await _project(store, clock.now(), "Beta")
    started = (DecisionOutcome.STARTED, DecisionReason.FIRED)
    paused = (DecisionOutcome.SKIPPED, DecisionReason.PAUSED)
    limit = (DecisionOutcome.DEFERRED, DecisionReason.LIMIT)
    for project, (outcome, reason) in ((a, started), (b, paused), (a, limit)):
        clock.advance(60)
        await store.scheduling.record_decision(
            project.id, now=clock.now(), source="cron", outcome=outcome, reason=reason
        )
    assert [(d.outcome, d.reason) for d in await store.scheduling.decisions(a.id)] == [
        limit, started
    ]
    assert len(await store.scheduling.decisions()) == 3
    recent = await store.scheduling.decisions(since=clock.now() - timedelta(seconds=90))
    assert [(d.outcome, d.reason) for d in recent] == [limit, paused]


async def test_lease_acquire_renew_and_takeover(store: Store, clock: FakeClock) -> None:
    t0 = clock.now()

    async def acquire(holder: str, at: float) -> str:
        lease = await store.scheduling.acquire_lease(
            "scheduler", holder=holder, pid=1, host="h", now=t0 + timedelta(seconds=at), ttl_s=30
        )
        return lease.holder

    assert await acquire("A", 0) == "A"
    assert await acquire("B", 10) == "A"  # held
    assert await acquire("A", 20) == "A"  # renewed until t0+50
    assert await acquire("B", 45) == "A"  # would have expired at t0+30 without the renewal
    assert await acquire("B", 51) == "B"  # expired: taken over
    lease = await store.scheduling.lease("scheduler")
    assert lease is not None and lease.acquired_at == t0 + timedelta(seconds=51)
    await store.scheduling.release_lease("scheduler", "A")  # not A's any more
    assert (await store.scheduling.lease("scheduler")) is not None
    await store.scheduling.release_lease("scheduler", "B")
    assert await store.scheduling.lease("scheduler") is None


async def test_trigger_requests(store: Store, clock: FakeClock) -> None:
    project = await _project(store, clock.now())
    rid = await store.scheduling.request_trigger(
        project.id, now=clock.now(), source="cli", reason="ci passed"
    )
    pending = await store.scheduling.pending_triggers()
    assert [(r.id, r.reason) for r in pending] == [(rid, "ci passed")]
    await store.scheduling.mark_trigger_handled(rid, DecisionOutcome.STARTED, clock.now())
    assert await store.scheduling.pending_triggers() == []
