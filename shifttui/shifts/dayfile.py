"""Day files: a morning's tasks in the Outward Sign orchestrator's format, YAML or TOML.

    date: 2025-11-18
    project: demo            # or per task
    tasks:
      - id: task-001         # kept as the task's ref: importing the file again skips it
        name: "Add pagination"
        description: |
          What to do, in as much detail as helps.
        priority: high       # a number (higher first) or high / medium / low
        context_files: [CLAUDE.md, docs/PAGINATION.md]
        deliverables: [src/pagination.ts]

Its `module` and `estimated_complexity` become a line of the body; `max_cost_usd` is not a
per-file budget here (`daily_budget_usd` in config.toml is). An import is all or nothing: the
first problem is one line naming the task and the field, and nothing is stored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shifttui.base.errors import InvalidInput, NotFound
from shifttui.base.models import first_error
from shifttui.base.tasks import Task, TaskInput
from shifttui.store import Store
from shifttui.store.tasks import NewTask

MAX_BYTES = 2_000_000
MAX_TASKS = 1000
_TOP_KEYS = {"date", "max_cost_usd", "priority", "project", "tasks"}
# Each field of a task and where it goes; both the Outward Sign names and shifttui's own.
_FIELDS = {"name": "title", "title": "title", "description": "body", "body": "body",
           "priority": "priority", "context_files": "context_files",
           "deliverables": "deliverables"}
_NOTES = {"module": "Module", "estimated_complexity": "Estimated complexity"}
_TASK_KEYS = {"id", "project", *_FIELDS, *_NOTES}


@dataclass(frozen=True)
class DayTask:
    """One task of the file, validated, with the project named for it (not yet looked up)."""

    where: str  # "task task-001" or "task 3": how an error names it
    project: str
    task: TaskInput
    ref: str | None


@dataclass(frozen=True)
class ImportResult:
    added: list[Task]
    skipped: list[DayTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_day_file(path: Path) -> tuple[list[DayTask], list[str]]:
    """The file's tasks and notes for the operator; InvalidInput (one line) for any problem."""
    data = _load(path)
    name = path.name
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: a day file is a mapping with a `tasks` list")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise InvalidInput(f"{name}: unknown key {unknown[0]!r} (known: "
                           f"{', '.join(sorted(_TOP_KEYS))})")
    tasks = data.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise InvalidInput(f"{name}: `tasks` must be a list with at least one task")
    if len(tasks) > MAX_TASKS:
        raise InvalidInput(f"{name}: {len(tasks)} tasks; at most {MAX_TASKS} in one file")
    top_project = _text(data.get("project"), f"{name}: project")
    notes = []
    if data.get("max_cost_usd") is not None:
        notes.append("max_cost_usd is not applied per file; daily_budget_usd in config.toml "
                     "caps a day's spending")
    out: list[DayTask] = []
    refs: set[str] = set()
    for index, raw in enumerate(tasks, start=1):
        day_task = _task(name, index, raw, top_project, data.get("priority"))
        if day_task.ref is not None:
            if day_task.ref in refs:
                raise InvalidInput(f"{name}: {day_task.where}: id {day_task.ref!r} is used "
                                   "twice in the file")
            refs.add(day_task.ref)
        out.append(day_task)
    return out, notes


def _load(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"{path.name}: larger than {MAX_BYTES // 1_000_000} MB; "
                               "not a day file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"no day file at {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a day file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name}: not a UTF-8 text file") from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path.name}: not valid TOML ({exc})") from None
    import yaml  # type: ignore[import-untyped]  # only `task import` pays for it

    try:
        # safe_load: a day file builds plain data, never Python objects.
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidInput(f"{path.name}: not valid YAML{where}: {problem}") from None


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise InvalidInput(f"{where}: must be a name")
    return str(value).strip()


def _task(name: str, index: int, raw: Any, top_project: str | None,
          top_priority: Any) -> DayTask:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{name}: task {index}: must be a mapping (id, name, description…)")
    ref = _text(raw.get("id"), f"{name}: task {index}: id")
    where = f"task {ref}" if ref else f"task {index}"
    unknown = sorted(set(map(str, raw)) - _TASK_KEYS)
    if unknown:
        raise InvalidInput(f"{name}: {where}: unknown field {unknown[0]!r}")
    project = _text(raw.get("project"), f"{name}: {where}: project") or top_project
    if project is None:
        raise InvalidInput(f"{name}: {where}: no project (name one at the top, `project: "
                           "NAME`, or in the task)")
    fields: dict[str, Any] = {}
    for key, target in _FIELDS.items():
        if key in raw:
            if target in fields:
                raise InvalidInput(f"{name}: {where}: both {key!r} and another name for "
                                   f"the {target}")
            fields[target] = raw[key]
    if "title" not in fields:
        raise InvalidInput(f"{name}: {where}: name: is missing (the task's title)")
    if "priority" not in fields and top_priority is not None:
        fields["priority"] = top_priority
    notes = [f"{label}: {raw[key]}" for key, label in _NOTES.items() if raw.get(key)]
    if notes:
        body = fields.get("body")
        body = body if isinstance(body, str) else ""
        fields["body"] = (body.rstrip() + "\n\n" if body.strip() else "") + "\n".join(notes)
    for listed in ("context_files", "deliverables"):
        if isinstance(fields.get(listed), str):
            fields[listed] = [fields[listed]]
    try:
        task = TaskInput.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(f"{name}: {where}: {_field_error(exc)}") from None
    return DayTask(where, project, task, ref)


def _field_error(exc: ValidationError) -> str:
    """first_error in the file's words: `name`, not `title`."""
    words = {"title": "name", "body": "description"}
    message = first_error(exc)
    head, sep, rest = message.partition(":")
    root = head.split(".")[0]
    return f"{words.get(root, root)}{head[len(root):]}{sep}{rest}" if sep else message


async def import_day_file(store: Store, path: Path, now: datetime) -> ImportResult:
    """Every task of the file, or none: the projects are looked up before anything is stored,
    and the tasks go in one transaction."""
    tasks, notes = parse_day_file(path)
    ids: dict[str, str] = {}
    for day_task in tasks:
        if day_task.project not in ids:
            try:
                ids[day_task.project] = (await store.projects.get(day_task.project)).id
            except NotFound:
                raise InvalidInput(f"{path.name}: {day_task.where}: project: no project named "
                                   f"{day_task.project!r} (see `shifttui project list`)"
                                   ) from None
    new = [NewTask(ids[t.project], t.task, t.ref) for t in tasks]
    added, skipped = await store.tasks.add_many(new, now)
    skipped_refs = {(n.project_id, n.ref) for n in skipped}
    return ImportResult(added, [t for t in tasks if (ids[t.project], t.ref) in skipped_refs],
                        notes)
