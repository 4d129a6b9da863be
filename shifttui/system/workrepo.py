"""The work repository of an isolated project: git plumbing, nothing about shifts.

Each isolated project gets a repository of its own under the shifttui home, made with
`git clone --shared` from the user's repository: it borrows the user's objects read-only
(alternates) and keeps its own index, refs and new objects, so the agent's writable root never
includes the user's `.git`. The work branch `shifttui/<project>` lives there. The user's
repository is only read here (its HEAD, branch, remotes); merging into it is review.merge's job.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from shifttui.base.errors import ShiftTuiError
from shifttui.system.git import GitOut, run_git

BRANCH_PREFIX = "shifttui/"
SHIFT_REF = "refs/shifttui/shifts/"
# Cloning, `add -A` or a checkout of a big tree take longer than a status query.
SLOW_GIT_S = 300.0
# Commits shifttui makes are shifttui's, whatever identity the environment names.
IDENTITY = {"GIT_AUTHOR_NAME": "shifttui", "GIT_AUTHOR_EMAIL": "shifttui@localhost",
            "GIT_COMMITTER_NAME": "shifttui", "GIT_COMMITTER_EMAIL": "shifttui@localhost"}
# The user's hooks (core.hooksPath in their global config) must not run on shifttui's commits.
_NO_HOOKS = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false")


class WorkRepoError(ShiftTuiError):
    """A git step on the work repository failed; the message is one sentence."""


@dataclass(frozen=True)
class Checkout:
    """The user's checkout as git sees it."""

    root: Path  # the work tree's top level
    common_dir: Path  # where its objects and refs are (a linked worktree shares them)
    head: str
    branch: str | None  # None: detached HEAD


def work_path(home_root: Path, project_id: str) -> Path:
    return home_root / "work" / project_id


def branch_name(project_id: str) -> str:
    return BRANCH_PREFIX + project_id


def shift_ref(shift_id: str) -> str:
    return SHIFT_REF + shift_id


async def git_ok(repo: Path, *args: str, what: str, slow: bool = False,
                 identity: bool = False) -> str:
    """Run git; its stdout, stripped, or WorkRepoError naming `what` failed and why."""
    res = await run_git(repo, *_NO_HOOKS, *args, env=IDENTITY if identity else None,
                        timeout_s=SLOW_GIT_S if slow else None)
    if res.code != 0:
        raise WorkRepoError(f"{what} failed: {_why(res)}")
    return res.out.strip()


def _why(res: GitOut) -> str:
    for line in res.err.strip().splitlines():
        line = line.strip().removeprefix("fatal: ").removeprefix("error: ")
        if line and not line.startswith("hint:"):
            return line
    return f"git exited with {res.code}"


async def user_checkout(path: Path) -> Checkout | None:
    """The git checkout at `path`, or None when it is not one or has no commit yet."""
    if not await asyncio.to_thread(path.is_dir):
        return None
    res = await run_git(path, "rev-parse", "--show-toplevel", "--git-common-dir",
                        "--verify", "-q", "HEAD^{commit}")
    lines = res.out.strip().splitlines()
    if res.code != 0 or len(lines) != 3:
        return None
    root = Path(lines[0])
    common = Path(lines[1])
    if not common.is_absolute():
        common = (path / common).resolve()
    branch = await run_git(path, "symbolic-ref", "--short", "-q", "HEAD")
    return Checkout(root, common, lines[2],
                    branch.out.strip() if branch.code == 0 and branch.out.strip() else None)


async def exists(work: Path) -> bool:
    return await asyncio.to_thread((work / ".git").is_dir)


async def create(work: Path, source: Checkout, branch: str) -> None:
    """Clone the user's repository (borrowing its objects) with `branch` at their HEAD."""
    if await exists(work):
        raise WorkRepoError(f"a work repository already exists at {work}")
    await asyncio.to_thread(work.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(shutil.rmtree, work, True)  # a half-made clone of a crash
    await git_ok(work.parent, "clone", "--shared", "--no-checkout", "-q",
                 str(source.common_dir), str(work), what="cloning your repository", slow=True)
    await git_ok(work, "checkout", "-q", "-f", "-B", branch, source.head,
                 what="checking out the work branch", slow=True)
    # Only the work branch: a stale copy of the user's branches would only mislead the agent.
    heads = await git_ok(work, "for-each-ref", "--format=%(refname:short)", "refs/heads",
                         what="listing branches")
    for name in heads.splitlines():
        if name and name != branch:
            await git_ok(work, "branch", "-q", "-D", name, what=f"removing branch {name}")
    await sync_remotes(work, source)
    await git_ok(work, "config", "shifttui.source", str(source.common_dir),
                 what="recording the source")


async def ignore(work: Path, patterns: list[str]) -> None:
    """Add `patterns` to the work repository's own `.git/info/exclude` (once each)."""
    path = work / ".git" / "info" / "exclude"

    def add() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        have = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        missing = [p for p in patterns if p not in have]
        if missing:
            with path.open("a", encoding="utf-8") as f:
                f.write("".join(f"{p}\n" for p in missing))

    await asyncio.to_thread(add)


async def sync_remotes(work: Path, source: Checkout) -> None:
    """The user's remotes, by URL (no fetch): the agent's project looks like theirs, and
    shifttui itself never fetches through them (it reads the work repository by path)."""
    res = await run_git(source.root, "config", "--get-regexp", r"^remote\..*\.url$")
    wanted: dict[str, str] = {}
    for line in res.out.splitlines() if res.code == 0 else []:
        key, _, url = line.partition(" ")
        name = key.removeprefix("remote.").removesuffix(".url")
        if name and url:
            wanted[name] = _absolute_url(url, source.root)
    have = await run_git(work, "remote")
    for name in have.out.split() if have.code == 0 else []:
        if name not in wanted:
            await git_ok(work, "remote", "remove", name, what=f"removing remote {name}")
    for name, url in wanted.items():
        current = await run_git(work, "remote", "get-url", name)
        if current.code != 0:
            await git_ok(work, "remote", "add", name, url, what=f"adding remote {name}")
        elif current.out.strip() != url:
            await git_ok(work, "remote", "set-url", name, url, what=f"updating remote {name}")


def _absolute_url(url: str, root: Path) -> str:
    """A relative path means one relative to the user's checkout, not to the work repo."""
    if "://" in url or (":" in url.split("/", 1)[0]) or Path(url).is_absolute():
        return url
    return str((root / url).resolve())


async def borrow_from(work: Path, source: Checkout) -> None:
    """Point the alternates at the user's objects again (the project moved)."""
    alternates = work / ".git" / "objects" / "info" / "alternates"
    wanted = str(source.common_dir / "objects") + "\n"
    current = await asyncio.to_thread(_read, alternates)
    if current != wanted:
        await asyncio.to_thread(alternates.write_text, wanted)
        await git_ok(work, "config", "shifttui.source", str(source.common_dir),
                     what="recording the source")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


async def rev(repo: Path, name: str) -> str | None:
    res = await run_git(repo, "rev-parse", "--verify", "-q", f"{name}^{{commit}}")
    sha = res.out.strip()
    return sha if res.code == 0 and sha else None


async def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    res = await run_git(repo, "merge-base", "--is-ancestor", older, newer)
    return res.code == 0


async def count(repo: Path, since: str, until: str) -> int:
    """Commits in since..until."""
    res = await run_git(repo, "rev-list", "--count", f"{since}..{until}")
    return int(res.out.strip()) if res.code == 0 and res.out.strip().isdigit() else 0


async def current_branch(repo: Path) -> str | None:
    res = await run_git(repo, "symbolic-ref", "--short", "-q", "HEAD")
    return res.out.strip() if res.code == 0 and res.out.strip() else None


async def reset_branch(work: Path, branch: str, commit: str) -> None:
    """Check out `branch` at `commit` with a clean work tree (ignored files stay: caches
    and virtualenvs the project's tools keep)."""
    await git_ok(work, "checkout", "-q", "-f", "-B", branch, commit,
                 what="moving the work branch", slow=True)
    await git_ok(work, "clean", "-fdq", what="cleaning the work tree", slow=True)


async def commit_all(work: Path, message: str, trailer: str) -> bool:
    """Commit everything uncommitted (staged, unstaged, untracked) as one commit authored by
    shifttui; False when there was nothing to commit."""
    await git_ok(work, "add", "-A", what="staging the shift's changes", slow=True)
    staged = await run_git(work, "diff", "--cached", "--quiet", timeout_s=SLOW_GIT_S)
    if staged.code == 0:
        return False
    await git_ok(work, "commit", "-q", "--no-verify", "-m", message, "--trailer", trailer,
                 what="committing the shift's changes", slow=True, identity=True)
    return True


async def keep(work: Path, shift_id: str, commit: str) -> None:
    """A ref per shift: its commits stay readable after the branch is moved or rewritten."""
    await git_ok(work, "update-ref", shift_ref(shift_id), commit, what="recording the shift")


async def remove(work: Path) -> bool:
    """Delete the work repository; False when there was none."""
    if not await asyncio.to_thread(work.exists):
        return False
    await asyncio.to_thread(shutil.rmtree, work)
    return True
