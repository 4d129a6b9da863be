"""The one glob dialect for every glob the user writes (`on_change`, `context_files`).

It is wcmatch's glob with GLOBSTAR | BRACE | NODIR:
- a pattern is relative to the project root (a leading `./` is dropped); an absolute pattern or
  one with a `..` segment matches nothing;
- `*`, `?` and `[...]` stay within one path segment; `**` as a whole segment spans any number of
  directories, none included; `{a,b}` picks alternatives (at most 1,000 after expansion);
- a name starting with `.` matches only where the pattern spells the dot (`.github/*`), so `**`
  does not descend into `.venv/` or `.mypy_cache/` and `*` skips editors' `.x.swp` files;
- only files match, never directories, and nothing under a `.git/` directory ever does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

from wcmatch import glob

# The exception wcmatch raises when braces expand past `limit`; it is not re-exported.
from wcmatch._wcparse import PatternLimitException

FLAGS = glob.GLOBSTAR | glob.BRACE | glob.NODIR
BRACE_LIMIT = 1000
# A glob over a huge tree stops collecting here, so memory and time stay bounded.
MAX_MATCHES = 100_000


def _normal(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


def problem(pattern: str) -> str | None:
    """Why `pattern` can never match inside the project, or None when it is usable."""
    pattern = _normal(pattern)
    if not pattern:
        return "it is empty"
    parts = pattern.split("/")
    if pattern.startswith(("/", "~")) or Path(pattern).is_absolute() or ".." in parts:
        return "globs must stay inside the project"
    if ".git" in parts:
        return "nothing under .git/ is ever matched"
    try:
        glob.translate(pattern, flags=FLAGS, limit=BRACE_LIMIT)
    except PatternLimitException:
        return f"its braces expand to more than {BRACE_LIMIT} patterns"
    return None


def _usable(patterns: Iterable[str]) -> list[str]:
    return [_normal(p) for p in patterns if problem(p) is None]


def _in_git(rel: str) -> bool:
    return ".git" in rel.split("/")


def expand(root: Path, patterns: Iterable[str], *, limit: int = MAX_MATCHES) -> list[Path]:
    """The files under `root` matching any of `patterns`, sorted, at most `limit` of them.

    One walk of the directories the patterns can reach (wcmatch prunes by each segment), so it
    is linear in what it visits. Unusable patterns are left out; see `problem`."""
    usable = _usable(patterns)
    if not usable or limit <= 0:
        return []
    found = glob.iglob(usable, flags=FLAGS, root_dir=root, limit=BRACE_LIMIT)
    rels = itertools.islice((r for r in found if not _in_git(r)), limit)
    # Sorted by segments, as Paths sort: `a/b` before `a-b/c`.
    return [root / rel for rel in sorted(rels, key=lambda rel: rel.split("/"))]


def matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A test for a path relative to the root (posix separators) that agrees with `expand`.

    It only looks at the string, never at the file system."""
    usable = _usable(patterns)
    if not usable:
        return lambda rel: False
    compiled = glob.compile(usable, flags=FLAGS, limit=BRACE_LIMIT)

    def matches(rel: str) -> bool:
        return not _in_git(rel) and bool(compiled.match(rel))

    return matches
