"""Running git for facts about a project: bounded in time and output, never raising."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT_S = 15.0


@dataclass
class GitOut:
    code: int
    out: str
    err: str
    cut: int = 0  # characters of stdout left unread (see `limit`)

    @property
    def first_error(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[0].strip() if lines else ""


async def run_git(path: Path, *args: str, limit: int | None = None,
                  env: Mapping[str, str] | None = None,
                  timeout_s: float | None = None) -> GitOut:
    """Run git in `path`. A missing git or a timeout is a failed result, not an exception;
    stdout is read up to `limit` characters, so a huge diff costs no memory. `env` adds to
    the environment; `timeout_s` replaces GIT_TIMEOUT_S (a clone or `add -A` of a big tree)."""
    # Optional locks off: a status refresh must not fight the agent for the index lock.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0",
           "GIT_PAGER": "cat", **(env or {})}
    try:
        proc = await asyncio.create_subprocess_exec(
            "git", "-c", "core.quotepath=off", "-c", "color.ui=never", *args, cwd=path,
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        return GitOut(127, "", "git is not installed")
    except OSError as exc:
        return GitOut(126, "", f"cannot run git: {exc.strerror}")
    timeout = GIT_TIMEOUT_S if timeout_s is None else timeout_s
    try:
        return await asyncio.wait_for(_collect(proc, limit), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return GitOut(124, "", f"git {args[0]} took longer than {timeout:g} s")


async def _collect(proc: asyncio.subprocess.Process, limit: int | None) -> GitOut:
    assert proc.stdout is not None and proc.stderr is not None
    err_task = asyncio.ensure_future(proc.stderr.read())
    chunks: list[bytes] = []
    size = extra = 0
    # Bytes, not characters: close enough for a display bound, and never less than asked.
    cap = None if limit is None else limit * 4
    while chunk := await proc.stdout.read(65536):
        if cap is not None and size >= cap:
            extra += len(chunk)
            continue
        chunks.append(chunk)
        size += len(chunk)
    err = await err_task
    await proc.wait()
    text = b"".join(chunks).decode("utf-8", "replace")
    cut = extra
    if limit is not None and len(text) > limit:
        cut += len(text) - limit
        text = text[:limit]
    return GitOut(proc.returncode or 0, text, err.decode("utf-8", "replace"), cut)


async def git_problem(path: Path) -> str | None:
    """Why git facts cannot be had for `path`, or None when it is inside a work tree."""
    if not await asyncio.to_thread(path.is_dir):
        return "project directory missing"
    res = await run_git(path, "rev-parse", "--is-inside-work-tree")
    if res.code == 0 and res.out.strip() == "true":
        return None
    if res.code == 0 or "not a git repository" in res.err:
        return "not a git repository"
    return res.first_error or f"git failed (exit {res.code})"


async def git_head(path: Path) -> str | None:
    """The commit HEAD names, or None (not a repository, no commits yet, git missing)."""
    if not await asyncio.to_thread(path.is_dir):
        return None
    res = await run_git(path, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    sha = res.out.strip()
    return sha if res.code == 0 and sha else None


async def git_changed_files(path: Path, since_commit: str | None) -> list[str]:
    """Files changed since `since_commit`: commits, the working tree and untracked files.

    Paths are relative to `path`. Without a commit (the repository had none when the shift
    started, or it is unknown) the changes are those against HEAD, or every file if there is
    no HEAD. Not a repository: [].
    """
    # One round of git processes at the end of every shift instead of four in a row. No
    # separate "is this a work tree" check: outside one (or with no directory) both commands
    # fail, and a failed command contributes nothing.
    tracked, untracked = await asyncio.gather(
        _tracked_changes(path, since_commit),
        run_git(path, "ls-files", "--others", "--exclude-standard", "-z"),
    )
    names = {n for res in (tracked, untracked) if res.code == 0 for n in res.out.split("\0") if n}
    return sorted(names)


def _diff_names(path: Path, base: str) -> Awaitable[GitOut]:
    return run_git(path, "diff", "--name-only", "--no-renames", "--relative", "-z", base, "--")


async def _tracked_changes(path: Path, since_commit: str | None) -> GitOut:
    if since_commit is not None:
        # `^{commit}` fails exactly when `rev-parse --verify` of it would, so the usual case
        # (the start commit still exists) needs no separate check.
        first = await _diff_names(path, f"{since_commit}^{{commit}}")
        if first.code == 0 or _hopeless(first):
            return first
        check = await run_git(path, "rev-parse", "--verify", "-q", f"{since_commit}^{{commit}}")
        if check.code == 0 or _hopeless(check):
            return first  # the commit exists (the diff itself failed), or git cannot tell
    # Rewritten history or no start commit: what is visibly uncommitted.
    head = await run_git(path, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if _hopeless(head):
        return head
    sha = head.out.strip()
    if head.code == 0 and sha:
        return await _diff_names(path, sha)
    return await run_git(path, "ls-files", "-z")


def _hopeless(res: GitOut) -> bool:
    """No other git command will do better here: not a repository, no git (or no directory),
    or git hanging (each further try would wait out its own timeout)."""
    return res.code in (124, 126, 127) or "not a git repository" in res.err
