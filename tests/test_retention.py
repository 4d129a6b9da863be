"""Retention: old shifts lose their payloads (each event keeps its summary, the shift and its
handoff stay), recent and running ones keep them, and the file gives the pages back."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import EventKind, HandoffInput, Policy, ShiftEvent, Trigger
from shifttui.runtime.retention import apply_retention
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)
BIG = "".join(f"line {i}: {'x' * (i % 70)}\n" for i in range(3000))


async def _shift(store: Store, clock: FakeClock, project: str, *, end: bool = True) -> str:
    shift = await store.shifts.claim(project, trigger=Trigger.MANUAL, now=clock.now(),
                                     deadline=clock.now() + timedelta(hours=1), owner_pid=1,
                                     owner_token="t", reason=None)
    await store.events.append([ShiftEvent(shift.id, i, clock.now(), EventKind.TOOL_RESULT,
                                          f"ok {i}", {"content": BIG + str(i)})
                               for i in range(1, 41)])
    if end:
        await store.shifts.complete(shift.id, HandoffInput(summary="done"), now=clock.now())
    return shift.id


async def test_prune_drops_old_payloads_only_and_shrinks_the_file(
    home: Home, store: Store, clock: FakeClock
) -> None:
    for name in ("old", "new", "busy"):
        await store.projects.add(name, f"/tmp/{name}", Policy(), clock.now())
    old = await _shift(store, clock, "old")
    clock.advance(100 * 86400)
    new = await _shift(store, clock, "new")
    clock.advance(86400)
    busy = await _shift(store, clock, "busy", end=False)
    cutoff = clock.now() - timedelta(days=90)
    dry = await apply_retention(store, home, cutoff, dry_run=True)
    assert (dry.shifts, dry.events) == (1, 40) and dry.shift_ids == [old]
    assert (await store.events.read(old))[0].payload["content"].startswith("line 0")
    done = await apply_retention(store, home, cutoff, convert=True)
    assert (done.shifts, done.events) == (1, 40)
    assert done.file_bytes_after < done.file_bytes_before
    events = await store.events.read(old)
    assert [e.summary for e in events] == [f"ok {i}" for i in range(1, 41)]
    assert all(e.payload == {} for e in events)
    assert (await store.shifts.get(old)).status.value == "completed"
    assert (await store.handoffs.for_shift(old)) is not None
    for kept in (new, busy):
        assert (await store.events.read(kept))[0].payload["content"].startswith("line 0")
    again = await apply_retention(store, home, cutoff)
    assert again.events == 0


def test_prune_command_reports_what_it_would_free(home: Home) -> None:
    out = subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home.root), "prune",
                          "--older-than", "30", "--dry-run", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["dry_run"] is True and figures["older_than_days"] == 30
    assert figures["events"] == 0
