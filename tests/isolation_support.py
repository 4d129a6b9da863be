"""Helpers for isolation tests: a user's dirty checkout, and a fingerprint of it that any
change (a file's bytes, the index, HEAD, a merge in progress) alters."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from agent_support import GIT_ENV


def git(cwd: Path, *args: str) -> str:
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin:/usr/local/bin", "GIT_OPTIONAL_LOCKS": "0",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env, timeout=20).stdout.strip()


def make_dirty(repo: Path) -> None:
    """A modified tracked file, an untracked file and a staged change, as a user leaves them."""
    (repo / "tracked.txt").write_text("one\n")
    (repo / "staged.txt").write_text("a\n")
    git(repo, "add", "tracked.txt", "staged.txt")
    git(repo, "commit", "-qm", "user files")
    (repo / "tracked.txt").write_text("one\nmy edit, not committed\n")
    (repo / "untracked.txt").write_text("mine alone\n")
    (repo / "staged.txt").write_text("a\nstaged\n")
    git(repo, "add", "staged.txt")


def fingerprint(repo: Path) -> dict[str, str]:
    """Every work-tree file's bytes, the index file, HEAD and the commit it names, and which
    merge/rebase state files exist."""
    out: dict[str, str] = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    dot = repo / ".git"
    out[".git/index"] = hashlib.sha256((dot / "index").read_bytes()).hexdigest()
    out[".git/HEAD"] = (dot / "HEAD").read_text()
    out["HEAD commit"] = git(repo, "rev-parse", "HEAD")
    for state in ("MERGE_HEAD", "MERGE_MSG", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply"):
        out[state] = str((dot / state).exists())
    return out
