"""Two schedulers in two processes on one database over a simulated span: every due run fires
exactly once, and killing the lease holder hands the schedule over."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import Policy, Trigger
from shifttui.scheduling.lease import LEASE_TTL_S, RENEW_FRACTION
from shifttui.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
WORKER = Path(__file__).with_name("scheduler_worker.py")
SCHEDULES = {"every-minute": "* * * * *", "five": "*/5 * * * *", "seven": "*/7 * * * *"}


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.alive = True

    async def tick(self, when: datetime) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{when.isoformat()}\n".encode())
        await self.proc.stdin.drain()
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 10)).decode().split()
        assert line and line[0] == when.isoformat(), line
        return line[1]


async def spawn(db: Path) -> Worker:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), str(db), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    return Worker(proc)


def expected_dues(start: datetime, end: datetime, expr: str) -> list[str]:
    minute = expr.split()[0]
    step = 1 if minute == "*" else int(minute.removeprefix("*/"))
    out = []
    t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= end:
        local = t.astimezone(BERLIN)
        if local.minute % step == 0:
            out.append(local.strftime("%Y-%m-%d %H:%M"))
        t += timedelta(minutes=1)
    return out


@pytest.mark.timeout(120)
async def test_two_processes_fire_each_due_run_once_and_hand_over(
    home: Home, clock: FakeClock
) -> None:
    start = datetime(2026, 11, 20, 8, 0, 10, 500000, tzinfo=UTC)
    end = start + timedelta(minutes=16)
    kill_at = start + timedelta(minutes=7, seconds=45)
    async with await Store.open(home.db_path) as store:
        for name, expr in SCHEDULES.items():
            await store.projects.add(name, f"/tmp/{name}", Policy(schedule=expr), start)
    workers = [await spawn(home.db_path), await spawn(home.db_path)]
    killed: Worker | None = None
    handed_over_at: datetime | None = None
    try:
        t = start
        while t <= end:
            roles = await asyncio.gather(*(w.tick(t) for w in workers if w.alive))
            assert roles.count("holder") <= 1, (t, roles)
            if killed is None and t >= kill_at:
                holder = workers[roles.index("holder")]
                holder.proc.send_signal(signal.SIGKILL)
                await holder.proc.wait()
                holder.alive = False
                killed, kill_at = holder, t
            elif killed is not None and handed_over_at is None and "holder" in roles:
                handed_over_at = t
            t += timedelta(seconds=1)  # as the real loop does
    finally:
        for w in workers:
            if w.alive and w.proc.stdin:
                w.proc.stdin.write(b"stop\n")
                await w.proc.stdin.drain()
                await asyncio.wait_for(w.proc.wait(), 10)
    assert killed is not None and handed_over_at is not None
    # the holder renewed at most a renewal interval before it died; the survivor takes over
    # at its first tick after the lease's time to live
    ttl, renew = LEASE_TTL_S, LEASE_TTL_S * RENEW_FRACTION
    assert timedelta(seconds=ttl - renew - 1) <= handed_over_at - kill_at \
        <= timedelta(seconds=ttl + 1)

    async with await Store.open(home.db_path) as store:
        for name, expr in SCHEDULES.items():
            shifts = await store.shifts.list(name, limit=1000)
            assert all(s.trigger is Trigger.SCHEDULED for s in shifts)
            dues = [re.search(r"due (\S+ \S+)\)", s.reason or "").group(1)  # type: ignore[union-attr]
                    for s in shifts]
            counts = Counter(dues)
            assert [d for d, n in counts.items() if n > 1] == [], f"{name}: doubled runs"
            assert sorted(counts) == expected_dues(start, end, expr), name
            decisions = await store.scheduling.decisions(name, limit=1000)
            assert {d.outcome for d in decisions} == {"started"}
        pids = {s.owner_pid for s in await store.shifts.list(limit=1000)}
        # both processes fired: the one that was killed and the one that took over
        assert pids == {w.proc.pid for w in workers}
