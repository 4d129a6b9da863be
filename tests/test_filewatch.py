"""File triggers on watchfiles: what fires, what does not, the debounce, and no per-tick walk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.models import Policy, Project, Triggers
from shifttui.scheduling.filewatch import ProjectWatch
from shifttui.scheduling.triggers import FileTriggers
from shifttui.store import Store
from tests.filewatch_support import arrived

pytestmark = pytest.mark.timeout(30)


async def watched(store: Store, clock: FakeClock, root: Path, globs: list[str],
                  debounce: float = 2, name: str = "p") -> Project:
    return await store.projects.add(
        name, str(root), Policy(triggers=Triggers(on_change=globs, debounce_seconds=debounce)),
        clock.now(),
    )


async def started(triggers: FileTriggers, store: Store, project: Project,
                  clock: FakeClock) -> ProjectWatch:
    assert await triggers.poll(store, [project], clock.now()) == []
    await triggers.ready()
    watch = triggers.watch(project.id)
    assert watch is not None
    return watch


async def fired(triggers: FileTriggers, store: Store, projects: list[Project],
                clock: FakeClock, seconds: float) -> list[tuple[str, list[str]]]:
    clock.advance(seconds)
    return [(p.id, files) for p, files in await triggers.poll(store, projects, clock.now())]


async def test_a_rename_fires_with_both_names(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    (project_dir / "src").mkdir()
    (project_dir / "src" / "a.py").write_text("x")
    project = await watched(store, clock, project_dir, ["src/*.py"])
    triggers = FileTriggers()
    watch = await started(triggers, store, project, clock)
    (project_dir / "src" / "a.py").rename(project_dir / "src" / "b.py")
    await arrived(watch, "src/a.py", "src/b.py")
    assert await fired(triggers, store, [project], clock, 0) == []  # the debounce starts
    assert await fired(triggers, store, [project], clock, 2) == [
        (project.id, ["src/a.py", "src/b.py"])]
    await triggers.close()


async def test_changes_outside_the_globs_do_not_fire(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    for rel in ["src/a.py", "src/sub/deep.py", "other/a.py", "src/.a.py.swp"]:
        (project_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (project_dir / rel).write_text("x")
    (project_dir / ".git").mkdir()
    project = await watched(store, clock, project_dir, ["src/*.py", ".git/*"])
    triggers = FileTriggers()
    watch = await started(triggers, store, project, clock)
    (project_dir / "src" / "sub" / "deep.py").write_text("`*` stays in one directory")
    (project_dir / "other" / "a.py").write_text("another directory")
    (project_dir / "src" / ".a.py.swp").write_text("a dot-file needs a dot in the glob")
    (project_dir / ".git" / "index").write_text("git is never watched")
    (project_dir / "src" / "b.txt").write_text("another suffix")
    (project_dir / "src" / "a.py").write_text("watched: reported after all of the above")
    await arrived(watch, "src/a.py")
    assert watch.pending == {"src/a.py"}
    await triggers.close()


async def test_debounce_coalesces_a_burst(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    project = await watched(store, clock, project_dir, ["**/*.md"], debounce=5)
    triggers = FileTriggers()
    watch = await started(triggers, store, project, clock)
    expected = []
    for n in range(6):  # a change every 2 s for 12 s: never quiet for 5 s
        rel = f"notes/n{n}.md"
        (project_dir / "notes").mkdir(exist_ok=True)
        (project_dir / rel).write_text(str(n))
        expected.append(rel)
        await arrived(watch, rel)
        assert await fired(triggers, store, [project], clock, 2) == []
    assert await fired(triggers, store, [project], clock, 4) == []
    assert await fired(triggers, store, [project], clock, 1) == [(project.id, expected)]
    assert await fired(triggers, store, [project], clock, 10) == []  # fired once, then quiet
    await triggers.close()


async def test_a_globstar_does_no_work_per_tick(
    store: Store, clock: FakeClock, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for d in range(30):
        (project_dir / "src" / f"d{d}").mkdir(parents=True)
        for f in range(30):
            (project_dir / "src" / f"d{d}" / f"f{f}.py").write_text("x")
    project = await watched(store, clock, project_dir, ["**/*.py"])
    triggers = FileTriggers()
    watch = await started(triggers, store, project, clock)
    walks = []
    for name in ("scandir", "listdir", "walk"):
        real = getattr(os, name)

        def counted(*args: object, _real: object = real, _name: str = name) -> object:
            walks.append(_name)
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(os, name, counted)
    for _ in range(30):
        assert await fired(triggers, store, [project], clock, 1) == []
    assert walks == []
    # and it still sees a change deep in the tree
    (project_dir / "src" / "d29" / "f29.py").write_text("y")
    await arrived(watch, "src/d29/f29.py")
    assert await fired(triggers, store, [project], clock, 0) == []
    assert await fired(triggers, store, [project], clock, 2) == [
        (project.id, ["src/d29/f29.py"])]
    await triggers.close()


async def test_a_directory_made_and_filled_at_once_is_seen(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    project = await watched(store, clock, project_dir, ["**/*.py"])
    triggers = FileTriggers()
    watch = await started(triggers, store, project, clock)
    outside = project_dir.parent / "elsewhere"
    (outside / "pkg").mkdir(parents=True)
    (outside / "pkg" / "mod.py").write_text("x")
    (outside / "pkg" / "data.csv").write_text("x")
    (outside / "pkg").rename(project_dir / "pkg")  # one event for the directory, none inside
    await arrived(watch, "pkg/mod.py")
    assert watch.pending == {"pkg/mod.py"}
    await triggers.close()


async def test_a_missing_or_removed_project_directory_does_not_crash(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    root = tmp_path / "later"
    project = await watched(store, clock, root, ["*.txt"])
    triggers = FileTriggers()
    assert await triggers.poll(store, [project], clock.now()) == []  # nothing to watch yet
    root.mkdir()
    watch = await started(triggers, store, project, clock)  # the next tick watches it
    (root / "a.txt").write_text("x")
    await arrived(watch, "a.txt")
    assert await fired(triggers, store, [project], clock, 0) == []
    assert await fired(triggers, store, [project], clock, 2) == [(project.id, ["a.txt"])]

    shutil.rmtree(root)
    assert await fired(triggers, store, [project], clock, 1) == []
    assert await fired(triggers, store, [project], clock, 5) == []  # a.txt went with it
    root.mkdir()
    watch = await started(triggers, store, project, clock)  # watched again once it is back
    (root / "b.txt").write_text("x")
    await arrived(watch, "b.txt")
    assert await fired(triggers, store, [project], clock, 0) == []
    assert await fired(triggers, store, [project], clock, 2) == [(project.id, ["b.txt"])]
    await triggers.close()


async def test_one_watcher_serves_nested_projects_and_stops_cleanly(
    store: Store, clock: FakeClock, project_dir: Path
) -> None:
    inner_dir = project_dir / "inner"
    inner_dir.mkdir()
    outer = await watched(store, clock, project_dir, ["**/*.txt"], name="outer")
    inner = await watched(store, clock, inner_dir, ["*.txt"], name="inner")
    triggers = FileTriggers()
    assert await triggers.poll(store, [outer, inner], clock.now()) == []
    await triggers.ready()
    outer_watch, inner_watch = triggers.watch(outer.id), triggers.watch(inner.id)
    assert outer_watch is not None and inner_watch is not None
    (inner_dir / "x.txt").write_text("x")
    await arrived(outer_watch, "inner/x.txt")
    await arrived(inner_watch, "x.txt")
    watcher = triggers.watcher
    assert watcher is not None and watcher.roots == (str(project_dir),)
    await triggers.close()
    assert watcher.task.done() and watcher.failed is None
    assert triggers.watch(outer.id) is None
