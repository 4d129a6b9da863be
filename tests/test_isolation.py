"""Isolated shifts with the fake CLI: the user's checkout is never touched, each shift is one
range of commits on the work branch, a folder that is not a repository runs in place."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agent_support import Harness
from isolation_support import fingerprint, git, make_dirty

from shifttui.base.models import FailureKind, MergeState, Shift, ShiftStatus
from shifttui.review.inbox import shift_diff, shift_diff_stat
from shifttui.system.workrepo import branch_name, work_path

pytestmark = pytest.mark.timeout(60)


async def _shift(h: Harness, name: str = "proj", **env: str) -> Shift:
    project = await h.store.projects.get(name)
    policy = project.policy.model_copy(update={"env": {**project.policy.env, **env}})
    await h.store.projects.update_policy(project.id, policy, h.supervisor.clock.now())
    shift = await h.supervisor.start_shift(name)
    return await asyncio.wait_for(h.supervisor.wait(shift.id), 30)


async def test_a_dirty_checkout_is_byte_identical_after_a_shift(harness: Harness) -> None:
    repo = harness.project_path
    make_dirty(repo)
    before = fingerprint(repo)
    await harness.add_project("edit")
    final = await _shift(harness, SHIFTTUI_FAKE_FILE="agent.txt", SHIFTTUI_FAKE_TEXT="agent\n")
    assert final.status is ShiftStatus.COMPLETED, final.error
    assert fingerprint(repo) == before
    assert not (repo / "agent.txt").exists()
    # The work branch holds the change, in a repository of its own under the home.
    work = work_path(harness.home.root, final.project_id)
    assert final.workdir == str(work) and final.branch == branch_name(final.project_id)
    assert git(work, "show", f"{final.branch}:agent.txt") == "agent"
    assert final.files_changed == ["agent.txt"]
    assert final.merge_state is MergeState.UNMERGED
    assert final.base_commit == git(repo, "rev-parse", "HEAD")
    assert final.head_commit == git(work, "rev-parse", final.branch)
    message = git(work, "log", "-1", "--format=%an%n%B", final.head_commit)
    assert message.splitlines()[0] == "shifttui"
    assert "Wrote agent.txt." in message and f"Shift-Id: {final.id}" in message
    # The user's own .git holds no trace of the work branch.
    assert "shifttui" not in git(repo, "for-each-ref")


async def test_the_agent_works_in_the_work_repository(harness: Harness) -> None:
    await harness.add_project("slow")
    shift = await harness.supervisor.start_shift("proj")
    try:
        run = harness.supervisor._runs[shift.id]
        work = work_path(harness.home.root, shift.project_id)
        assert run.project.path == str(work)  # cwd, guard root and sandbox root follow it
        prompt = await asyncio.wait_for(run.prompt, 10)
        assert f"Path: `{work}`" in prompt
        assert f"Branch: `{branch_name(shift.project_id)}`" in prompt
        assert "Nothing is waiting to be merged." in prompt
    finally:
        await harness.supervisor.abandon(shift.id, "test over")


async def test_three_shifts_are_three_disjoint_ranges(harness: Harness) -> None:
    await harness.add_project("edit")
    shifts = []
    for n in (1, 2, 3):
        extra = {"SHIFTTUI_FAKE_COMMIT": "1"} if n == 2 else {}  # the agent may commit
        shifts.append(await _shift(harness, SHIFTTUI_FAKE_FILE=f"f{n}.txt",
                                   SHIFTTUI_FAKE_TEXT=f"{n}\n", **extra))
    for n, s in enumerate(shifts, 1):
        assert s.files_changed == [f"f{n}.txt"], (n, s.files_changed)
        stat = await shift_diff_stat(harness.store, s, await harness.store.projects.get("proj"))
        assert [f.path for f in stat.files] == [f"f{n}.txt"]
        diff = await shift_diff(harness.store, s)
        assert f"+++ b/f{n}.txt" in diff and diff.count("+++ b/") == 1
    # Unmerged work carries over: each shift started where the one before ended.
    assert shifts[1].base_commit == shifts[0].head_commit
    assert shifts[2].base_commit == shifts[1].head_commit
    work = Path(shifts[0].workdir or "")
    # The agent's own commit stays as it made it: shifttui had nothing left to commit.
    assert git(work, "log", "--format=%s", "-1", shifts[1].head_commit) == "agent: f2.txt"
    assert not any((harness.project_path / f"f{n}.txt").exists() for n in (1, 2, 3))


async def test_a_moved_user_branch_restarts_the_work_branch_when_all_is_merged(
    harness: Harness
) -> None:
    repo = harness.project_path
    await harness.add_project("edit")
    first = await _shift(harness, SHIFTTUI_FAKE_FILE="a.txt")
    await harness.store.shifts.set_merge_state([first.id], MergeState.DISCARDED)
    # Both moved: the user committed, the work branch holds a.txt.
    (repo / "user.txt").write_text("u\n")
    git(repo, "add", "user.txt")
    git(repo, "commit", "-qm", "user moved on")
    await harness.add_project("slow", name="other")  # (a second project: unaffected)
    project = await harness.store.projects.get("proj")
    await harness.store.projects.update_policy(project.id, project.policy.model_copy(
        update={"env": {"SHIFTTUI_FAKE_SCENARIO": "slow"}}), harness.supervisor.clock.now())
    shift = await harness.supervisor.start_shift("proj")
    try:
        prompt = await asyncio.wait_for(harness.supervisor._runs[shift.id].prompt, 10)
        assert "1 commit behind" in prompt and "merge or discard" in prompt
        started = await harness.store.shifts.get(shift.id)
        assert started.base_commit == first.head_commit  # the unmerged work carries over
    finally:
        await harness.supervisor.abandon(shift.id, "test over")


async def test_a_folder_that_is_not_a_repository_runs_in_place(
    harness: Harness, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    harness.project_path = plain
    final, _, _ = await harness.run("edit")
    assert final.status is ShiftStatus.COMPLETED
    assert (plain / "work.txt").read_text() == "work\n"
    assert final.workdir is None and final.merge_state is None and final.base_commit is None
    assert not work_path(harness.home.root, final.project_id).exists()


async def test_isolation_none_runs_in_the_checkout(harness: Harness) -> None:
    final, _, _ = await harness.run("edit", isolation="none")
    assert (harness.project_path / "work.txt").exists()
    assert final.workdir is None and final.files_changed == ["work.txt"]


async def test_failed_checks_are_a_failure_that_counts(harness: Harness) -> None:
    await harness.add_project("edit", test_command="test ! -f work.txt", lint_command="true",
                              pause_after_failures=2)
    first = await _shift(harness)
    assert first.status is ShiftStatus.COMPLETED
    assert first.failure_kind is FailureKind.CHECKS_FAILED
    assert first.test_result is not None and not first.test_result.passed
    assert first.lint_result is not None and first.lint_result.passed
    assert first.checks_passed is False
    notice = [e for e in harness.seen if getattr(e, "kind", None) == "shift_failed"]
    assert notice and "checks failed" in notice[0].title  # type: ignore[attr-defined]
    second = await _shift(harness)
    assert second.failure_kind is FailureKind.CHECKS_FAILED
    project = await harness.store.projects.get("proj")
    assert project.paused and "checks_failed" in (project.paused_reason or "")


async def test_checks_run_on_the_shift_and_leave_nothing_behind(harness: Harness) -> None:
    # The test command sees the agent's file (it runs in the work repository) and leaves a
    # report that must not become part of the next shift's commit.
    await harness.add_project("edit", test_command="test -f work.txt && echo x > report.txt")
    first = await _shift(harness)
    assert first.checks_passed is True and first.failure_kind is None
    second = await _shift(harness, SHIFTTUI_FAKE_FILE="two.txt")
    assert second.files_changed == ["two.txt"]
