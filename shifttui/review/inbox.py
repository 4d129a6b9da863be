"""The morning review: the inbox of ended shifts nobody has looked at yet, and rating them.

Abandoned shifts are not in the inbox: the operator ended them by hand, so there is nothing
new to learn from them (they can still be rated by shift id). Completed, failed, expired and
interrupted shifts ended while nobody was watching, and their feedback teaches the next shift
(the context includes the project's latest ratings and notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shifttui.base.errors import InvalidInput, NotFound, StateError
from shifttui.base.models import EventKind, Feedback, Handoff, Project, Shift, ShiftStatus
from shifttui.review.diff import DIFF_MAX_CHARS, DiffStat, diff_stat, diff_text
from shifttui.review.refs import resolve_shift
from shifttui.shifts.tasks import task_notes
from shifttui.store import Store

INBOX_STATUSES = (
    ShiftStatus.COMPLETED, ShiftStatus.FAILED, ShiftStatus.EXPIRED, ShiftStatus.INTERRUPTED,
)
INBOX_LIMIT = 200
NOTE_MAX_CHARS = 4000


# The guards' refusals a review shows by name (the rest are in the shift's log).
BLOCKED_SHOWN = 5


@dataclass(frozen=True)
class DiffRange:
    """Where a shift's changes are: from its start commit to `end` (None: the working tree)."""

    path: Path
    start: str | None
    end: str | None
    end_label: str

    def describe(self) -> str:
        start = self.start[:12] if self.start else "HEAD"
        return f"{start} → {self.end_label}"


@dataclass(frozen=True)
class InboxItem:
    shift: Shift
    project: Project
    handoff: Handoff | None
    diff: DiffStat | None  # None until asked for (it runs git)
    # What the review must not pass over: a task it closed whose deliverable it did not change.
    notes: list[str] = field(default_factory=list)
    tasks_done: list[int] = field(default_factory=list)
    # What the guards refused the agent: how many times, and the first few refusals.
    violations: int = 0
    blocked: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The first line of the handoff, or why there is none."""
        if self.handoff is not None:
            return self.handoff.summary.strip().splitlines()[0]
        what = self.shift.status.value
        if self.shift.failure_kind is not None:
            what += f" ({self.shift.failure_kind.value})"
        error = (self.shift.error or "").strip()
        return what + (f": {error.splitlines()[0]}" if error else "")

    def to_json(self) -> dict[str, Any]:
        s = self.shift
        data: dict[str, Any] = {
            "shift_id": s.id,
            "project": self.project.name,
            "project_id": self.project.id,
            "status": s.status.value,
            "trigger": s.trigger.value,
            "started_at": s.started_at.isoformat(),
            "ended_at": s.ended_at.isoformat() if s.ended_at else None,
            "duration_s": s.duration_s,
            "cost_usd": s.cost_usd,
            "failure_kind": s.failure_kind.value if s.failure_kind else None,
            "error": s.error,
            "files_changed": s.files_changed,
            "test_result": s.test_result.model_dump(mode="json") if s.test_result else None,
            "lint_result": s.lint_result.model_dump(mode="json") if s.lint_result else None,
            "judge_result": s.judge_result.model_dump(mode="json") if s.judge_result else None,
            "checks_passed": s.checks_passed,
            "merge_state": s.merge_state.value if s.merge_state else None,
            "branch": s.branch,
            "handoff": self.handoff.model_dump(mode="json") if self.handoff else None,
            "tasks_done": self.tasks_done,
            "notes": self.notes,
            "violations": self.violations,
        }
        if self.diff is not None:
            data["diff_stat"] = {
                "summary": self.diff.summary(),
                "problem": self.diff.problem,
                "files": [
                    {"path": f.path, "added": f.added, "deleted": f.deleted,
                     "untracked": f.untracked}
                    for f in self.diff.files
                ],
            }
        return data


async def unreviewed_count(store: Store) -> int:
    return await store.shifts.count_unreviewed(INBOX_STATUSES)


async def inbox(
    store: Store, *, with_diff: bool = True, limit: int = INBOX_LIMIT
) -> list[InboxItem]:
    """Every ended, unreviewed shift across projects, the most recently ended first."""
    shifts = await store.shifts.unreviewed(INBOX_STATUSES, limit=limit)
    projects = {p.id: p for p in await store.projects.list()}
    items = []
    for shift in shifts:
        project = projects.get(shift.project_id)
        if project is None:  # removed meanwhile (the cascade takes its shifts too)
            continue
        items.append(await load_item(store, shift, project, with_diff=with_diff))
    return items


async def load_item(
    store: Store, shift: Shift, project: Project | None = None, *, with_diff: bool = True
) -> InboxItem:
    project = project or await store.projects.get(shift.project_id)
    handoff = await store.handoffs.for_shift(shift.id)
    diff = await shift_diff_stat(store, shift, project) if with_diff else None
    tasks = await store.tasks.done_by(shift.id)
    violations, blocked = await store.events.summaries_of_kind(shift.id, EventKind.VIOLATION,
                                                               BLOCKED_SHOWN)
    notes = task_notes(tasks)
    if violations:
        notes.append(f"the guards refused the agent {violations} time"
                     f"{'s' if violations != 1 else ''} (first: {blocked[0]}); "
                     f"see `shifttui logs {shift.id}`")
    return InboxItem(shift, project, handoff, diff, notes, [t.number for t in tasks],
                     violations, blocked)


async def diff_range(store: Store, shift: Shift, project: Project) -> DiffRange:
    """An isolated shift's changes are its own range of commits in the work repository.
    Otherwise a later shift on the project started where this one's changes end, and the
    latest shift's changes run to the working tree."""
    if shift.workdir and shift.base_commit and shift.head_commit:
        return DiffRange(Path(shift.workdir), shift.base_commit, shift.head_commit,
                         f"{shift.head_commit[:12]} (on {shift.branch})")
    if shift.workdir and shift.status is ShiftStatus.RUNNING:
        return DiffRange(Path(shift.workdir), shift.base_commit, None,
                         "the work tree (still running)")
    nxt = await store.shifts.next_in_project(shift)
    if nxt is not None and nxt.start_commit:
        return DiffRange(Path(project.path), shift.start_commit, nxt.start_commit,
                         f"{nxt.start_commit[:12]} (where shift {nxt.id} started)")
    return DiffRange(Path(project.path), shift.start_commit, None, "the working tree")


async def shift_diff_stat(store: Store, shift: Shift, project: Project) -> DiffStat:
    r = await diff_range(store, shift, project)
    return await diff_stat(r.path, r.start, r.end)


async def shift_diff(
    store: Store, shift: Shift, *, max_chars: int = DIFF_MAX_CHARS
) -> str:
    """The full diff of a shift's changes for a scrollable pane, headed by its range."""
    project = await store.projects.get(shift.project_id)
    r = await diff_range(store, shift, project)
    body = await diff_text(r.path, r.start, r.end, max_chars=max_chars)
    return f"# {project.name}, shift {shift.id}: {r.describe()}\n\n{body}"


async def review(
    store: Store, shift: Shift, rating: int, note: str, now: datetime
) -> Feedback:
    """Store the operator's rating and note, and take the shift out of the inbox."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(f"rating must be a whole number from 1 to 5, not {rating!r}")
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInput(f"the note is {len(note)} characters; at most {NOTE_MAX_CHARS}")
    if "\x00" in note:
        raise InvalidInput("the note contains a NUL byte")
    if not shift.status.ended:
        raise StateError(f"shift {shift.id} is still running; review it once it has ended")
    return await store.feedback.add(shift.id, rating, note, now, mark_reviewed=True)


async def mark_reviewed(store: Store, shift: Shift, now: datetime) -> None:
    """Out of the inbox without a rating (nothing to teach the next shift)."""
    if not shift.status.ended:
        raise StateError(f"shift {shift.id} is still running; review it once it has ended")
    await store.shifts.mark_reviewed(shift.id, now)


async def latest_unreviewed(store: Store, project: Project) -> Shift:
    """What a project name means to `review`: its most recently ended, unreviewed shift."""
    pending = await store.shifts.unreviewed(INBOX_STATUSES, project_id=project.id, limit=1)
    if not pending:
        raise NotFound(f"{project.name} has no ended shift waiting for review "
                       "(give a shift id to rate a reviewed one)")
    return pending[0]


async def resolve_target(store: Store, target: str) -> Shift:
    """A shift reference (see review.refs) where a project name means its latest ended,
    unreviewed shift; an id, prefix, suffix or `last` may name any shift, even a reviewed one."""
    return await resolve_shift(store, target, pick=latest_unreviewed)
