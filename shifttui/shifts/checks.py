"""The policy's checks after a shift (test_command, lint_command), run where the shift worked
(its work repository when isolated, so they check exactly the shift's range), and the ending
stored with their verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shifttui.base.models import (
    EventKind,
    FailureKind,
    Handoff,
    JudgeVerdict,
    Project,
    ShiftStatus,
    TestResult,
)
from shifttui.base.states import RunPhase
from shifttui.shifts.agent.endings import Ending
from shifttui.shifts.agent.runner import ShiftRun
from shifttui.shifts.agent.verify import run_test_command
from shifttui.store import Store


@dataclass(frozen=True)
class Checks:
    test: TestResult | None = None
    lint: TestResult | None = None
    judge: JudgeVerdict | None = None  # shifts/judge.py; one that gave no verdict counts not

    @property
    def passed(self) -> bool | None:
        """Every check that ran passed, the judge's verdict among them; None when none ran."""
        ran = [r.passed for r in (self.test, self.lint) if r is not None]
        if self.judge is not None and self.judge.passed is not None:
            ran.append(self.judge.passed)
        return all(ran) if ran else None


async def run_checks(run: ShiftRun, project: Project) -> Checks:
    """Each configured check in turn, its verdict in the shift's log."""
    commands = [("tests", project.policy.test_command), ("lint", project.policy.lint_command)]
    results: dict[str, TestResult] = {}
    for name, command in commands:
        if not command:
            continue
        run.phase = RunPhase.TESTING
        run.publish_progress(force=True)
        run.sink.add(EventKind.INFO, f"running {name}: {command}", {"command": command,
                                                                      "check": name})
        result = await run_test_command(command, project.path,
                                        project.policy.test_timeout_seconds)
        verdict = "passed" if result.passed else (
            "timed out" if result.timed_out else f"failed (exit {result.exit_code})")
        run.sink.add(EventKind.INFO if result.passed else EventKind.ERROR,
                     f"{name} {verdict} in {result.duration_s:.1f}s",
                     {**result.model_dump(), "check": name})
        results[name] = result
    return Checks(results.get("tests"), results.get("lint"))


async def store_ending(store: Store, shift_id: str, ending: Ending, files: list[str],
                       checks: Checks, now: datetime) -> Handoff | None:
    """The shift's final status with its handoff, files and checks; a completed shift whose
    checks failed gets failure kind checks_failed."""
    handoff: Handoff | None = None
    shifts = store.shifts
    if ending.status is ShiftStatus.COMPLETED:
        assert ending.handoff is not None
        handoff = await shifts.complete(shift_id, ending.handoff, now=now, author=ending.author,
                                        forced=ending.forced, files_changed=files)
    elif ending.status is ShiftStatus.ABANDONED:
        await shifts.abandon(shift_id, ending.reason or "abandoned", now)
    elif ending.status is ShiftStatus.INTERRUPTED:
        await shifts.interrupt(shift_id, ending.reason, now,
                               failure_kind=ending.failure_kind, resume_at=ending.resume_at)
    elif ending.status is ShiftStatus.EXPIRED:
        await shifts.expire(shift_id, ending.reason, now)
    else:
        await shifts.fail(shift_id, ending.failure_kind or FailureKind.AGENT_ERROR,
                          ending.reason, now)
    if (ending.status is not ShiftStatus.COMPLETED or checks.passed is not None
            or checks.judge is not None):
        # (complete() already stored the files, in the shift and in its handoff)
        await shifts.set_outcome_details(
            shift_id, files_changed=files, test_result=checks.test, lint_result=checks.lint,
            judge_result=checks.judge,
            checks_failed=ending.status is ShiftStatus.COMPLETED and checks.passed is False)
    return handoff
