"""The guard decides before a tool runs: denied commands, and writes outside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from shifttui.shifts.agent.guards import Guard, simple_commands


@pytest.fixture
def guard(tmp_path: Path) -> Guard:
    (tmp_path / "proj").mkdir()
    (tmp_path / "shared").mkdir()
    return Guard(str(tmp_path / "proj"), [str(tmp_path / "shared")],
                 ["git push*", "rm -rf /*", "npm publish"])


@pytest.mark.parametrize("command", [
    "git push",
    "git push origin main",
    "cd x && git push --force",
    "git -C /tmp/repo push",
    "git --no-pager push origin",
    "FOO=1 git push",
    "sudo git push",
    "echo hi; git push",
    "true || git push",
    "/usr/bin/git push origin",
    "(git push)",
    "npm publish",
    "npm publish --tag next",
])
def test_denied_commands(guard: Guard, command: str) -> None:
    denial = guard.check("Bash", {"command": command})
    assert denial is not None, command
    assert "denied by this project's policy" in denial.reason


@pytest.mark.parametrize("command", [
    "git status",
    "git log --oneline | head",
    "echo 'git push is not allowed here'",
    "npm publishing-notes",
    "pytest -q",
])
def test_allowed_commands(guard: Guard, command: str) -> None:
    assert guard.check("Bash", {"command": command}) is None


def test_writes_inside_project_and_add_dirs_are_allowed(guard: Guard, tmp_path: Path) -> None:
    assert guard.check("Write", {"file_path": str(tmp_path / "proj" / "a.py")}) is None
    assert guard.check("Edit", {"file_path": "relative/inside.py"}) is None
    assert guard.check("Write", {"file_path": str(tmp_path / "shared" / "x.md")}) is None


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside.txt", "/tmp/elsewhere/x"])
def test_writes_outside_are_denied(guard: Guard, target: str) -> None:
    for tool in ("Write", "Edit", "MultiEdit"):
        denial = guard.check(tool, {"file_path": target})
        assert denial is not None and "only write inside the project" in denial.reason


def test_symlink_out_of_the_project_is_outside(guard: Guard, tmp_path: Path) -> None:
    (tmp_path / "proj" / "escape").symlink_to(tmp_path)
    assert guard.check("Write", {"file_path": str(tmp_path / "proj" / "escape" / "x")})


def test_reads_are_never_blocked(guard: Guard) -> None:
    assert guard.check("Read", {"file_path": "/etc/passwd"}) is None


def test_simple_commands_splits_shell_lines() -> None:
    assert simple_commands("A=1 sudo git push && ls -la | wc -l") == [
        "git push", "ls -la", "wc -l"]
