"""The morning review core: the inbox, diff stats and diffs of real git repositories, rating,
and the rating's note reaching the next shift's context."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from git_support import git, git_identity  # noqa: F401  (autouse fixture)

from shifttui.base.clock import FakeClock
from shifttui.base.errors import InvalidInput, NotFound, StateError
from shifttui.base.models import FailureKind, HandoffInput, Policy, Project, Shift, Trigger
from shifttui.review.diff import TRUNCATED_MARKER
from shifttui.review.inbox import (
    inbox,
    mark_reviewed,
    resolve_target,
    review,
    shift_diff,
    shift_diff_stat,
    unreviewed_count,
)
from shifttui.shifts.context import build_context, render_prompt
from shifttui.store import Store
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(30)
MIN = timedelta(minutes=1)


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "app.py").write_text("a = 1\nb = 2\nc = 3\n")
    (path / "logo.bin").write_bytes(b"\0\1\2")
    commit_all(path, "first")
    return path


async def add(store: Store, name: str, path: Path, now: datetime) -> Project:
    return await store.projects.add(name, str(path), Policy(), now)


async def claim(store: Store, project: Project, at: datetime, *,
                start_commit: str | None = None) -> Shift:
    return await store.shifts.claim(
        project.id, trigger=Trigger.SCHEDULED, now=at, deadline=at + 120 * MIN,
        owner_pid=os.getpid(), owner_token=process_token(), start_commit=start_commit,
    )


async def completed(store: Store, project: Project, at: datetime, summary: str, *,
                    minutes: int = 30, start_commit: str | None = None) -> Shift:
    shift = await claim(store, project, at, start_commit=start_commit)
    await store.shifts.complete(shift.id, HandoffInput(summary=summary),
                                now=at + minutes * MIN, files_changed=["app.py"])
    return await store.shifts.get(shift.id)


# the inbox -------------------------------------------------------------------------------------


async def test_inbox_holds_ended_unreviewed_shifts_newest_ended_first(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    t0 = clock.now()
    alpha = await add(store, "alpha", tmp_path, t0)
    beta = await add(store, "beta", tmp_path, t0)
    # Started earlier but ended last: the inbox orders by when a shift ended.
    long_one = await completed(store, alpha, t0, "long shift", minutes=300)
    failed = await claim(store, beta, t0 + 10 * MIN)
    await store.shifts.fail(failed.id, FailureKind.NO_HANDOFF, "no handoff", t0 + 20 * MIN)
    expired = await claim(store, beta, t0 + 30 * MIN)
    await store.shifts.expire(expired.id, "deadline passed", t0 + 160 * MIN)
    interrupted = await claim(store, alpha, t0 + 400 * MIN)
    await store.shifts.interrupt(interrupted.id, "app quit", t0 + 410 * MIN)
    abandoned = await claim(store, alpha, t0 + 420 * MIN)
    await store.shifts.abandon(abandoned.id, "wrong approach", t0 + 425 * MIN)
    reviewed = await completed(store, beta, t0 + 430 * MIN, "already seen")
    await store.shifts.mark_reviewed(reviewed.id, t0 + 500 * MIN)
    running = await claim(store, beta, t0 + 600 * MIN)

    items = await inbox(store, with_diff=False)

    assert [i.shift.id for i in items] == [interrupted.id, long_one.id, expired.id, failed.id]
    assert await unreviewed_count(store) == 4
    assert {abandoned.id, reviewed.id, running.id}.isdisjoint(i.shift.id for i in items)
    by_id = {i.shift.id: i for i in items}
    assert by_id[long_one.id].title == "long shift"
    assert by_id[long_one.id].handoff is not None
    assert by_id[failed.id].title == "failed (no_handoff): no handoff"
    assert by_id[failed.id].project.name == "beta"
    data = by_id[failed.id].to_json()
    assert (data["failure_kind"], data["project"], data["duration_s"]) == ("no_handoff", "beta",
                                                                         600.0)

    await mark_reviewed(store, await store.shifts.get(expired.id), t0 + 700 * MIN)
    assert [i.shift.id for i in await inbox(store, with_diff=False)] == [
        interrupted.id, long_one.id, failed.id]
    assert await unreviewed_count(store) == 3


async def test_review_stores_feedback_and_marks_reviewed(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    project = await add(store, "alpha", tmp_path, clock.now())
    shift = await completed(store, project, clock.now(), "did things")
    clock.advance(3600)

    feedback = await review(store, shift, 2, "  always run the tests \n", clock.now())

    assert (feedback.rating, feedback.note) == (2, "always run the tests")
    stored = await store.feedback.for_shift(shift.id)
    assert [(f.rating, f.note) for f in stored] == [(2, "always run the tests")]
    assert (await store.shifts.get(shift.id)).reviewed_at == clock.now()
    assert await inbox(store) == []

    for bad in (0, 6, -1, True):
        with pytest.raises(InvalidInput, match="1 to 5"):
            await review(store, shift, bad, "", clock.now())
    with pytest.raises(InvalidInput, match="at most"):
        await review(store, shift, 3, "x" * 5000, clock.now())
    running = await claim(store, project, clock.now())
    with pytest.raises(StateError, match="still running"):
        await review(store, running, 3, "", clock.now())
    with pytest.raises(StateError, match="still running"):
        await mark_reviewed(store, running, clock.now())
    assert await store.feedback.for_shift(running.id) == []


async def test_resolve_target(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    t0 = clock.now()
    project = await add(store, "alpha", tmp_path, t0)
    older = await completed(store, project, t0, "older")
    newer = await completed(store, project, t0 + 60 * MIN, "newer")
    abandoned = await claim(store, project, t0 + 120 * MIN)
    await store.shifts.abandon(abandoned.id, "stop", t0 + 121 * MIN)

    assert (await resolve_target(store, "alpha")).id == newer.id
    await store.shifts.mark_reviewed(newer.id, t0 + 200 * MIN)
    assert (await resolve_target(store, "alpha")).id == older.id
    # An explicit id reaches any shift, also a reviewed or abandoned one.
    assert (await resolve_target(store, newer.id)).id == newer.id
    assert (await resolve_target(store, abandoned.id)).id == abandoned.id
    await store.shifts.mark_reviewed(older.id, t0 + 200 * MIN)
    with pytest.raises(NotFound, match="no ended shift waiting for review"):
        await resolve_target(store, "alpha")
    with pytest.raises(NotFound, match="no project or shift 'nothing'"):
        await resolve_target(store, "nothing")


# the feedback reaches the next shift --------------------------------------------------------------


async def test_a_note_written_once_reaches_the_next_shifts_context(
    store: Store, clock: FakeClock, repo: Path
) -> None:
    (repo / "HUGE.md").write_text("filler line\n" * 20_000)
    project = await store.projects.add(
        "alpha", str(repo), Policy(context_files=["HUGE.md"]), clock.now())
    shift = await completed(store, project, clock.now(), "did not test")
    clock.advance(3600)
    await review(store, await store.shifts.get(shift.id), 2, "always run the tests",
                 clock.now())
    # Later shifts rated without notes must not push the note out of the next context.
    for n in range(3):
        later = await completed(store, project, clock.now() + n * 60 * MIN, f"later {n}")
        await review(store, later, 4, "", clock.now() + n * 60 * MIN + MIN)
    clock.advance(5 * 3600)

    # A tight cap: the context files and git facts are cut first, the feedback stays.
    context = await build_context(store, project, now=clock.now(), max_chars=6000)
    prompt = render_prompt(project, context, now=clock.now(), deadline=clock.now() + 60 * MIN)

    assert len(context) <= 6000
    assert "filler line" in context and "[truncated]" in context
    for text in (context, prompt):
        assert "always run the tests" in text
        assert f"2/5 on shift `{shift.id}`" in text
        assert "Operator feedback" in text


# diffs -------------------------------------------------------------------------------------------


async def test_diff_stat_and_diff_of_a_shift(store: Store, clock: FakeClock, repo: Path) -> None:
    start = git(repo, "rev-parse", "HEAD")
    project = await add(store, "alpha", repo, clock.now())
    shift = await completed(store, project, clock.now(), "edited", start_commit=start)
    # The shift committed one change and left another uncommitted, plus a new file.
    (repo / "app.py").write_text("a = 1\nb = 20\nc = 3\nd = 4\n")
    commit_all(repo, "agent commit")
    (repo / "app.py").write_text("a = 1\nb = 20\nd = 4\n")
    (repo / "notes").mkdir()
    (repo / "notes" / "new.md").write_text("one\ntwo\nthree")
    (repo / "logo.bin").write_bytes(b"\0\1\2\3")

    stat = await shift_diff_stat(store, shift, project)

    assert stat.problem is None
    assert stat.lines() == ["app.py | +2 -2", "logo.bin | binary",
                            "notes/new.md | +3 -0 (untracked)"]
    assert stat.summary() == "3 files, +5 -2"

    text = await shift_diff(store, shift)
    assert text.startswith(f"# alpha, shift {shift.id}: {start[:12]} → the working tree")
    assert "-b = 2\n" in text and "+b = 20\n" in text and "+d = 4\n" in text
    assert "-c = 3\n" in text
    assert "+++ b/notes/new.md" in text and "+three" in text
    assert "TRUNCATED" not in text and "truncated" not in text

    # A later shift started at a new commit: this shift's changes end there, so the later
    # shift's work is not shown as this one's.
    end = commit_all(repo, "more")
    later = await completed(store, project, clock.now() + 120 * MIN, "later",
                            start_commit=end)
    (repo / "other.py").write_text("x = 1\n")
    stat = await shift_diff_stat(store, shift, project)
    assert [f.path for f in stat.files] == ["app.py", "logo.bin", "notes/new.md"]
    assert not any(f.untracked for f in stat.files)
    assert f"→ {end[:12]} (where shift {later.id} started)" in await shift_diff(store, shift)
    assert [f.path for f in (await shift_diff_stat(store, later, project)).files] == [
        "other.py"]


async def test_diff_is_bounded_with_a_marker(store: Store, clock: FakeClock, repo: Path) -> None:
    start = git(repo, "rev-parse", "HEAD")
    project = await add(store, "alpha", repo, clock.now())
    shift = await completed(store, project, clock.now(), "big", start_commit=start)
    (repo / "app.py").write_text("".join(f"line {n}\n" for n in range(50_000)))
    for n in range(3):
        (repo / f"new{n}.txt").write_text("new\n" * 1000)

    text = await shift_diff(store, shift, max_chars=5000)

    body = text.split("\n\n", 1)[1]
    marker_at = body.index(TRUNCATED_MARKER.split("{")[0])
    assert len(body[:marker_at].rstrip()) <= 5000
    assert "more characters" in body[marker_at:]
    assert "3 more new files" in body[marker_at:]
    assert len(body) < 5200


async def test_diff_degrades_without_git(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    project = await add(store, "plain", plain, clock.now())
    shift = await completed(store, project, clock.now(), "no git", start_commit="abc123")
    stat = await shift_diff_stat(store, shift, project)
    assert (stat.problem, stat.files, stat.summary()) == (
        "not a git repository", [], "not a git repository")
    assert "(no diff: not a git repository)" in await shift_diff(store, shift)

    gone = await add(store, "gone", tmp_path / "missing", clock.now())
    shift = await completed(store, gone, clock.now(), "gone")
    assert (await shift_diff_stat(store, shift, gone)).summary() == "project directory missing"
    items = await inbox(store)
    assert {i.diff.summary() for i in items if i.diff} == {
        "not a git repository", "project directory missing"}


async def test_diff_from_a_rewritten_start_commit_falls_back_to_head(
    store: Store, clock: FakeClock, repo: Path
) -> None:
    project = await add(store, "alpha", repo, clock.now())
    shift = await completed(store, project, clock.now(), "x", start_commit="0" * 40)
    (repo / "app.py").write_text("a = 1\n")
    stat = await shift_diff_stat(store, shift, project)
    assert stat.lines() == ["app.py | +0 -2"]
