"""Review that acts (SPEC §7): merge isolated shifts into the user's branch, or discard one.

A merge changes the user's checkout only when that is safe. It is computed without touching
anything (`git merge-tree --write-tree`); a conflict, or a file it would change that holds the
user's uncommitted work (modified, staged or untracked), refuses it with one line naming the
files, and then the checkout — its files, index, HEAD — is exactly as it was. A safe merge is
applied the way `git checkout` moves between commits (`read-tree -m -u`), so the user's other
uncommitted edits survive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shifttui.base.errors import InvalidInput, NotFound, StateError
from shifttui.base.models import AutoMerge, MergeState, Project, Shift, ShiftStatus
from shifttui.shifts import isolation
from shifttui.store import Store
from shifttui.system import workrepo
from shifttui.system.git import run_git
from shifttui.system.workrepo import Checkout, WorkRepoError, git_ok

FILES_NAMED = 5
_IN_PROGRESS = {"MERGE_HEAD": "a merge", "CHERRY_PICK_HEAD": "a cherry-pick",
                "REVERT_HEAD": "a revert", "rebase-merge": "a rebase", "rebase-apply": "a rebase"}


class MergeRefused(StateError):
    """The merge or discard was not done; nothing changed."""


@dataclass(frozen=True)
class MergeResult:
    project: Project
    branch: str  # the user's branch it went into
    shifts: list[Shift] = field(default_factory=list)  # merged now, oldest first
    commit: str | None = None  # the user's branch after it
    fast_forward: bool = False

    def describe(self) -> str:
        if not self.shifts:
            return f"{self.project.name}: nothing to merge into {self.branch}"
        n = len(self.shifts)
        how = "fast-forward" if self.fast_forward else f"merge commit {(self.commit or '')[:12]}"
        return (f"merged {n} shift{'s' if n != 1 else ''} of {self.project.name} into "
                f"{self.branch} ({how}): " + ", ".join(s.id for s in self.shifts))


def _names(files: list[str]) -> str:
    shown = ", ".join(files[:FILES_NAMED])
    return shown + (f" and {len(files) - FILES_NAMED} more" if len(files) > FILES_NAMED else "")


def _split(out: str) -> list[str]:
    return sorted({n for n in out.split("\0") if n})


async def _checkout(project: Project) -> Checkout:
    checkout = await workrepo.user_checkout(Path(project.path))
    if checkout is None:
        raise InvalidInput(f"{project.name}: {project.path} is not a git repository with a "
                           "commit, so its shifts ran in place and there is nothing to merge")
    if checkout.branch is None:
        raise MergeRefused(f"{project.name}: your checkout is on a detached HEAD; check out "
                           "the branch to merge into first")
    for name, what in _IN_PROGRESS.items():
        if (checkout.common_dir / name).exists() or \
                (Path(await _git_dir(checkout.root)) / name).exists():
            raise MergeRefused(f"{project.name}: {what} is in progress in {checkout.root}; "
                               "finish or abort it first")
    return checkout


async def _git_dir(root: Path) -> str:
    res = await run_git(root, "rev-parse", "--absolute-git-dir")
    return res.out.strip() or str(root / ".git")


async def merge(store: Store, home_root: Path, project: Project,
                upto: Shift | None = None) -> MergeResult:
    """Merge the project's unmerged shifts, oldest first (up to and including `upto`), into
    the branch the user's checkout is on. Raises MergeRefused (nothing changed)."""
    checkout = await _checkout(project)
    work = isolation.workdir_of(home_root, project)
    if not await workrepo.exists(work):
        return MergeResult(project, checkout.branch or "")
    await isolation.mark_merged(store, project, work, checkout.head)
    pending = await store.shifts.unmerged(project.id)
    if upto is not None:
        if upto.project_id != project.id:
            raise InvalidInput(f"shift {upto.id} is not a shift of {project.name}")
        if upto.merge_state is not MergeState.UNMERGED or upto.id not in {s.id for s in pending}:
            state = upto.merge_state.value if upto.merge_state else "not isolated"
            raise MergeRefused(f"shift {upto.id} is {state}: nothing of it to merge")
        pending = pending[:[s.id for s in pending].index(upto.id) + 1]
    branch = checkout.branch or ""
    if not pending:
        return MergeResult(project, branch)
    target = pending[-1].head_commit
    assert target is not None
    root = checkout.root
    # The objects, never a ref or FETCH_HEAD: the user's repository only gains what it merges.
    await git_ok(root, "fetch", "-q", "--no-write-fetch-head", "--no-tags", str(work),
                 workrepo.shift_ref(pending[-1].id), what="reading the work branch", slow=True)
    head = checkout.head
    fast = await workrepo.is_ancestor(root, head, target)
    new = target if fast else await _merge_commit(root, head, target, project, pending)
    await _refuse_unsafe(root, head, new, project)
    await git_ok(root, "read-tree", "-m", "-u", head, new, what="updating your checkout",
                 slow=True)
    moved = await run_git(root, "update-ref", "-m", f"shifttui: merge {project.name}",
                          f"refs/heads/{branch}", new, head)
    if moved.code != 0:  # the branch moved meanwhile: put the files back as they were
        await run_git(root, "read-tree", "-m", "-u", new, head, timeout_s=workrepo.SLOW_GIT_S)
        raise MergeRefused(f"{project.name}: {branch} moved while merging; nothing changed, "
                           "try again")
    await store.shifts.set_merge_state([s.id for s in pending], MergeState.MERGED)
    merged = [await store.shifts.get(s.id) for s in pending]
    await _restart_work_branch(store, project, work, new)
    return MergeResult(project, branch, merged, new, fast)


async def _merge_commit(root: Path, head: str, target: str, project: Project,
                        shifts: list[Shift]) -> str:
    res = await run_git(root, "merge-tree", "--write-tree", "--name-only", "--no-messages",
                        "-z", head, target, timeout_s=workrepo.SLOW_GIT_S)
    parts = [p for p in res.out.split("\0") if p]
    if res.code == 1:
        raise MergeRefused(f"{project.name}: merging would conflict in {_names(parts[1:])}; "
                           "nothing was changed (discard the shift, or merge it by hand)")
    if res.code != 0 or not parts:
        raise MergeRefused(f"{project.name}: git cannot merge here: "
                           f"{res.first_error or f'exit {res.code}'}")
    ids = ", ".join(s.id for s in shifts)
    message = [f"Merge {len(shifts)} shifttui shift{'s' if len(shifts) != 1 else ''} of "
               f"{project.name}", "", f"Shifts: {ids}"]
    args = ("commit-tree", parts[0], "-p", head, "-p", target, "-m", "\n".join(message))
    try:
        return await git_ok(root, *args, what="making the merge commit")
    except WorkRepoError:  # no identity configured for the user: the commit is shifttui's
        return await git_ok(root, *args, what="making the merge commit", identity=True)


async def _refuse_unsafe(root: Path, head: str, new: str, project: Project) -> None:
    """Refuse when a file the merge changes holds the user's uncommitted work."""
    touched_res, tracked, untracked = (
        await run_git(root, "diff", "--name-only", "--no-renames", "-z", head, new, "--",
                      timeout_s=workrepo.SLOW_GIT_S),
        await run_git(root, "diff", "--name-only", "--no-renames", "-z", "HEAD", "--",
                      timeout_s=workrepo.SLOW_GIT_S),
        await run_git(root, "ls-files", "--others", "--exclude-standard", "-z",
                      timeout_s=workrepo.SLOW_GIT_S),
    )
    for res in (touched_res, tracked, untracked):
        if res.code != 0:
            raise MergeRefused(f"{project.name}: cannot read your checkout: {res.first_error}")
    touched = set(_split(touched_res.out))
    busy = touched & (set(_split(tracked.out)) | set(_split(untracked.out)))
    # An ignored file where the merge would create one is the user's too.
    in_head = await run_git(root, "ls-tree", "-r", "--name-only", "-z", head, "--",
                            *sorted(touched), timeout_s=workrepo.SLOW_GIT_S) if touched else None
    existing = set(_split(in_head.out)) if in_head is not None else set()
    busy |= {p for p in touched - existing if (root / p).exists() or (root / p).is_symlink()}
    if busy:
        raise MergeRefused(f"{project.name}: the merge would change {_names(sorted(busy))}, "
                           "which hold your uncommitted changes; nothing was changed (commit "
                           "or stash them first)")


async def _restart_work_branch(store: Store, project: Project, work: Path, new: str) -> None:
    """With nothing left unmerged, the next shift starts from the merge (the work branch
    would otherwise keep its pre-merge commits and look diverged)."""
    if await store.shifts.unmerged(project.id) or await store.shifts.running_for(project.id):
        return
    branch = workrepo.branch_name(project.id)
    try:
        await workrepo.reset_branch(work, branch, new)
    except WorkRepoError:
        pass  # the next shift's start refreshes it anyway


async def discard(store: Store, home_root: Path, shift: Shift) -> list[Shift]:
    """Drop `shift`'s commits from the work branch; later unmerged shifts are rebased over the
    gap. Returns the later shifts as they are now. Raises MergeRefused (nothing changed)."""
    if shift.merge_state is not MergeState.UNMERGED or not shift.workdir \
            or shift.base_commit is None or shift.head_commit is None:
        state = shift.merge_state.value if shift.merge_state else "not isolated (it ran in place)"
        raise MergeRefused(f"shift {shift.id} is {state}: there is nothing of it to discard")
    running = await store.shifts.running_for(shift.project_id)
    if running is not None:
        raise MergeRefused(f"a shift ({running.id}) is running on the work branch; discard "
                           "once it has ended")
    work, branch = Path(shift.workdir), shift.branch or workrepo.branch_name(shift.project_id)
    later = [s for s in await store.shifts.unmerged(shift.project_id)
             if (s.started_at, s.id) > (shift.started_at, shift.id)]
    old_tip = await workrepo.rev(work, f"refs/heads/{branch}")
    if old_tip is None:
        raise NotFound(f"the work branch {branch} is missing from {work}")
    tip = shift.base_commit
    ranges: list[tuple[Shift, str, str]] = []
    try:
        for s in later:
            assert s.base_commit is not None and s.head_commit is not None
            head = tip
            if s.base_commit != s.head_commit:
                head = await _replay(work, s, tip)
            ranges.append((s, tip, head))
            tip = head
    except MergeRefused:
        await run_git(work, "rebase", "--abort")
        await workrepo.reset_branch(work, branch, old_tip)
        raise
    await workrepo.reset_branch(work, branch, tip)
    for s, base, head in ranges:
        await workrepo.keep(work, s.id, head)
        await store.shifts.set_range(s.id, base_commit=base, head_commit=head,
                                     merge_state=MergeState.UNMERGED)
    await store.shifts.set_merge_state([shift.id], MergeState.DISCARDED)
    return [await store.shifts.get(s.id) for s in later]


async def _replay(work: Path, shift: Shift, onto: str) -> str:
    """`shift`'s commits replayed onto `onto`; its new head."""
    assert shift.base_commit is not None and shift.head_commit is not None
    # Only the committer is shifttui: each commit keeps its author.
    res = await run_git(work, "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false",
                        "rebase", "-q", "--onto", onto, shift.base_commit, shift.head_commit,
                        env={k: v for k, v in workrepo.IDENTITY.items() if "COMMITTER" in k},
                        timeout_s=workrepo.SLOW_GIT_S)
    if res.code != 0:
        files = await run_git(work, "diff", "--name-only", "--diff-filter=U", "-z")
        raise MergeRefused(f"discarding would leave the later shift {shift.id} in conflict in "
                           f"{_names(_split(files.out)) or 'its files'}; nothing was changed")
    head = await workrepo.rev(work, "HEAD")
    assert head is not None
    return head


async def auto_merge(store: Store, home_root: Path, shift: Shift) -> str | None:
    """Policy auto_merge=when_checks_pass: merge a completed shift whose checks passed, when
    that is safe. What happened, for the shift's notice; None when the policy does not ask."""
    if shift.merge_state is not MergeState.UNMERGED or shift.status is not ShiftStatus.COMPLETED:
        return None
    project = await store.projects.get(shift.project_id)
    if project.policy.auto_merge is not AutoMerge.WHEN_CHECKS_PASS:
        return None
    if shift.checks_passed is not True:
        return "not merged: no check passed" if shift.checks_passed is None else None
    pending = await store.shifts.unmerged(project.id)
    if pending and pending[0].id != shift.id:
        return "not merged: earlier shifts wait for your review"
    try:
        result = await merge(store, home_root, project, shift)
    except (MergeRefused, InvalidInput, WorkRepoError) as exc:
        return f"not merged: {exc}"
    return f"merged into {result.branch}"
