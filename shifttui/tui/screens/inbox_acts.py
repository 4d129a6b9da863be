"""What the inbox does to shifts beyond rating them: merge, discard, review a whole project,
and which shifts a filter keeps. Each action asks first and runs as a worker on the app, so
leaving the inbox never cuts a merge in half; a refusal is the core's one sentence."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from textual.app import App

from shifttui.base.models import MergeState, Project, Shift, ShiftStatus
from shifttui.review.inbox import INBOX_STATUSES, mark_reviewed
from shifttui.review.merge import MergeRefused, discard, merge
from shifttui.system import workrepo
from shifttui.tui.screens.modals import ConfirmModal
from shifttui.tui.services import services

IDS_NAMED = 4


class InboxFilter(StrEnum):
    """What the inbox shows; `F` steps through them in this order."""

    ALL = "all"
    FAILED = "failed"
    RED_CHECKS = "red checks"
    UNMERGED = "unmerged"

    def keeps(self, shift: Shift) -> bool:
        if self is InboxFilter.FAILED:
            return shift.status is not ShiftStatus.COMPLETED or shift.checks_failed
        if self is InboxFilter.RED_CHECKS:
            return shift.checks_passed is False
        if self is InboxFilter.UNMERGED:
            return shift.merge_state is MergeState.UNMERGED
        return True

    def next(self) -> InboxFilter:
        order = list(InboxFilter)
        return order[(order.index(self) + 1) % len(order)]


def passed(shift: Shift) -> bool:
    """What "merge all that passed" takes: a completed shift with no failed check."""
    return shift.status is ShiftStatus.COMPLETED and shift.checks_passed is not False


def _ids(shifts: list[Shift]) -> str:
    named = ", ".join(s.id for s in shifts[:IDS_NAMED])
    return named + (f" and {len(shifts) - IDS_NAMED} more" if len(shifts) > IDS_NAMED else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


async def _branch(project: Project) -> str:
    checkout = await workrepo.user_checkout(Path(project.path))
    return (checkout.branch if checkout and checkout.branch else None) or "your branch"


async def _confirm(app: App[object], title: str, message: str, yes: str) -> bool:
    answer: bool | None = await app.push_screen_wait(
        ConfirmModal(title, message, yes=yes, no="Cancel"))
    return bool(answer)


async def merge_upto(app: App[object], project: Project, shift: Shift) -> str | None:
    """Merge `shift` and the unmerged shifts before it, after asking. What happened, or None
    when the operator said no. Raises MergeRefused (nothing changed)."""
    svc = services(app)
    if shift.merge_state is not MergeState.UNMERGED:
        state = shift.merge_state.value if shift.merge_state else "not isolated (it ran in place)"
        raise MergeRefused(f"shift {shift.id} is {state}: nothing of it to merge")
    pending = await svc.store.shifts.unmerged(project.id)
    ids = [s.id for s in pending]
    batch = pending[:ids.index(shift.id) + 1] if shift.id in ids else [shift]
    before = (f", with the {_plural(len(batch) - 1, 'unmerged shift')} before it "
              f"({_ids(batch[:-1])})" if len(batch) > 1 else "")
    red = [s for s in batch if not passed(s)]
    warn = f"\n\nNot passed: {_ids(red)}." if red else ""
    branch = await _branch(project)
    if not await _confirm(app, f"Merge into {branch}?",
                          f"Merge shift {shift.id} of {project.name}{before} into {branch} in "
                          f"{project.path}. A conflict or a file holding your uncommitted "
                          f"changes refuses it and changes nothing.{warn}", "Merge"):
        return None
    result = await merge(svc.store, svc.home.root, project, shift)
    return result.describe()


async def merge_passed(app: App[object], project: Project) -> str | None:
    """Merge the project's oldest unmerged shifts up to the first that did not pass."""
    svc = services(app)
    pending = await svc.store.shifts.unmerged(project.id)
    if not pending:
        raise MergeRefused(f"{project.name} has no unmerged shift")
    take: list[Shift] = []
    for s in pending:
        if not passed(s):
            break
        take.append(s)
    stop = pending[len(take)] if len(take) < len(pending) else None
    why = (f"; shift {stop.id} is {stop.status.value}"
           f"{' with failed checks' if stop.checks_failed else ''}, so it and the "
           f"{_plural(len(pending) - len(take) - 1, 'shift')} after it wait"
           if stop is not None else "")
    if not take:
        raise MergeRefused(f"{project.name}: the oldest unmerged shift {pending[0].id} did not "
                           "pass (shifts merge in order); merge it with m or discard it with x")
    branch = await _branch(project)
    if not await _confirm(app, f"Merge all that passed into {branch}?",
                          f"Merge {_plural(len(take), 'shift')} of {project.name} that "
                          f"completed with no failed check ({_ids(take)}) into {branch}"
                          f"{why}.", "Merge"):
        return None
    result = await merge(svc.store, svc.home.root, project, take[-1])
    return result.describe()


async def discard_one(app: App[object], project: Project, shift: Shift) -> str | None:
    svc = services(app)
    if shift.merge_state is not MergeState.UNMERGED:
        state = shift.merge_state.value if shift.merge_state else "not isolated (it ran in place)"
        raise MergeRefused(f"shift {shift.id} is {state}: there is nothing of it to discard")
    later = [s for s in await svc.store.shifts.unmerged(project.id)
             if (s.started_at, s.id) > (shift.started_at, shift.id)]
    replay = (f" The {_plural(len(later), 'later unmerged shift')} ({_ids(later)}) are replayed "
              "over the gap." if later else "")
    if not await _confirm(app, f"Discard shift {shift.id}?",
                          f"Its commits are dropped from {project.name}'s work branch for good; "
                          f"your checkout is not touched.{replay}", "Discard"):
        return None
    replayed = await discard(svc.store, svc.home.root, shift)
    return (f"Discarded shift {shift.id} of {project.name}"
            + (f"; {_plural(len(replayed), 'later shift')} replayed over it." if replayed
               else "."))


async def review_project(app: App[object], project: Project) -> str | None:
    """Mark every unreviewed shift of the project reviewed (no rating), after asking."""
    svc = services(app)
    pending = await svc.store.shifts.unreviewed(INBOX_STATUSES, project_id=project.id)
    if not pending:
        return f"{project.name} has nothing left to review."
    if not await _confirm(app, f"Mark all of {project.name} reviewed?",
                          f"{_plural(len(pending), 'shift')} of {project.name} leave the inbox "
                          "without a rating (nothing is merged or discarded).", "Mark reviewed"):
        return None
    now = svc.clock.now()
    for shift in pending:
        await mark_reviewed(svc.store, shift, now)
    return f"Marked {_plural(len(pending), 'shift')} of {project.name} reviewed."
