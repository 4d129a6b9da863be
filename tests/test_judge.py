"""The AI judge (policy judge_model) with a scripted model through the fake CLI: it reads the
diff, the checks and the handoff, and a handoff that claims a file the diff lacks fails."""

from __future__ import annotations

import asyncio

import pytest
from agent_support import Harness

from shifttui.base.models import EventKind, FailureKind, Shift, ShiftStatus
from shifttui.cli.views import shift_json
from shifttui.shifts.autopause import auto_pause
from shifttui.shifts.notices import end_notice

pytestmark = pytest.mark.timeout(60)

NOTES = "fake_agent_notes.md"  # what the fake agent's handoff always says it wrote


async def _shift(h: Harness) -> Shift:
    shift = await h.supervisor.start_shift("proj")
    return await asyncio.wait_for(h.supervisor.wait(shift.id), 30)


async def test_a_handoff_claiming_a_file_the_diff_lacks_fails(harness: Harness) -> None:
    # `edit` writes work.txt, but its handoff says it wrote the notes file too.
    await harness.add_project("edit", judge_model="claude-haiku-4-5", test_command="true",
                              pause_after_failures=1)
    final = await _shift(harness)
    assert final.status is ShiftStatus.COMPLETED and final.files_changed == ["work.txt"]
    judge = final.judge_result
    assert judge is not None and judge.passed is False and judge.error is None
    assert judge.claims_not_in_diff == [NOTES]
    assert judge.model == "claude-haiku-4-5" and judge.cost_usd > 0
    # Red everywhere: the outcome, the JSON, the notice, the auto-pause (run exits 1 on it).
    assert final.test_result is not None and final.test_result.passed
    assert final.failure_kind is FailureKind.CHECKS_FAILED and final.checks_passed is False
    checks = shift_json(final)["checks"]
    assert checks["passed"] is False and checks["judge"]["claims_not_in_diff"] == [NOTES]
    notice = end_notice("proj", final.project_id, final, None)
    assert notice.kind == "shift_failed" and "judge failed" in notice.message
    project = await harness.store.projects.get("proj")
    assert project.paused and "checks_failed" in (project.paused_reason or "")
    events = await harness.events(final.id)
    assert any(e.kind is EventKind.ERROR and e.summary.startswith("judge failed") and
               NOTES in e.summary for e in events)


async def test_an_honest_handoff_passes(harness: Harness) -> None:
    # `normal` writes the notes file its handoff names.
    await harness.add_project("normal", judge_model="claude-haiku-4-5")
    final = await _shift(harness)
    judge = final.judge_result
    assert judge is not None and judge.passed is True and judge.claims_not_in_diff == []
    assert final.failure_kind is None and final.checks_passed is True
    assert shift_json(final)["checks"]["judge"]["passed"] is True


@pytest.mark.parametrize(("scenario", "said"), [
    ("crash", "judge error:"),
    ("judge_silent", "judge error: it ended without a verdict"),
])
async def test_a_judge_error_does_not_fail_the_shift(harness: Harness, scenario: str,
                                                     said: str) -> None:
    await harness.add_project("edit", judge_model="claude-haiku-4-5",
                              env={"SHIFTTUI_FAKE_JUDGE_SCENARIO": scenario})
    final = await _shift(harness)
    assert final.status is ShiftStatus.COMPLETED and final.failure_kind is None
    judge = final.judge_result
    assert judge is not None and judge.passed is None
    assert judge.error is not None and judge.error.startswith(said)
    assert final.checks_passed is None  # no check gave a verdict
    assert await auto_pause(harness.store, final, harness.supervisor.clock.now()) is None


async def test_without_a_judge_model_nothing_is_judged(harness: Harness) -> None:
    await harness.add_project("edit")
    final = await _shift(harness)
    assert final.judge_result is None and final.failure_kind is None


async def test_the_next_context_shows_what_the_judge_failed(harness: Harness) -> None:
    from shifttui.shifts.context import build_context

    await harness.add_project("edit", judge_model="claude-haiku-4-5")
    final = await _shift(harness)
    project = await harness.store.projects.get("proj")
    text = await build_context(harness.store, project, now=harness.supervisor.clock.now())
    assert "## What the last shift's checks found" in text
    assert f"claimed in the handoff, not in the diff: {NOTES}" in text
    assert "judge FAILED" in text and final.id in text


def test_the_checks_tab_shows_the_verdict() -> None:
    from datetime import UTC, datetime

    from shifttui.base.models import JudgeVerdict, Trigger
    from shifttui.tui.screens.shift_log import checks_text

    now = datetime(2026, 12, 1, tzinfo=UTC)
    shift = Shift(id="s1", project_id="p", trigger=Trigger.MANUAL, status=ShiftStatus.COMPLETED,
                  started_at=now, deadline=now, judge_result=JudgeVerdict(
                      passed=False, reasons=["no notes"], claims_not_in_diff=[NOTES],
                      cost_usd=0.01, model="m"))
    text = checks_text(shift).plain
    assert "judge: m  FAILED" in text and f"claimed, not in the diff: {NOTES}" in text
