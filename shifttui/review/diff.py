"""What a shift changed in git: a per-file stat and the bounded text of `git diff`.

The range runs from the commit the shift started on to either a later commit (where the next
shift started) or the working tree; untracked files count as new files, because an agent that
creates a file and never commits it still changed the project.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

from shifttui.system.git import git_problem, run_git

DIFF_MAX_CHARS = 200_000
UNTRACKED_MAX_FILES = 200
UNTRACKED_MAX_BYTES = 1_000_000
TRUNCATED_MARKER = "[diff truncated at {} characters: {} not shown]"


@dataclass(frozen=True)
class FileStat:
    path: str
    added: int | None  # None: binary
    deleted: int | None
    untracked: bool = False

    def describe(self) -> str:
        if self.added is None or self.deleted is None:
            change = "binary"
        else:
            change = f"+{self.added} -{self.deleted}"
        return f"{self.path} | {change}" + (" (untracked)" if self.untracked else "")


@dataclass(frozen=True)
class DiffStat:
    """The files a range changed, or why there is nothing to show (`problem`)."""

    files: list[FileStat] = field(default_factory=list)
    problem: str | None = None

    @property
    def added(self) -> int:
        return sum(f.added or 0 for f in self.files)

    @property
    def deleted(self) -> int:
        return sum(f.deleted or 0 for f in self.files)

    def summary(self) -> str:
        """`3 files, +40 -12`, or the problem."""
        if self.problem is not None:
            return self.problem
        if not self.files:
            return "no changes"
        n = len(self.files)
        return f"{n} file{'s' if n != 1 else ''}, +{self.added} -{self.deleted}"

    def lines(self) -> list[str]:
        return [f.describe() for f in self.files]


async def _base(path: Path, start_commit: str | None) -> str | None:
    """The commit to diff from: the shift's start commit if it still exists, else HEAD."""
    for candidate in (start_commit, "HEAD"):
        if candidate is None:
            continue
        res = await run_git(path, "rev-parse", "--verify", "-q", f"{candidate}^{{commit}}")
        if res.code == 0 and res.out.strip():
            return res.out.strip()
    return None


async def _range(path: Path, start: str | None, end: str | None
                 ) -> tuple[list[str], str | None, str | None]:
    """git diff arguments for the range, the end commit if any, or a problem."""
    problem = await git_problem(path)
    if problem is not None:
        return [], None, problem
    base = await _base(path, start)
    if base is None:
        return [], None, "no commits in the repository"
    end_commit = await _base(path, end) if end is not None else None
    if end is not None and end_commit is None:
        return [], None, f"commit {end[:12]} no longer exists"
    return ([base, end_commit] if end_commit else [base]), end_commit, None


async def diff_stat(path: Path, start: str | None, end: str | None = None) -> DiffStat:
    """Per-file added/deleted lines from `start` to `end` (None: the working tree)."""
    args, end_commit, problem = await _range(path, start, end)
    if problem is not None:
        return DiffStat(problem=problem)
    res = await run_git(path, "diff", "--numstat", "--relative", "-z", *args, "--")
    if res.code != 0:
        return DiffStat(problem=_first(res.err) or f"git diff failed (exit {res.code})")
    files = _parse_numstat(res.out)
    if end_commit is None:
        files += await _untracked_stats(path)
    return DiffStat(files=files)


def _parse_numstat(out: str) -> list[FileStat]:
    files = []
    parts = out.split("\0")
    i = 0
    while i < len(parts):
        head = parts[i]
        i += 1
        if not head:
            continue
        fields = head.split("\t")
        if len(fields) < 3:
            continue
        added, deleted, name = fields[0], fields[1], fields[2]
        if name == "" and i + 1 < len(parts):  # a rename: old and new name follow
            name = parts[i + 1]
            i += 2
        binary = added == "-"
        files.append(FileStat(name, None if binary else int(added),
                              None if binary else int(deleted)))
    return files


async def _untracked(path: Path) -> list[str]:
    res = await run_git(path, "ls-files", "--others", "--exclude-standard", "-z")
    return sorted(n for n in res.out.split("\0") if n) if res.code == 0 else []


async def _untracked_stats(path: Path) -> list[FileStat]:
    names = await _untracked(path)
    return await asyncio.to_thread(_count_lines, path, names[:UNTRACKED_MAX_FILES])


def _count_lines(root: Path, names: list[str]) -> list[FileStat]:
    out = []
    for name in names:
        try:
            with (root / name).open("rb") as fh:
                data = fh.read(UNTRACKED_MAX_BYTES)
        except OSError:
            continue
        if b"\0" in data[:8192]:
            out.append(FileStat(name, None, None, untracked=True))
        else:
            lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
            out.append(FileStat(name, lines, 0, untracked=True))
    return out


async def diff_text(
    path: Path, start: str | None, end: str | None = None, *, max_chars: int = DIFF_MAX_CHARS
) -> str:
    """The full `git diff` of the range (untracked files as new files), at most `max_chars`
    plus a closing marker that says how much was left out."""
    args, end_commit, problem = await _range(path, start, end)
    if problem is not None:
        return f"(no diff: {problem})"
    res = await run_git(path, "diff", "--relative", "--no-ext-diff", *args, "--",
                     limit=max_chars)
    if res.code != 0:
        return f"(no diff: {_first(res.err) or f'git diff failed (exit {res.code})'})"
    parts, size, cut, skipped = [res.out], len(res.out), res.cut, 0
    if end_commit is None:
        untracked = await _untracked(path)
        skipped = max(0, len(untracked) - UNTRACKED_MAX_FILES)
        for name in untracked[:UNTRACKED_MAX_FILES]:
            room = max_chars - size
            if room <= 0:
                skipped += 1
                continue
            # --no-index exits 1 when the files differ, which is the point here.
            new = await run_git(path, "diff", "--no-index", "--no-ext-diff", "--", os.devnull,
                             name, limit=room)
            parts.append(new.out)
            size += len(new.out)
            cut += new.cut
    text = "".join(parts)
    if not text.strip() and not skipped:
        return "(no changes)"
    if cut or skipped:
        what = [f"{cut} more characters"] if cut else []
        what += [f"{skipped} more new file{'s' if skipped != 1 else ''}"] if skipped else []
        text = text.rstrip("\n") + "\n\n" + TRUNCATED_MARKER.format(
            max_chars, " and ".join(what)) + "\n"
    return text


def _first(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""
