"""A shift and the operator's tasks: the context's task section, and closing the tasks a
handoff names (`tasks_done`), each checked against the files the shift changed."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import EventKind, Handoff
from shifttui.base.tasks import Task, TaskStatus
from shifttui.store import Store
from shifttui.system import globs

log = logging.getLogger(__name__)

# The top tasks get their body, deliverables and context files in full; the rest a line each.
TASKS_IN_FULL = 3
TASK_FILES_MAX = 10
_PROGRESS_RE = re.compile(r"^\s*(?:task\s*)?#?(\d{1,6})\s*[:.)\-–—]\s*(.+)$", re.I | re.S)
_PATHISH = re.compile(r"[\w.\-/*{}\[\]]+")


@dataclass(frozen=True)
class TaskOutcome:
    """What closing one of `tasks_done` came to; `note` is what the review shows."""

    number: int
    task: Task | None
    note: str

    @property
    def closed(self) -> bool:
        return self.task is not None and self.task.status is TaskStatus.DONE


def deliverable_paths(deliverable: str) -> list[str]:
    """The paths a deliverable names: itself when it is one (`docs/X.md`, `src/**/*.ts`), else
    the path-like words of a sentence ("Updated docs/REGISTRY.md" → docs/REGISTRY.md)."""
    text = deliverable.strip().strip("`")
    if not text.split() or len(text.split()) == 1:
        return [text] if text else []
    words = (w.strip("`'\",;()") for w in text.split())
    return [w for w in words if _PATHISH.fullmatch(w) and ("/" in w or "." in w.strip("."))]


def missing_deliverables(deliverables: list[str], files_changed: list[str]) -> list[str]:
    """Deliverables none of whose paths is among (or, for a folder or glob, matches) the
    shift's changed files."""
    changed = [f.strip().removeprefix("./") for f in files_changed]
    missing = []
    for deliverable in deliverables:
        paths = deliverable_paths(deliverable)
        if not any(_delivered(p, changed) for p in paths):
            missing.append(deliverable)
    return missing


def _delivered(path: str, changed: list[str]) -> bool:
    path = path.removeprefix("./")
    folder = path.rstrip("/") + "/"
    if path in changed or any(c.startswith(folder) for c in changed):
        return True
    if globs.problem(path) is None and any(ch in path for ch in "*?[{"):
        matches = globs.matcher([path])
        return any(matches(c) for c in changed)
    return False


async def close_tasks(store: Store, project_id: str, shift_id: str, handoff: Handoff,
                      now: datetime) -> list[TaskOutcome]:
    """Close each task of `handoff.tasks_done` as done by `shift_id`, recording the
    deliverables its changed files do not contain; note the progress of `tasks_progress`.
    A number that is not an open task of the project is reported, never fatal."""
    outcomes = []
    for number in handoff.tasks_done:
        try:
            task = await store.tasks.get(project_id, number)
        except ShiftTuiError:
            outcomes.append(TaskOutcome(number, None, f"task #{number}: the project has no "
                                        "such task; nothing closed"))
            continue
        if task.status is not TaskStatus.OPEN:
            outcomes.append(TaskOutcome(number, task, f"task #{number} was already "
                                        f"{task.status.value}; left as it was"))
            continue
        missing = missing_deliverables(task.deliverables, handoff.files_changed)
        closed = await store.tasks.close(project_id, number, TaskStatus.DONE, now,
                                         shift_id=shift_id, missing=missing)
        note = f"task #{number} done: {closed.title}"
        if missing:
            note += ("; deliverable not among the shift's changed files: "
                     + ", ".join(missing))
        outcomes.append(TaskOutcome(number, closed, note))
    for item in handoff.tasks_progress:
        match = _PROGRESS_RE.match(item)
        if match is not None and int(match[1]) not in handoff.tasks_done:
            await store.tasks.note_progress(project_id, int(match[1]),
                                            f"{match[2].strip()} (shift {shift_id})")
    return outcomes


class EventLog(Protocol):
    def add(self, kind: EventKind, summary: str,
            payload: dict[str, Any] | None = None) -> object: ...


async def record_tasks(store: Store, log_to: EventLog, project_id: str, shift_id: str,
                       handoff: Handoff, now: datetime) -> list[TaskOutcome]:
    """close_tasks after a completed shift, each outcome an event of the shift; a failure to
    close is logged and told, never the end of the shift's ending."""
    if not handoff.tasks_done and not handoff.tasks_progress:
        return []
    try:
        outcomes = await close_tasks(store, project_id, shift_id, handoff, now)
    except ShiftTuiError as exc:
        log.error("cannot close the tasks of %s: %s", shift_id, exc)
        log_to.add(EventKind.ERROR, f"cannot close the tasks it names: {exc}", {})
        return []
    for outcome in outcomes:
        clean = outcome.closed and not (outcome.task and outcome.task.missing_deliverables)
        log_to.add(EventKind.INFO if clean else EventKind.ERROR, outcome.note,
                   {"task": outcome.number, "closed": outcome.closed})
    return outcomes


def task_notes(tasks: list[Task]) -> list[str]:
    """What the review says about the tasks a shift closed: each missing deliverable."""
    return [f"task #{t.number} ({t.title}): deliverable not among the shift's changed files: "
            + ", ".join(t.missing_deliverables) for t in tasks if t.missing_deliverables]


# the context --------------------------------------------------------------------------------


def tasks_section(root: Path, tasks: list[Task], read: Callable[[Path], str]) -> str:
    """The open tasks, highest priority first: the top ones with their body, deliverables
    and context files' contents (runs in a thread: it reads files)."""
    if not tasks:
        return ""
    lines = ["## Operator's tasks (open, most important first)", "",
             "Take the top task unless something is broken. When you finish one, put its "
             "number in `tasks_done`; note progress on a started one in `tasks_progress` "
             '("4: parser done, tests next").']
    for index, task in enumerate(tasks):
        head = f"### Task #{task.number}: {task.title}"
        if task.priority:
            head += f" (priority {task.priority})"
        if index >= TASKS_IN_FULL:
            if index == TASKS_IN_FULL:
                lines += ["", "Later tasks:", ""]
            lines.append(f"- #{task.number}: {task.title}"
                         + (f" (priority {task.priority})" if task.priority else ""))
            continue
        lines += ["", head]
        if task.body:
            lines += ["", task.body]
        if task.progress:
            lines += ["", f"Progress so far: {task.progress}"]
        if task.deliverables:
            lines += ["", "Deliverables (checked against the files you change):", ""]
            lines += [f"- `{d}`" for d in task.deliverables]
        if task.context_files:
            lines += _task_files(root, task.context_files, read)
    return "\n".join(lines)


def _task_files(root: Path, patterns: list[str], read: Callable[[Path], str]) -> list[str]:
    lines = ["", "Its context files:"]
    if not root.is_dir():
        return [*lines, "", "(skipped: the project directory is missing)"]
    found: dict[Path, None] = {}
    for pattern in patterns:
        if (why := globs.problem(pattern)) is not None:
            lines += ["", f"(`{pattern}` skipped: {why})"]
            continue
        try:
            matches = globs.expand(root, [pattern], limit=TASK_FILES_MAX)
        except OSError as exc:
            lines += ["", f"(`{pattern}` skipped: {exc.strerror or exc})"]
            continue
        if not matches and (root / pattern).is_dir():
            matches = globs.expand(root, [pattern.rstrip("/") + "/**/*"], limit=TASK_FILES_MAX)
        if not matches:
            lines += ["", f"(no file matches `{pattern}`)"]
        found.update(dict.fromkeys(matches))
    seen = list(found)
    for match in seen[:TASK_FILES_MAX]:
        lines += ["", f"#### {match.relative_to(root).as_posix()}", "", read(match)]
    if len(seen) > TASK_FILES_MAX:
        lines += ["", f"({len(seen) - TASK_FILES_MAX} more matching files left out)"]
    return lines
