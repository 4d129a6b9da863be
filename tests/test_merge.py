"""Merge and discard of isolated shifts (fake CLI): merges bring the shifts in, a discard drops
one and replays the rest, and a refused merge leaves the user's checkout exactly as it was."""

from __future__ import annotations

import asyncio

import pytest
from agent_support import Harness
from isolation_support import fingerprint, git, make_dirty

from shifttui.base.models import MergeState, Shift
from shifttui.review.merge import MergeRefused, discard, merge

pytestmark = pytest.mark.timeout(60)


async def _shift(h: Harness, name: str, text: str = "", **env: str) -> Shift:
    project = await h.store.projects.get("proj")
    extra = {"SHIFTTUI_FAKE_FILE": name, "SHIFTTUI_FAKE_TEXT": text or f"{name}\n", **env}
    policy = project.policy.model_copy(update={"env": {**project.policy.env, **extra}})
    await h.store.projects.update_policy(project.id, policy, h.supervisor.clock.now())
    shift = await h.supervisor.start_shift("proj")
    return await asyncio.wait_for(h.supervisor.wait(shift.id), 30)


async def _three(h: Harness) -> list[Shift]:
    await h.add_project("edit")
    return [await _shift(h, f"f{n}.txt") for n in (1, 2, 3)]


async def test_merge_brings_every_shift_in_and_keeps_the_users_edits(harness: Harness) -> None:
    repo = harness.project_path
    make_dirty(repo)
    shifts = await _three(harness)
    project = await harness.store.projects.get("proj")
    result = await merge(harness.store, harness.home.root, project)
    assert [s.id for s in result.shifts] == [s.id for s in shifts] and result.fast_forward
    assert all(s.merge_state is MergeState.MERGED for s in result.shifts)
    for n in (1, 2, 3):
        assert (repo / f"f{n}.txt").read_text() == f"f{n}.txt\n"
        assert git(repo, "ls-files", f"f{n}.txt") == f"f{n}.txt"
    # The user's uncommitted work is still there: modified, staged and untracked.
    assert (repo / "tracked.txt").read_text() == "one\nmy edit, not committed\n"
    assert (repo / "untracked.txt").read_text() == "mine alone\n"
    assert git(repo, "diff", "--cached", "--name-only") == "staged.txt"
    assert git(repo, "status", "--porcelain", "f1.txt", "f2.txt", "f3.txt") == ""
    again = await merge(harness.store, harness.home.root, project)
    assert again.shifts == [] and "nothing to merge" in again.describe()
    # Everything merged: the next shift starts from the user's branch again.
    nxt = await _shift(harness, "f4.txt")
    assert nxt.base_commit == git(repo, "rev-parse", "HEAD")


async def test_merge_up_to_a_shift_and_a_true_merge_when_the_user_moved_on(
    harness: Harness
) -> None:
    repo = harness.project_path
    shifts = await _three(harness)
    (repo / "mine.txt").write_text("user\n")
    git(repo, "add", "mine.txt")
    git(repo, "commit", "-qm", "the user's own commit")
    project = await harness.store.projects.get("proj")
    result = await merge(harness.store, harness.home.root, project, shifts[1])
    assert [s.id for s in result.shifts] == [shifts[0].id, shifts[1].id]
    assert not result.fast_forward
    assert git(repo, "rev-list", "--parents", "-n", "1", "HEAD").count(" ") == 2  # a merge
    assert (repo / "f2.txt").exists() and not (repo / "f3.txt").exists()
    left = await harness.store.shifts.get(shifts[2].id)
    assert left.merge_state is MergeState.UNMERGED


async def test_discard_drops_one_shift_and_replays_the_later_ones(harness: Harness) -> None:
    shifts = await _three(harness)
    later = await discard(harness.store, harness.home.root, shifts[1])
    assert [s.id for s in later] == [shifts[2].id]
    dropped = await harness.store.shifts.get(shifts[1].id)
    assert dropped.merge_state is MergeState.DISCARDED
    third = later[0]
    assert third.base_commit == shifts[0].head_commit  # replayed over the gap
    work = harness.home.root / "work" / "proj"
    files = git(work, "ls-tree", "-r", "--name-only", "shifttui/proj").splitlines()
    assert "f1.txt" in files and "f3.txt" in files and "f2.txt" not in files
    with pytest.raises(MergeRefused, match="discarded"):
        await discard(harness.store, harness.home.root, dropped)
    project = await harness.store.projects.get("proj")
    result = await merge(harness.store, harness.home.root, project)
    assert [s.id for s in result.shifts] == [shifts[0].id, shifts[2].id]
    repo = harness.project_path
    assert (repo / "f3.txt").exists() and not (repo / "f2.txt").exists()


async def test_a_discard_that_would_conflict_is_refused_and_changes_nothing(
    harness: Harness
) -> None:
    await harness.add_project("edit")
    first = await _shift(harness, "same.txt", "one\n")
    second = await _shift(harness, "same.txt", "two\n")  # builds on the first's file
    work = harness.home.root / "work" / "proj"
    tip = git(work, "rev-parse", "shifttui/proj")
    with pytest.raises(MergeRefused, match=f"later shift {second.id} in conflict in same.txt"):
        await discard(harness.store, harness.home.root, first)
    assert git(work, "rev-parse", "shifttui/proj") == tip
    assert git(work, "status", "--porcelain") == ""
    assert (await harness.store.shifts.get(first.id)).merge_state is MergeState.UNMERGED


@pytest.mark.parametrize("why", ["conflict", "dirty", "untracked"])
async def test_an_unsafe_merge_is_refused_and_the_checkout_is_unchanged(
    harness: Harness, why: str
) -> None:
    repo = harness.project_path
    make_dirty(repo)
    await harness.add_project("edit")
    name = {"conflict": "clash.txt", "dirty": "tracked.txt", "untracked": "untracked.txt"}[why]
    await _shift(harness, name, "from the agent\n")
    if why == "conflict":
        (repo / "clash.txt").write_text("from the user\n")
        git(repo, "add", "clash.txt")
        git(repo, "commit", "-qm", "the user's clash")
    before = fingerprint(repo)
    project = await harness.store.projects.get("proj")
    words = "would conflict in clash.txt" if why == "conflict" else \
        f"would change {name}, which hold your uncommitted changes"
    with pytest.raises(MergeRefused, match=words):
        await merge(harness.store, harness.home.root, project)
    assert fingerprint(repo) == before  # bytes, index, HEAD, no MERGE_HEAD
    shifts = await harness.store.shifts.unmerged(project.id)
    assert len(shifts) == 1


async def test_a_detached_checkout_is_refused(harness: Harness) -> None:
    repo = harness.project_path
    await harness.add_project("edit")
    await _shift(harness, "a.txt")
    git(repo, "checkout", "-q", "--detach")
    project = await harness.store.projects.get("proj")
    with pytest.raises(MergeRefused, match="detached HEAD"):
        await merge(harness.store, harness.home.root, project)
