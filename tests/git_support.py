"""Tests that make real commits: an isolated git identity and a `git` helper."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commits need an author; the user's own git config must not leak in. A test module that
    imports this fixture gets it for every test."""
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Shift Tester")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "tester@example.invalid")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # tmp dirs live under a directory that may itself be inside some repository
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=20).stdout.strip()


def hanging_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put a `git` first on PATH that sleeps for 30 s: shifttui must cut it off."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
