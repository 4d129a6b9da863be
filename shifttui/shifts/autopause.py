"""pause_after_failures: consecutive counted failures pause a project (SPEC §3.10).

Checked by the supervisor as each shift ends, so every way of running shifts (the app, `run`,
the daemon) counts them, not only the scheduler."""

from __future__ import annotations

from datetime import datetime

from shifttui.base.bus import Notice
from shifttui.base.models import Project, Shift, ShiftStatus
from shifttui.base.states import DecisionOutcome, DecisionReason
from shifttui.store import Store


async def pause_if_failing(
    store: Store, shift: Shift, now: datetime
) -> tuple[Project, str, int] | None:
    """After `shift` ended: pause its project if this made N counted failures in a row.
    Returns (project, reason, count) when it paused. Rate limits and abandons never count;
    failed checks (checks_failed) do."""
    # A completed shift whose checks failed is a failure here: its handoff is no proof of work.
    if shift.status not in (ShiftStatus.FAILED, ShiftStatus.EXPIRED) and not shift.checks_failed:
        return None
    if shift.failure_kind is not None and not shift.failure_kind.counts_toward_pause:
        return None
    project = await store.projects.get(shift.project_id)
    limit = project.policy.pause_after_failures
    if limit <= 0 or project.paused:
        return None
    # Resuming sets failures_reset_at, so failures before the resume no longer count.
    since = await store.projects.failures_reset_at(project.id)
    count = await store.shifts.consecutive_failures(project.id, since=since)
    if count < limit:
        return None
    kind = shift.failure_kind.value if shift.failure_kind else shift.status.value
    reason = f"auto-paused after {count} consecutive failures (last: {kind}, {shift.id})"
    paused = await store.projects.set_paused(project.id, True, reason, now)
    return paused, reason, count


async def auto_pause(store: Store, shift: Shift, now: datetime) -> Notice | None:
    """Pause the project if `shift` made it fail too often; record it in the decision history
    and return the notice to publish."""
    paused = await pause_if_failing(store, shift, now)
    if paused is None:
        return None
    project, reason, count = paused
    await store.scheduling.record_decision(
        project.id, now=now, source="failures", outcome=DecisionOutcome.PAUSED,
        reason=DecisionReason.FAILURES, detail=reason, shift_id=shift.id)
    return Notice(kind="auto_paused", title=f"{project.name} paused", message=reason,
                  project_id=project.id, shift_id=shift.id, severity="error",
                  data={"project": project.name, "failures": count, "reason": reason,
                        "failure_kind": shift.failure_kind.value if shift.failure_kind
                        else None})
