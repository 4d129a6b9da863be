"""`shifttui usage`, the plan line of `status` and `resume_at` in `shifts --json` (issue 15)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shifttui.base.config import Home
from shifttui.base.models import FailureKind, Policy, Trigger
from shifttui.base.plan import NO_WINDOWS, PlanWindow, WindowStatus
from shifttui.cli import main
from shifttui.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
RESET = NOW + timedelta(hours=2)


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    """The CLI reads the real clock, so "seen 3m ago" is measured from this test's own start,
    not from when the module was imported (a long suite made it "8m ago")."""
    global NOW, RESET
    NOW = datetime.now(UTC).replace(microsecond=0)
    RESET = NOW + timedelta(hours=2)


def _cli(capsys: pytest.CaptureFixture[str], home: Home, *args: str) -> str:
    capsys.readouterr()
    assert main(["--home", str(home.root), *args]) == 0
    return capsys.readouterr().out


async def _seed(home: Home, tmp_path: Path, *, windows: bool) -> str:
    store = await Store.open(home.db_path, now=NOW)
    try:
        if windows:
            await store.plan.record([
                PlanWindow(type="five_hour", status=WindowStatus.REJECTED, utilization=1.0,
                           resets_at=RESET, seen_at=NOW - timedelta(minutes=3)),
                PlanWindow(type="seven_day", status=WindowStatus.ALLOWED, utilization=0.4,
                           resets_at=RESET + timedelta(days=2),
                           seen_at=NOW - timedelta(minutes=3)),
            ])
        project = await store.projects.add("p", str(tmp_path), Policy(), NOW)
        shift = await store.shifts.claim(project.id, trigger=Trigger.MANUAL, now=NOW,
                                         deadline=NOW + timedelta(hours=1), owner_pid=1,
                                         owner_token="t")
        await store.shifts.interrupt(shift.id, "plan limit", NOW,
                                     failure_kind=FailureKind.RATE_LIMITED,
                                     resume_at=RESET + timedelta(seconds=30))
        return shift.id
    finally:
        await store.close()


def test_usage_and_status_tell_the_windows_and_the_waiting_resume(
    capsys: pytest.CaptureFixture[str], home: Home, tmp_path: Path
) -> None:
    shift_id = asyncio.run(_seed(home, tmp_path, windows=True))
    data = json.loads(_cli(capsys, home, "usage", "--json"))
    iso = RESET.isoformat().replace("+00:00", "Z")
    assert data["windows"][0] == {
        "type": "five_hour", "status": "rejected", "utilization": 1.0, "resets_at": iso,
        "seen_at": (NOW - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")}
    assert [w["type"] for w in data["windows"]] == ["five_hour", "seven_day"]
    assert data["resumes"] == [{"shift_id": shift_id, "project_id": "p", "resume_at":
                                (RESET + timedelta(seconds=30)).isoformat().replace(
                                    "+00:00", "Z")}]
    text = _cli(capsys, home, "usage")
    assert "5h" in text and "exhausted" in text and "seen 3m ago" in text
    assert f"{shift_id} (p) resumes at" in text
    status = _cli(capsys, home, "status")
    [line] = [ln for ln in status.splitlines() if ln.startswith("plan")]
    assert "5h limit" in line and "7d 40%" in line and "new shifts are held" in line
    assert "1 shift resumes by itself" in line
    assert json.loads(_cli(capsys, home, "status", "--json"))["plan"]["windows"]
    [shift] = json.loads(_cli(capsys, home, "shifts", "--json"))
    assert shift["resume_at"] is not None and shift["failure_kind"] == "rate_limited"


def test_with_an_api_key_usage_says_why_there_are_no_windows(
    capsys: pytest.CaptureFixture[str], home: Home, tmp_path: Path
) -> None:
    asyncio.run(_seed(home, tmp_path, windows=False))
    assert _cli(capsys, home, "usage").strip() == NO_WINDOWS
    assert json.loads(_cli(capsys, home, "usage", "--json"))["windows"] == []
    assert NO_WINDOWS in _cli(capsys, home, "status")
