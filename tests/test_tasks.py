"""The operator's task queue (issue 16): the store, day files, the context's task section, and
a shift that closes a task through `tasks_done`, its deliverables checked against its files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.errors import InvalidInput, StateError
from shifttui.base.models import HandoffInput, Policy
from shifttui.base.tasks import TaskInput, TaskStatus
from shifttui.fakeagent.scenarios import NOTES_FILE
from shifttui.review.inbox import load_item
from shifttui.shifts.agent.tools import HANDOFF_SCHEMA
from shifttui.shifts.context import build_context
from shifttui.shifts.dayfile import import_day_file, parse_day_file
from shifttui.shifts.tasks import deliverable_paths, missing_deliverables
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)

DAY_FILE = """\
date: 2025-11-18
max_cost_usd: 50.00
project: demo
tasks:
  - id: task-001
    name: "Create documentation"
    description: |
      Multi-line description
      with details
    module: baptisms
    estimated_complexity: low
    context_files:
      - CLAUDE.md
    deliverables:
      - docs/NEW_DOC.md
      - Updated docs/MODULE_REGISTRY.md
  - id: task-002
    name: Pagination
    priority: high
    project: other
"""


async def _projects(store: Store, clock: FakeClock, path: Path) -> None:
    for name in ("demo", "other"):
        await store.projects.add(name, str(path), Policy(), clock.now())


async def test_numbers_per_project_and_priority_order(store: Store, clock: FakeClock,
                                                      project_dir: Path) -> None:
    await _projects(store, clock, project_dir)
    a = await store.tasks.add("demo", TaskInput(title="first"), clock.now())
    b = await store.tasks.add("demo", TaskInput(title="urgent", priority=5), clock.now())
    c = await store.tasks.add("other", TaskInput(title="elsewhere"), clock.now())
    assert (a.number, b.number, c.number) == (1, 2, 1)
    assert [t.title for t in await store.tasks.open("demo")] == ["urgent", "first"]
    await store.tasks.close("demo", 2, TaskStatus.DROPPED, clock.now())
    with pytest.raises(StateError, match="already dropped"):
        await store.tasks.close("demo", 2, TaskStatus.DONE, clock.now())
    # A dropped task keeps its number: the next one never reuses it.
    assert (await store.tasks.add("demo", TaskInput(title="later"), clock.now())).number == 3
    assert [t.number for t in await store.tasks.open("demo")] == [1, 3]


def test_task_input_rules() -> None:
    assert TaskInput(title="  a   b ", priority="High").model_dump()["priority"] == 2
    assert TaskInput(title="t", deliverables=[" x ", "x", ""]).deliverables == ["x"]
    with pytest.raises(ValueError, match="title"):
        TaskInput(title="   ")


def test_handoff_takes_task_numbers_and_the_schema_follows() -> None:
    handoff = HandoffInput(summary="s", tasks_done=["3", 3, 1], tasks_progress=["4: half"])
    assert handoff.tasks_done == [3, 1]
    props = HANDOFF_SCHEMA["properties"]
    assert props["tasks_done"]["items"] == {"type": "integer"}
    assert props["tasks_progress"]["items"] == {"type": "string"}
    with pytest.raises(ValueError):
        HandoffInput(summary="s", tasks_done=[0])


def test_deliverables_are_checked_against_changed_files() -> None:
    assert deliverable_paths("Updated docs/REG.md") == ["docs/REG.md"]
    assert deliverable_paths("docs/") == ["docs/"]
    changed = ["docs/NEW_DOC.md", "src/a/b.ts"]
    assert missing_deliverables(["docs/NEW_DOC.md", "src/", "src/**/*.ts", "Updated src/a/b.ts"],
                                changed) == []
    assert missing_deliverables(["docs/OTHER.md", "lib/", "a vague sentence"], changed) == [
        "docs/OTHER.md", "lib/", "a vague sentence"]


async def test_day_file_imports_all_once(store: Store, clock: FakeClock, project_dir: Path,
                                         tmp_path: Path) -> None:
    await _projects(store, clock, project_dir)
    day = tmp_path / "2025-11-18.yaml"
    day.write_text(DAY_FILE)
    result = await import_day_file(store, day, clock.now())
    assert [(t.project_id, t.number, t.title) for t in result.added] == [
        ("demo", 1, "Create documentation"), ("other", 1, "Pagination")]
    first = result.added[0]
    assert first.ref == "task-001" and first.context_files == ["CLAUDE.md"]
    assert "Module: baptisms" in first.body and first.body.startswith("Multi-line description")
    assert result.added[1].priority == 2
    assert result.notes  # max_cost_usd is said not to apply
    again = await import_day_file(store, day, clock.now())
    assert again.added == [] and [s.ref for s in again.skipped] == ["task-001", "task-002"]


@pytest.mark.parametrize(("text", "message"), [
    ("project: demo\ntasks:\n  - id: a\n    name: [x\n", "not valid YAML at line 5"),
    ("project: demo\ntasks:\n  - id: t-9\n    description: no name\n",
     "task t-9: name: is missing"),
    ("tasks:\n  - name: x\n    project: nope\n  - name: y\n    project: demo\n",
     "task 1: project: no project named 'nope'"),
    ("tasks:\n  - name: x\n", "task 1: no project"),
    ("project: demo\ntasks:\n  - name: x\n    deliverable: a.md\n",
     "task 1: unknown field 'deliverable'"),
    ("project: demo\ntasks:\n  - id: a\n    name: x\n  - id: a\n    name: y\n", "used twice"),
    ("project: demo\ntasks: []\n", "at least one task"),
    ("project: demo\ntasks:\n  - name: ok\n  - name: x\n    priority: urgent\n",
     "task 2: priority:"),
])
async def test_a_bad_day_file_is_one_line_and_imports_nothing(
        store: Store, clock: FakeClock, project_dir: Path, tmp_path: Path, text: str,
        message: str) -> None:
    await _projects(store, clock, project_dir)
    day = tmp_path / "day.yaml"
    day.write_text(text)
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[")) as err:
        await import_day_file(store, day, clock.now())
    assert "\n" not in str(err.value) and str(err.value).startswith("day.yaml: ")
    assert await store.tasks.list(None) == []


def test_toml_day_file(tmp_path: Path) -> None:
    day = tmp_path / "day.toml"
    day.write_text('project = "demo"\n[[tasks]]\nid = "t1"\nname = "From TOML"\n'
                   'deliverables = "a.md"\n')
    tasks, _ = parse_day_file(day)
    assert [(t.project, t.ref, t.task.title, t.task.deliverables) for t in tasks] == [
        ("demo", "t1", "From TOML", ["a.md"])]


async def test_context_leads_with_open_tasks(store: Store, clock: FakeClock,
                                             project_dir: Path) -> None:
    (project_dir / "SPEC.md").write_text("the spec says: paginate by 50\n")
    project = await store.projects.add("demo", str(project_dir), Policy(), clock.now())
    await store.tasks.add("demo", TaskInput(title="Low one", body="later"), clock.now())
    await store.tasks.add("demo", TaskInput(
        title="Paginate", body="Use cursors.", priority=3, context_files=["SPEC.md"],
        deliverables=["src/page.py"]), clock.now())
    done = await store.tasks.add("demo", TaskInput(title="Old news"), clock.now())
    await store.tasks.close("demo", done.number, TaskStatus.DONE, clock.now())
    text = await build_context(store, project, now=clock.now())
    tasks_at = text.index("## Operator's tasks")
    assert tasks_at < text.index("## Latest handoff")
    top, low = text.index("Task #2: Paginate"), text.index("Task #1: Low one")
    assert tasks_at < top < low
    assert "Use cursors." in text and "`src/page.py`" in text
    assert "paginate by 50" in text[top:low]  # the task's own context file, under the task
    assert "Old news" not in text


async def test_a_shift_closes_its_task_and_notes_a_missing_deliverable(harness: Any) -> None:
    h = harness
    # The fake agent writes fake_agent_notes.md and names tasks 1, 2 and 7 done.
    project = await h.add_project("normal", env={
        "SHIFTTUI_FAKE_HANDOFF_EXTRA": json.dumps(
            {"tasks_done": [1, 2, 7], "tasks_progress": ["3: outline written"]})})
    now = h.supervisor.clock.now()
    await h.store.tasks.add(project.id, TaskInput(title="Guide",
                                                  deliverables=[NOTES_FILE]), now)
    await h.store.tasks.add(project.id, TaskInput(title="Changelog",
                                                  deliverables=["CHANGELOG.md"]), now)
    await h.store.tasks.add(project.id, TaskInput(title="Tutorial"), now)
    shift = await h.supervisor.start_shift(project.name)
    final = await asyncio.wait_for(h.supervisor.wait(shift.id), 30)
    assert final.status.value == "completed", final.error
    guide, changelog, tutorial = [await h.store.tasks.get(project.id, n) for n in (1, 2, 3)]
    assert guide.status is TaskStatus.DONE and guide.done_by_shift == final.id
    assert guide.missing_deliverables == []
    assert changelog.status is TaskStatus.DONE and changelog.missing_deliverables == [
        "CHANGELOG.md"]
    assert tutorial.status is TaskStatus.OPEN
    assert tutorial.progress == f"outline written (shift {final.id})"
    assert [t.number for t in await h.store.tasks.done_by(final.id)] == [1, 2]
    summaries = [e.summary for e in await h.events(final.id)]
    assert any("task #7" in s and "no such task" in s for s in summaries)
    assert any("CHANGELOG.md" in s and "not among" in s for s in summaries)
    # The morning review says so too: not a silent pass.
    item = await load_item(h.store, final, with_diff=False)
    assert item.tasks_done == [1, 2]
    assert item.notes == ["task #2 (Changelog): deliverable not among the shift's changed "
                          "files: CHANGELOG.md"]
