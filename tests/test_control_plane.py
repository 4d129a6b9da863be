"""One shifttui, many windows: a shift owned by one process (the daemon) is answered, abandoned
and force-completed from another (this test process, the CLI), through the database; notices
carry their content to notify_command; a request to a dead owner's shift is resolved."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from agent_support import git_repo
from test_scheduler_daemon import Proc, run, running_daemon
from timing import wall

from shifttui.base.clock import SystemClock
from shifttui.base.config import Home
from shifttui.base.control import RequestKind
from shifttui.base.errors import StateError
from shifttui.base.models import Policy, Shift, ShiftStatus, Trigger
from shifttui.shifts.control import send_request
from shifttui.store import Store

NOTIFY = ("python3 -c \"import sys; open(sys.argv[1], 'a').write(sys.stdin.read() + '\\n')\" "
          "{path}")


@pytest.fixture
async def daemon(home: Home, fake_cli: Path, tmp_path: Path) -> AsyncIterator[Proc]:
    notices = tmp_path / "notices.jsonl"
    home.update_config(claude_cli=str(fake_cli), question_timeout_seconds=120,
                       notify_command=NOTIFY.format(path=notices))
    async with await Store.open(home.db_path) as store:
        for name, scenario in (("asker", "ask"), ("slow", "slow")):
            await store.projects.add(name, str(git_repo(tmp_path / name)),
                                     Policy(env={"SHIFTTUI_FAKE_SCENARIO": scenario}),
                                     datetime.now(UTC))
    async with running_daemon(home, fake_cli) as proc:
        yield proc


async def _started(home: Home, fake_cli: Path, daemon: Proc, name: str) -> Shift:
    code, _, err = await run(home, fake_cli, "trigger", name)
    assert code == 0, err
    await daemon.expect("[trigger] started", within=10)
    async with await Store.open(home.db_path) as store:
        [shift] = await store.shifts.list(name)
    assert shift.status is ShiftStatus.RUNNING and shift.owner_pid == daemon.proc.pid
    return shift


async def _until(what: str, check: object, within: float = 15.0) -> None:
    """Another process changes the database: there is nothing to await but the change."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.timeout(90)
async def test_a_daemon_shifts_question_is_answered_from_the_cli(
    home: Home, fake_cli: Path, daemon: Proc, tmp_path: Path
) -> None:
    shift = await _started(home, fake_cli, daemon, "asker")
    questions: list[dict[str, object]] = []

    async def asked() -> bool:
        code, out, err = await run(home, fake_cli, "questions", "--json")
        assert code == 0, err
        questions[:] = json.loads(out)
        return bool(questions)

    await _until("the question", asked)
    [question] = questions
    assert (question["shift_id"], question["project"]) == (shift.id, "asker")
    assert str(question["question"]).strip()
    code, out, err = await run(home, fake_cli, "answer", str(question["id"])[:5], "use", "sqlite")
    assert code == 0 and "answered" in out, err

    async with await Store.open(home.db_path) as store:
        async def ended() -> bool:
            return (await store.shifts.get(shift.id)).status is not ShiftStatus.RUNNING

        await _until("the shift's end", ended)
        final = await store.shifts.get(shift.id)
        handoff = await store.handoffs.for_shift(shift.id)
        stored = await store.control.question(str(question["id"]))
    assert final.status is ShiftStatus.COMPLETED and handoff is not None
    assert "use sqlite" in handoff.model_dump_json()  # the answer reached the agent
    assert (stored.status.value, stored.answered_by) == ("answered", "cli")
    code, _, err = await run(home, fake_cli, "answer", str(question["id"]), "again")
    assert code == 2 and "no longer waiting (answered)" in err and err.count("\n") == 1

    # The daemon ran notify_command with the content of each notice.
    notices_path = tmp_path / "notices.jsonl"

    async def notified() -> bool:
        return notices_path.exists() and '"shift_ended"' in notices_path.read_text()

    await _until("the end notice", notified)
    notices = [json.loads(line) for line in notices_path.read_text().splitlines()]
    by_kind = {n["kind"]: n for n in notices}
    assert by_kind["question"]["data"]["question"] == question["question"]
    assert by_kind["question"]["shift_id"] == shift.id
    ended_data = by_kind["shift_ended"]["data"]
    assert ended_data["outcome"] == "completed" and ended_data["project"] == "asker"
    assert ended_data["summary"] == handoff.summary.splitlines()[0]
    assert isinstance(ended_data["cost_usd"], float)


@pytest.mark.wallclock
@pytest.mark.timeout(90)
async def test_a_daemon_shift_is_abandoned_from_another_process_within_a_second(
    home: Home, fake_cli: Path, daemon: Proc
) -> None:
    shift = await _started(home, fake_cli, daemon, "slow")
    async with await Store.open(home.db_path) as store:
        started = time.monotonic()
        final = await send_request(store, SystemClock(), shift.id, RequestKind.ABANDON,
                                   {"reason": "wrong branch"}, by="test")
        took = time.monotonic() - started
        assert final.status is ShiftStatus.ABANDONED
        assert final.error is not None and "wrong branch" in final.error
        assert took < wall(1.0), f"the owner took {took:.2f} s"
        with pytest.raises(StateError, match="already ended"):
            await send_request(store, SystemClock(), shift.id, RequestKind.ABANDON,
                               {"reason": "again"}, by="test")
    code, _, err = await run(home, fake_cli, "abandon", shift.id, "--reason", "again")
    assert code == 2 and "already ended" in err and err.count("\n") == 1


@pytest.mark.timeout(90)
async def test_a_daemon_shift_is_force_completed_from_the_cli(
    home: Home, fake_cli: Path, daemon: Proc
) -> None:
    shift = await _started(home, fake_cli, daemon, "slow")
    code, out, err = await run(home, fake_cli, "finish", "slow")
    assert code == 0, err
    assert f"shift {shift.id} completed" in out
    async with await Store.open(home.db_path) as store:
        final = await store.shifts.get(shift.id)
        assert final.status is ShiftStatus.COMPLETED and final.forced


def _dead_process_token() -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c",
         "from shifttui.system.procs import process_token; print(process_token())"],
        check=True, capture_output=True, text=True, timeout=20,
    ).stdout.strip()
    return int(out.split(":")[0]), out


@pytest.mark.wallclock
@pytest.mark.timeout(30)
async def test_a_request_to_a_dead_owners_shift_is_answered_by_recovery(
    store: Store, tmp_path: Path
) -> None:
    dead_pid, dead_token = await asyncio.to_thread(_dead_process_token)
    now = datetime.now(UTC)
    shifts = []
    for name in ("one", "two"):
        project = await store.projects.add(name, str(tmp_path), Policy(), now)
        shifts.append(await store.shifts.claim(
            project.id, trigger=Trigger.MANUAL, now=now, deadline=now, owner_pid=dead_pid,
            owner_token=dead_token))
        qid = f"q{name}"
        await store.control.ask(qid, shifts[-1].id, project.id, "which db?", now=now,
                                timeout_at=now)
    started = time.monotonic()
    abandoned = await send_request(store, SystemClock(), shifts[1].id, RequestKind.ABANDON,
                                   {"reason": "nobody home"}, by="test")
    with pytest.raises(StateError, match="is gone; the shift is now interrupted"):
        await send_request(store, SystemClock(), shifts[0].id, RequestKind.FINISH, {},
                           by="test")
    # No waiting on an owner that cannot answer.
    assert time.monotonic() - started < wall(1.0)
    assert (await store.shifts.get(shifts[0].id)).status is ShiftStatus.INTERRUPTED
    assert abandoned.status is ShiftStatus.ABANDONED
    assert (await store.control.question("qone")).status.value == "closed"
    assert (await store.control.question("qtwo")).status.value == "closed"
