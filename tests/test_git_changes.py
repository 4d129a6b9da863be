"""git_changed_files: its fast path must answer what the careful one did, and stay bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from git_support import git, git_identity, hanging_git  # noqa: F401  (autouse fixture)
from timing import wall

from shifttui.system import git as git_mod
from shifttui.system.git import git_changed_files, git_head

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def repo(project_dir: Path) -> Path:
    git(project_dir, "init", "-q", "-b", "main")
    (project_dir / "a.txt").write_text("a")
    git(project_dir, "add", "-A")
    git(project_dir, "commit", "-qm", "base")
    (project_dir / "b.txt").write_text("b")
    git(project_dir, "add", "-A")
    git(project_dir, "commit", "-qm", "agent")
    (project_dir / "a.txt").write_text("changed")
    (project_dir / "new.txt").write_text("n")
    return project_dir


async def test_a_start_commit_that_names_a_tree_is_not_diffed_against(repo: Path) -> None:
    """Only a commit counts as the start (as `rev-parse --verify <sha>^{commit}` decided)."""
    head = await git_head(repo)
    base = git(repo, "rev-parse", "HEAD~1")
    tree = git(repo, "rev-parse", "HEAD~1^{tree}")
    assert await git_changed_files(repo, base) == ["a.txt", "b.txt", "new.txt"]
    assert await git_changed_files(repo, tree) == await git_changed_files(repo, head)
    assert await git_changed_files(repo, tree) == ["a.txt", "new.txt"]


async def test_outside_a_work_tree_nothing_changed(repo: Path, tmp_path: Path) -> None:
    base = git(repo, "rev-parse", "HEAD~1")
    assert await git_changed_files(repo / ".git", base) == []
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "x.txt").write_text("x")
    assert await git_changed_files(plain, base) == []
    assert await git_changed_files(plain, None) == []


@pytest.mark.wallclock
@pytest.mark.parametrize("since", ["0" * 40, None])
async def test_a_hanging_git_costs_one_timeout(
    project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, since: str | None
) -> None:
    hanging_git(tmp_path, monkeypatch)
    timeout = wall(0.5)
    monkeypatch.setattr(git_mod, "GIT_TIMEOUT_S", timeout)
    start = time.monotonic()
    assert await git_changed_files(project_dir, since) == []
    assert time.monotonic() - start < 2 * timeout  # not one timeout per fallback step
