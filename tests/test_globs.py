"""The one glob dialect: what `expand` finds, that `matcher` agrees, and that it is linear."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.models import Policy
from shifttui.shifts.context import MAX_CONTEXT_FILES, build_context
from shifttui.store import Store
from shifttui.system import globs
from tests.timing import wall

TREE = ["a.md", "b.txt", ".hidden.md", "sub/b.md", "sub/c.txt", "deep/er/e.md", "deep/f.md",
        ".git/c.md", "sub/.git/d.md", ".github/ci.md", ".venv/lib/x.md", "a-b/z.md"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in TREE:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    return tmp_path


def rels(root: Path, patterns: list[str]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in globs.expand(root, patterns)]


@pytest.mark.parametrize(("patterns", "expected"), [
    (["*.md"], ["a.md"]),  # `*` skips dot-files and stays in its directory
    # sorted as paths are: by segment, so `a-b/` before `a.md`, `deep/er/` before `deep/f.md`
    (["**/*.md"], ["a-b/z.md", "a.md", "deep/er/e.md", "deep/f.md", "sub/b.md"]),
    (["*/*.md"], ["a-b/z.md", "deep/f.md", "sub/b.md"]),
    (["deep/**"], ["deep/er/e.md", "deep/f.md"]),  # files only, never the directory
    (["{a,b}.*", "./sub/*.txt"], ["a.md", "b.txt", "sub/c.txt"]),
    ([".github/*", ".*.md"], [".github/ci.md", ".hidden.md"]),  # a spelled dot matches
    ([".git/*", "**/.git/*", ".gi[t]/*", "../*.md", "/etc/*", "~/x", ""], []),
    (["sub", "sub/"], []),
    (["*.md", "a.md", "**/a.md"], ["a.md"]),  # one entry per file, whatever matched it
])
def test_expand(tree: Path, patterns: list[str], expected: list[str]) -> None:
    assert rels(tree, patterns) == expected


def test_matcher_agrees_with_expand(tree: Path) -> None:
    files = [p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()]
    for pattern in ["*.md", "**/*.md", "*/*.md", "deep/**", "{a,b}.*", ".github/*", ".gi[t]/*",
                    "**", "sub/*"]:
        match = globs.matcher([pattern])
        assert sorted(f for f in files if match(f)) == sorted(rels(tree, [pattern])), pattern


def test_problems_are_one_sentence_and_bounded(tree: Path) -> None:
    assert globs.problem("docs/*.md") is None
    assert globs.problem("../x") == globs.problem("/etc/x") == "globs must stay inside the project"
    assert globs.problem(".git/**") == "nothing under .git/ is ever matched"
    explosive = "{a,b}" * 11  # 2,048 patterns
    assert "more than 1000" in (globs.problem(explosive) or "")
    assert globs.expand(tree, [explosive]) == [] and not globs.matcher([explosive])("a" * 11)
    assert len(globs.expand(tree, ["**/*.md"], limit=2)) == 2


def _many(root: Path, count: int) -> None:
    """`count` files in directories of 100; hard links of one file, the fastest to make."""
    one = root.parent / "one.txt"
    one.write_text("x\n")
    for d in range(count // 100):
        sub = root / "src" / f"d{d:03d}"
        sub.mkdir(parents=True)
        for f in range(100):
            os.link(one, sub / f"f{f:03d}.txt")


@pytest.mark.wallclock
@pytest.mark.timeout(120)
async def test_context_of_a_glob_matching_20000_files_is_linear(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    root = tmp_path / "big"
    _many(root, 20_000)
    (root / "README.md").write_text("read me\n")
    project = await store.projects.add(
        "big", str(root), Policy(context_files=["README.md", "src/**/*.txt", "*.md"]),
        clock.now())
    started = time.perf_counter()
    ctx = await build_context(store, project, now=clock.now(), max_chars=1_000_000)
    took = time.perf_counter() - started
    # the first pattern's file first, each file once, the rest counted (before: 46-55 s)
    assert ctx.index("### README.md") < ctx.index("### src/d000/f000.txt")
    assert ctx.count("### ") == MAX_CONTEXT_FILES
    assert f"({20_001 - MAX_CONTEXT_FILES} more matching files left out)" in ctx
    assert took < wall(2.0), f"{took:.2f} s"
