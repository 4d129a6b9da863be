"""The day report: exact markdown for a fixed day's data in a fixed zone, and the CLI around it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.config import Home
from shifttui.base.models import FailureKind, HandoffInput, Policy, Shift, Trigger
from shifttui.base.models import TestResult as Verdict
from shifttui.base.states import DecisionOutcome, DecisionReason
from shifttui.cli import main
from shifttui.review.report import day_bounds, day_report
from shifttui.store import Store
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(30)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 21)
MIN = timedelta(minutes=1)


def local(hour: int, minute: int, day: int = 21) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


async def _claim(store: Store, pid: str, at: datetime, trigger: Trigger = Trigger.SCHEDULED,
                 ) -> Shift:
    return await store.shifts.claim(pid, trigger=trigger, now=at, deadline=at + 120 * MIN,
                                    owner_pid=os.getpid(), owner_token=process_token())


async def seed(store: Store, path: Path) -> dict[str, str]:
    """Two projects; shifts just before, on and just after the day; scheduler decisions."""
    before = local(0, 0)
    alpha = await store.projects.add("alpha", str(path), Policy(), before - 3 * 24 * 60 * MIN)
    beta = await store.projects.add("Beta", str(path), Policy(), before - 3 * 24 * 60 * MIN)
    ids: dict[str, str] = {}

    # The evening before (local): not in the report, though the same UTC date as one that is.
    s = await _claim(store, alpha.id, local(23, 30, day=20))
    await store.shifts.update_progress(s.id, cost_usd=9.0, tokens_in=1, tokens_out=1,
                                       num_turns=1)
    await store.shifts.complete(s.id, HandoffInput(summary="yesterday"), now=local(23, 50, 20))

    # 00:30 local is still 2026-11-20 in UTC: in the report.
    s = await _claim(store, alpha.id, local(0, 30))
    await store.shifts.update_progress(s.id, cost_usd=1.25, tokens_in=1, tokens_out=1,
                                       num_turns=4)
    await store.shifts.complete(s.id, HandoffInput(summary="Fixed the flaky login test.\n"
                                                   "It was a race."),
                                now=local(1, 32))
    await store.shifts.set_outcome_details(s.id, test_result=Verdict(
        command="pytest", exit_code=0, passed=True))
    ids["night"] = s.id

    s = await _claim(store, beta.id, local(2, 0), Trigger.EVENT)
    await store.shifts.update_progress(s.id, cost_usd=5.02, tokens_in=1, tokens_out=1,
                                       num_turns=9)
    await store.shifts.fail(s.id, FailureKind.BUDGET_EXHAUSTED, "spent $5.02 of $5.00\nmore",
                            local(2, 7))
    ids["failed"] = s.id
    await store.scheduling.record_decision(
        beta.id, now=local(2, 8), source="failures", outcome=DecisionOutcome.PAUSED,
        reason=DecisionReason.FAILURES,
        detail=f"auto-paused after 3 consecutive failures (last: budget_exhausted, {s.id})",
        shift_id=s.id)
    await store.projects.set_paused(
        beta.id, True, "auto-paused after 3 consecutive failures", local(2, 8))

    await store.scheduling.record_decision(
        beta.id, now=local(3, 0), source="schedule", outcome=DecisionOutcome.SKIPPED,
        reason=DecisionReason.PAUSED,
        detail="paused (auto-paused after 3 consecutive failures); due 03:00")
    await store.scheduling.record_decision(
        alpha.id, now=local(4, 0), source="trigger", outcome=DecisionOutcome.FAILED,
        reason=DecisionReason.ERROR,
        detail="cannot start: prompt template missing")

    s = await _claim(store, alpha.id, local(9, 0), Trigger.MANUAL)
    await store.shifts.update_progress(s.id, cost_usd=0.5, tokens_in=1, tokens_out=1,
                                       num_turns=2)
    await store.shifts.complete(s.id, HandoffInput(summary="Added | pipes and *stars*"),
                                now=local(10, 15), forced=True)
    await store.shifts.set_outcome_details(s.id, test_result=Verdict(
        command="pytest", exit_code=1, passed=False))
    await store.shifts.mark_reviewed(s.id, local(11, 0))
    ids["forced"] = s.id

    s = await _claim(store, alpha.id, local(23, 55))
    await store.shifts.update_progress(s.id, cost_usd=0.1, tokens_in=1, tokens_out=1,
                                       num_turns=1)
    ids["running"] = s.id

    # After local midnight: not in the report.
    s = await _claim(store, beta.id, local(0, 10, day=22))
    await store.shifts.update_progress(s.id, cost_usd=3.0, tokens_in=1, tokens_out=1,
                                       num_turns=1)
    await store.shifts.interrupt(s.id, "app quit", local(0, 20, day=22))
    await store.scheduling.record_decision(
        beta.id, now=local(0, 15, day=22), source="failures", outcome=DecisionOutcome.PAUSED,
        reason=DecisionReason.FAILURES,
        detail="tomorrow's pause")
    return ids


# Exact, long lines included: the report is compared byte for byte.
EXPECTED = """\
# shifttui day report: 2026-11-21

## Totals

- Shifts: 4 (1 running, 2 completed, 1 failed)
- Cost: $6.87 of the $10.00 daily budget (69 %)
- Waiting for review (all days): 4

## alpha

3 shifts, $1.85

- **00:30** completed · scheduled · 1h02m · $1.25 · tests passed · `{night}` — Fixed the flaky login test.
- **09:00** completed (forced) · manual · 1h15m · $0.50 · tests FAILED · `{forced}` — Added | pipes and *stars*
- **23:55** running · scheduled · running · $0.10 · `{running}`

## Beta

1 shift, $5.02

- **02:00** failed · budget_exhausted · event · 7m00s · $5.02 · `{failed}` — spent $5.02 of $5.00

## Failures and auto-pauses

- 02:07 Beta: shift `{failed}` failed (budget_exhausted): spent $5.02 of $5.00
- 02:08 Beta: auto-paused after 3 consecutive failures (last: budget_exhausted, {failed})
- 04:00 alpha: a trigger run could not start: cannot start: prompt template missing

## Runs that did not start (or waited)

- 03:00 Beta: schedule skipped: paused (auto-paused after 3 consecutive failures); due 03:00

## Paused now

- Beta: auto-paused after 3 consecutive failures
"""  # noqa: E501


async def test_day_report_exact_markdown(store: Store, tmp_path: Path) -> None:
    ids = await seed(store, tmp_path)
    report = await day_report(store, DAY, BERLIN, daily_budget_usd=10.0)
    assert report == EXPECTED.format(**ids)
    # The same data, the same report.
    assert await day_report(store, DAY, BERLIN, daily_budget_usd=10.0) == report


async def test_day_report_without_budget_or_shifts(store: Store, tmp_path: Path) -> None:
    await seed(store, tmp_path)
    report = await day_report(store, date(2026, 11, 19), BERLIN, daily_budget_usd=None)
    assert report == (
        "# shifttui day report: 2026-11-19\n\n## Totals\n\n- Shifts: 0\n"
        "- Cost: $0.00 (no daily budget set)\n- Waiting for review (all days): 4\n\n"
        "No shifts on this day.\n\n## Paused now\n\n"
        "- Beta: auto-paused after 3 consecutive failures\n"
    )
    # The day before holds only "yesterday", which is over budget.
    report = await day_report(store, date(2026, 11, 20), BERLIN, daily_budget_usd=5.0)
    assert "- Cost: $9.00 of the $5.00 daily budget (180 %), reached" in report
    assert "yesterday" in report and "Fixed the flaky" not in report


def test_day_bounds_follow_daylight_saving() -> None:
    start, end = day_bounds(date(2026, 3, 29), BERLIN)  # spring forward: 23 hours
    assert end - start == timedelta(hours=23)
    start, end = day_bounds(date(2026, 10, 25), BERLIN)  # fall back: 25 hours
    assert end - start == timedelta(hours=25)
    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    env["TZ"] = "Europe/Berlin"
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                          capture_output=True, text=True, env=env, timeout=30)


async def _seed_home(home: Home, path: Path) -> dict[str, str]:
    async with await Store.open(home.db_path) as store:
        return await seed(store, path)


def test_report_cli_stdout_file_and_errors(home: Home, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    ids = asyncio.run(_seed_home(home, tmp_path))
    home.config_path.write_text("daily_budget_usd = 10.0\n")

    proc = _cli(home.root, "report", "--date", "2026-11-21")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == EXPECTED.format(**ids)

    out = tmp_path / "day.md"
    proc = _cli(home.root, "report", "--date", "2026-11-21", "--out", str(out))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"wrote the report for 2026-11-21 to {out}\n"
    assert out.read_text() == EXPECTED.format(**ids)

    proc = _cli(home.root, "report")  # today: a valid report whatever today holds
    assert proc.returncode == 0 and proc.stdout.startswith("# shifttui day report: ")

    for args, fragment in [
        (["--date", "2026-13-01"], "'2026-13-01' is not a date like 2026-11-21"),
        (["--date", "yesterday"], "'yesterday' is not a date"),
        (["--date", "2026-11-21", "--out", str(tmp_path / "no" / "dir.md")], "cannot write"),
    ]:
        capsys.readouterr()
        code = main(["--home", str(home.root), "report", *args])
        got = capsys.readouterr()
        assert code == 2 and got.out == "", got
        lines = got.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("shifttui: ") and fragment in lines[0]
    assert not (tmp_path / "no").exists()
