"""Isolated shifts (SPEC §7): each shift of a git project works on the project's work branch in
a repository of its own under the shifttui home, and ends as one range of commits there.

The supervisor calls `enter` after the claim (the claim is what keeps two processes from
preparing the same work repository at once) and `leave` when the agent has stopped. The run
is handed a Project whose `path` is the work repository, so the agent's cwd, the guard's root,
the sandbox's writable root and "the project" in the context are all that directory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from shifttui.base.models import Isolation, MergeState, Project, Shift, ShiftStatus
from shifttui.shifts.agent.containment import SANDBOX_STUBS
from shifttui.store import Store
from shifttui.system import workrepo
from shifttui.system.git import git_changed_files, run_git
from shifttui.system.workrepo import Checkout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workspace:
    """Where an isolated shift works, and what its context should say about it."""

    workdir: Path
    branch: str
    base: str
    checkout: Checkout  # the user's
    note: str  # markdown for the context's git section


async def isolated_checkout(project: Project) -> Checkout | None:
    """The user's checkout when the project's shifts run isolated; None: in place (the
    policy says `none`, or the folder is not a git repository with a commit)."""
    if project.policy.isolation is Isolation.NONE:
        return None
    return await workrepo.user_checkout(Path(project.path))


def workdir_of(home_root: Path, project: Project) -> Path:
    return workrepo.work_path(home_root, project.id)


async def enter(store: Store, home_root: Path, project: Project, shift: Shift
                ) -> tuple[Project, Workspace | None]:
    """Make or refresh the work repository for `shift` and record where it works. Returns the
    project as the run should see it (its path the work repository) and the workspace, or the
    project unchanged and None when it runs in place. Raises WorkRepoError."""
    checkout = await isolated_checkout(project)
    if checkout is None:
        return project, None
    work = workdir_of(home_root, project)
    branch = workrepo.branch_name(project.id)
    created = not await workrepo.exists(work)
    if created:
        await workrepo.create(work, checkout, branch)
    # Inside Claude Code's sandbox these names appear as /dev/null devices where the project has
    # none, and `git add -A` refuses them (anthropics/claude-code#78419): the work repository is
    # shifttui's own, so it ignores them; a checkout run in place is the user's and is left alone.
    await workrepo.ignore(work, [f"/{name}" for name in SANDBOX_STUBS])
    if not created:
        await workrepo.borrow_from(work, checkout)
        await workrepo.sync_remotes(work, checkout)
        await _close_crashed(store, project, work, branch)
    note = await _refresh(store, project, work, branch, checkout)
    base = await workrepo.rev(work, "HEAD")
    if base is None:
        raise workrepo.WorkRepoError(f"the work branch {branch} has no commit")
    await store.shifts.set_workspace(shift.id, workdir=str(work), branch=branch,
                                     base_commit=base)
    return (project.model_copy(update={"path": str(work)}),
            Workspace(work, branch, base, checkout, note))


async def _refresh(store: Store, project: Project, work: Path, branch: str,
                   checkout: Checkout) -> str:
    """Bring the work branch up to the user's branch when it holds nothing unmerged; say in
    words how the two stand."""
    tip = await workrepo.rev(work, f"refs/heads/{branch}") or checkout.head
    yours = f"`{checkout.branch}`" if checkout.branch else "your detached HEAD"
    await mark_merged(store, project, work, checkout.head)
    if tip == checkout.head or await workrepo.is_ancestor(work, tip, checkout.head):
        moved = tip != checkout.head
        await workrepo.reset_branch(work, branch, checkout.head)
        return (f"The work branch `{branch}` starts from the operator's branch {yours} at "
                f"`{checkout.head[:12]}`" + (" (it moved on since the last shift)." if moved
                                             else ".") + " Nothing is waiting to be merged.")
    waiting = await store.shifts.unmerged(project.id)
    # Not reset: it holds work not yet in the user's branch, so the agent continues it.
    await _on_branch(work, branch, tip)
    ahead = await workrepo.count(work, checkout.head, tip)
    shifts = f"{len(waiting)} shift{'s' if len(waiting) != 1 else ''}" if waiting else "work"
    text = (f"The work branch `{branch}` holds {shifts} ({ahead} commit"
            f"{'s' if ahead != 1 else ''}) not yet merged into the operator's branch {yours}; "
            "it carries over to this shift.")
    if not await workrepo.is_ancestor(work, checkout.head, tip):
        behind = await workrepo.count(work, tip, checkout.head)
        text += (f" The operator's branch has moved on: the work branch is {behind} commit"
                 f"{'s' if behind != 1 else ''} behind it, and a merge or discard of the "
                 "waiting shifts is pending (`shifttui merge` / `shifttui discard`). Keep "
                 "building on the work branch; do not try to merge it yourself.")
    return text


async def _on_branch(work: Path, branch: str, tip: str) -> None:
    """The work tree on the branch's tip and clean (after a crash it may be neither)."""
    if await workrepo.current_branch(work) != branch or await workrepo.rev(work, "HEAD") != tip:
        await workrepo.reset_branch(work, branch, tip)
        return
    status = await run_git(work, "status", "--porcelain")
    if status.code != 0 or status.out.strip():
        await workrepo.reset_branch(work, branch, tip)


async def _close_crashed(store: Store, project: Project, work: Path, branch: str) -> None:
    """A shift whose process died never recorded its range: what it left in the work tree
    becomes its commit, so the next shift starts clean and the work is not lost."""
    for shift in await store.shifts.list(project.id, limit=5):
        if shift.status is ShiftStatus.RUNNING or shift.branch is None \
                or shift.head_commit is not None or shift.base_commit is None:
            continue
        message = f"Uncommitted work of shift {shift.id} ({shift.status.value})"
        await _record(store, shift, work, branch, message)


async def leave(store: Store, shift: Shift, project: Project, message: str) -> list[str]:
    """The shift has stopped: commit what the agent left uncommitted and record the range
    (isolated), and return the files it changed. `project` is the one the run saw."""
    shift = await store.shifts.get(shift.id)
    if shift.workdir is None or shift.branch is None:
        path = Path(project.path)
        return await git_changed_files(path, shift.start_commit) if path.is_dir() else []
    summary = message.strip().splitlines()[0] if message.strip() else ""
    return await _record(store, shift, Path(shift.workdir), shift.branch,
                         summary or f"shift {shift.id}")


async def _record(store: Store, shift: Shift, work: Path, branch: str, message: str
                  ) -> list[str]:
    assert shift.base_commit is not None
    await workrepo.commit_all(work, message[:200], f"Shift-Id: {shift.id}")
    head = await workrepo.rev(work, "HEAD") or shift.base_commit
    # The agent may have switched branches: the work branch is wherever it left HEAD.
    await workrepo.git_ok(work, "update-ref", f"refs/heads/{branch}", head,
                          what="moving the work branch")
    await workrepo.git_ok(work, "symbolic-ref", "HEAD", f"refs/heads/{branch}",
                          what="checking out the work branch")
    await workrepo.keep(work, shift.id, head)
    checkout = await workrepo.user_checkout(Path(await _source_root(store, shift)))
    state = MergeState.UNMERGED
    if checkout is not None and await workrepo.is_ancestor(work, head, checkout.head):
        state = MergeState.MERGED  # nothing of it is missing from the user's branch
    await store.shifts.set_range(shift.id, base_commit=shift.base_commit, head_commit=head,
                                 merge_state=state)
    res = await run_git(work, "diff", "--name-only", "--no-renames", "-z", shift.base_commit,
                        head, "--")
    return sorted(n for n in res.out.split("\0") if n) if res.code == 0 else []


async def _source_root(store: Store, shift: Shift) -> str:
    project = await store.projects.get(shift.project_id)
    return project.path


async def tidy(shift: Shift) -> None:
    """After the checks: what they left in the work tree (reports, caches that are not
    ignored) must not become part of the next shift's commit."""
    if shift.workdir is None or shift.head_commit is None:
        return
    try:
        await workrepo.git_ok(Path(shift.workdir), "reset", "-q", "--hard", shift.head_commit,
                              what="resetting the work tree", slow=True)
        await workrepo.git_ok(Path(shift.workdir), "clean", "-fdq", what="cleaning the work tree",
                              slow=True)
    except workrepo.WorkRepoError as exc:
        log.warning("cannot tidy the work tree of %s: %s", shift.id, exc)


async def mark_merged(store: Store, project: Project, work: Path, user_head: str) -> list[str]:
    """Unmerged shifts whose head the user's branch now contains are merged (however it got
    there: `shifttui merge`, or the user's own fetch and merge)."""
    merged = [s.id for s in await store.shifts.unmerged(project.id)
              if s.head_commit and await workrepo.is_ancestor(work, s.head_commit, user_head)]
    await store.shifts.set_merge_state(merged, MergeState.MERGED)
    return merged


async def preview(home_root: Path, project: Project) -> tuple[Project, str | None]:
    """What `shifttui context` shows without changing anything: the work repository as it is
    (or the user's checkout before the first isolated shift), and a note on isolation."""
    checkout = await isolated_checkout(project)
    if checkout is None:
        return project, None
    work = workdir_of(home_root, project)
    branch = workrepo.branch_name(project.id)
    if not await workrepo.exists(work):
        return project, (f"The first shift creates the work branch `{branch}` from the "
                         f"operator's checkout at `{checkout.head[:12]}`, in {work}.")
    return (project.model_copy(update={"path": str(work)}),
            f"Shifts work on the branch `{branch}` in {work}; the operator's checkout is "
            "never touched by a shift.")
