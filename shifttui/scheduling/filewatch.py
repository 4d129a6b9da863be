"""File triggers: poll the mtimes of files matching a project's globs, debounce changes.

Polling once a second needs no new dependency and behaves the same on every platform; `.git/`
is never looked at, since git rewrites it all the time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

_MAGIC = re.compile(r"[*?\[]")
_IGNORED_DIRS = {".git"}


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob relative to the project: `*`, `?`, `[..]` stay within one path
    segment; `**/` matches any number of directories (also none), a final `**` everything."""
    pattern = pattern.strip().removeprefix("./")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape("["))
                i += 1
                continue
            body = pattern[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _walk_root(pattern: str) -> tuple[str, int | None]:
    """The literal directory a glob starts in, and how deep below it matches can be."""
    parts = pattern.strip().removeprefix("./").split("/")
    literal: list[str] = []
    for part in parts[:-1]:
        if _MAGIC.search(part):
            break
        literal.append(part)
    rest = parts[len(literal):]
    depth = None if any("**" in p for p in rest) else len(rest)
    return "/".join(literal), depth


def scan(root: Path, patterns: list[str]) -> dict[str, tuple[int, int]]:
    """{relative posix path: (mtime_ns, size)} of the files matching any pattern."""
    found: dict[str, tuple[int, int]] = {}
    for pattern in patterns:
        if not pattern.strip() or pattern.startswith("/") or ".." in pattern.split("/"):
            continue
        regex = glob_regex(pattern)
        base, depth = _walk_root(pattern)
        top = root / base if base else root
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            dirnames[:] = [d for d in dirnames if d not in _IGNORED_DIRS]
            if depth is not None:
                below = os.path.relpath(dirpath, top)
                level = 0 if below == "." else below.count(os.sep) + 1
                if level >= depth - 1:
                    dirnames[:] = []
            for name in filenames:
                rel = rel_dir + name
                if rel in found or not regex.match(rel):
                    continue
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                found[rel] = (st.st_mtime_ns, st.st_size)
    return found


@dataclass
class FileWatch:
    """One project's watched files; `poll` says when a debounced change is ready to fire."""

    root: Path
    patterns: list[str]
    debounce: timedelta
    _seen: dict[str, tuple[int, int]] | None = None
    _pending_since: datetime | None = None
    _last_change: datetime | None = None
    _changed: set[str] = field(default_factory=set)

    def poll(self, now: datetime, *, absorb: bool = False) -> list[str] | None:
        """Rescan; return the changed files once they have been quiet for the debounce time.

        `absorb` takes changes in without firing (the project's own shift is editing it)."""
        current = scan(self.root, self.patterns)
        if self._seen is None:
            self._seen = current
            return None
        changed = {p for p, sig in current.items() if self._seen.get(p) != sig}
        self._seen = current
        if absorb:
            self._changed.clear()
            self._pending_since = self._last_change = None
            return None
        if changed:
            self._changed |= changed
            self._last_change = now
            if self._pending_since is None:
                self._pending_since = now
        if self._last_change is not None and now - self._last_change >= self.debounce:
            files = sorted(self._changed)
            self._changed.clear()
            self._pending_since = self._last_change = None
            return files
        return None
