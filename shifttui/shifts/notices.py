"""The notice a shift's end makes (toast, bell, notify_command): a failed check is red, as a
failed shift is."""

from __future__ import annotations

from shifttui.base.bus import Notice
from shifttui.base.models import Handoff, Shift, ShiftStatus
from shifttui.base.text import money


def checks_text(shift: Shift) -> str:
    """`tests failed (exit 1), lint passed, judge failed: …`; "" when no check ran."""
    parts = []
    for name, result in (("tests", shift.test_result), ("lint", shift.lint_result)):
        if result is None:
            continue
        verdict = "passed" if result.passed else (
            "timed out" if result.timed_out else f"failed (exit {result.exit_code})")
        parts.append(f"{name} {verdict}")
    judge = shift.judge_result
    if judge is not None and judge.error is not None:
        parts.append(judge.error)  # no verdict: said, but not red
    elif judge is not None:  # its first reason says why
        why = f": {judge.reasons[0]}" if judge.reasons else ""
        parts.append(f"judge {'passed' if judge.passed else 'failed'}{why}")
    return ", ".join(parts)


def end_notice(name: str, project_id: str, shift: Shift, handoff: Handoff | None,
               merged: str | None = None) -> Notice:
    """`merged`: what auto_merge did with it ("merged into main"), said in the message."""
    summary = handoff.summary.strip().splitlines()[0] if handoff is not None else None
    data: dict[str, object] = {
        "project": name, "outcome": shift.status.value,
        "failure_kind": shift.failure_kind.value if shift.failure_kind else None,
        "cost_usd": round(shift.cost_usd, 4), "duration_s": shift.duration_s,
        "summary": summary, "error": shift.error, "forced": shift.forced,
        "checks_passed": shift.checks_passed, "merge_state":
            shift.merge_state.value if shift.merge_state else None,
    }
    tail = f" ({merged})" if merged else ""
    if shift.status is ShiftStatus.COMPLETED and shift.checks_failed:
        return Notice("shift_failed", f"{name}: shift completed, checks failed",
                      f"{checks_text(shift)} — {summary}", project_id, shift.id, "error",
                      data=data)
    if shift.status is ShiftStatus.COMPLETED:
        how = " (forced)" if shift.forced else ""
        return Notice("shift_ended", f"{name}: shift completed{how}",
                      f"{money(shift.cost_usd)} — {summary}{tail}", project_id, shift.id,
                      data=data)
    if shift.status in (ShiftStatus.FAILED, ShiftStatus.EXPIRED):
        kind = shift.failure_kind.value if shift.failure_kind else shift.status.value
        return Notice("shift_failed", f"{name}: shift {shift.status.value} ({kind})",
                      shift.error or "", project_id, shift.id, "error", data=data)
    return Notice("shift_ended", f"{name}: shift {shift.status.value}", shift.error or "",
                  project_id, shift.id, data=data)
