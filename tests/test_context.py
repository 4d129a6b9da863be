"""Shift context assembly, git facts and the prompts, against real git repositories in tmp dirs."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from git_support import git, git_identity, hanging_git  # noqa: F401  (autouse fixture)

from shifttui.base.clock import FakeClock
from shifttui.base.config import resource_dir
from shifttui.base.errors import InvalidInput
from shifttui.base.models import FailureKind, HandoffInput, Policy, Project, Trigger
from shifttui.shifts.context import (
    PER_FILE_CHARS,
    TRUNCATED,
    build_context,
    git_changed_files,
    git_head,
    protocol_text,
    render_prompt,
)
from shifttui.store import Store
from shifttui.system import git as git_mod
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(30)


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)


@pytest.fixture
def repo(project_dir: Path) -> Path:
    """A repository with one commit, an uncommitted change and an untracked file."""
    git(project_dir, "init", "-q", "-b", "main")
    (project_dir / "tracked.txt").write_text("one\n")
    (project_dir / "NOTES.md").write_text("# Notes\n\nremember the parser\n")
    commit_all(project_dir, "first commit")
    (project_dir / "tracked.txt").write_text("one\ntwo\n")
    (project_dir / "new.txt").write_text("fresh\n")
    return project_dir


async def _add(store: Store, path: Path, clock: FakeClock, **policy: object) -> Project:
    return await store.projects.add("Demo", str(path), Policy.model_validate(policy), clock.now())


async def _shift_with_handoff(
    store: Store, project: Project, clock: FakeClock, handoff: HandoffInput,
    files: list[str] | None = None,
) -> str:
    clock.advance(3600)
    shift = await store.shifts.claim(
        project.id, trigger=Trigger.SCHEDULED, now=clock.now(),
        deadline=clock.now() + timedelta(hours=2), owner_pid=os.getpid(),
        owner_token=process_token(),
    )
    clock.advance(1200)
    await store.shifts.complete(shift.id, handoff, now=clock.now(), files_changed=files)
    return shift.id


# build_context ---------------------------------------------------------------------------------


async def test_context_with_git_history_feedback_and_files(
    store: Store, repo: Path, clock: FakeClock
) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "a.md").write_text("alpha doc\n")
    (repo / "docs" / "b.md").write_text("beta doc\n")
    project = await _add(
        store, repo, clock, context_files=["NOTES.md", "docs/*.md", "nothing/*.txt"],
        instructions="Prefer small commits.", max_budget_usd=7.5, max_duration_minutes=45,
        model="claude-test-model",
    )
    for n in range(1, 5):  # four older handoffs: three shown in brief, the oldest not at all
        await _shift_with_handoff(
            store, project, clock, HandoffInput(summary=f"Older shift {n}\ndetail line {n}")
        )
    latest = await _shift_with_handoff(
        store, project, clock,
        HandoffInput(
            summary="Rewrote the parser\nand more", completed=["parser rewrite"],
            in_progress=["error messages"], blockers=["needs a decision on syntax"],
            next_steps=["write parser tests"], decisions=["kept the old API"],
            questions_for_operator=["drop Python 3.10?"],
        ),
        files=["src/parser.py"],
    )
    clock.advance(3600)
    failed = await store.shifts.claim(
        project.id, trigger=Trigger.MANUAL, now=clock.now(), deadline=clock.now(),
        owner_pid=os.getpid(), owner_token=process_token(),
    )
    await store.shifts.fail(failed.id, FailureKind.AGENT_ERROR, "boom here\nTraceback...",
                            clock.now() + timedelta(minutes=3))
    await store.feedback.add(latest, 2, "always run the tests", clock.now())
    clock.advance(60)

    ctx = await build_context(store, project, now=clock.now())

    for expected in (
        "Demo", str(repo), "max duration: 45m00s", "budget: $7.50 per shift",
        "claude-test-model", "`git push*`", "Prefer small commits.",
        # the latest handoff in full
        "Rewrote the parser\nand more", "parser rewrite", "error messages",
        "needs a decision on syntax", "write parser tests", "kept the old API",
        "drop Python 3.10?", "src/parser.py", "written by agent", latest,
        # earlier handoffs in brief
        "Older shift 4", "Older shift 3", "Older shift 2",
        # outcomes
        "failed", "agent_error", "boom here", "scheduled", "3m",
        # feedback
        "2/5", "always run the tests",
        # git
        "Branch: `main`", " M tracked.txt", "?? new.txt", "first commit",
        # files
        "### NOTES.md", "remember the parser", "### docs/a.md", "alpha doc", "### docs/b.md",
        "no file matches `nothing/*.txt`",
    ):
        assert expected in ctx, expected
    for absent in ("Older shift 1", "detail line", "Traceback", TRUNCATED):
        assert absent not in ctx, absent
    # the latest handoff comes before the brief ones and the git facts
    assert ctx.index("Rewrote the parser") < ctx.index("Older shift 4") < ctx.index("## Git")


async def test_first_shift_and_running_shift(
    store: Store, project_dir: Path, clock: FakeClock
) -> None:
    project = await _add(store, project_dir, clock)
    await store.shifts.claim(
        project.id, trigger=Trigger.MANUAL, now=clock.now(), deadline=clock.now(),
        owner_pid=os.getpid(), owner_token=process_token(),
    )
    ctx = await build_context(store, project, now=clock.now())
    assert "None yet" in ctx and "No earlier shifts" in ctx
    assert "· running" not in ctx


async def test_context_without_git(store: Store, project_dir: Path, clock: FakeClock) -> None:
    (project_dir / "TODO.md").write_text("- ship it\n")
    project = await _add(store, project_dir, clock, context_files=["TODO.md"])
    ctx = await build_context(store, project, now=clock.now())
    assert "Not a git repository." in ctx
    assert "- ship it" in ctx and "Demo" in ctx
    assert await git_head(project_dir) is None
    assert await git_changed_files(project_dir, None) == []


async def test_missing_project_path(store: Store, tmp_path: Path, clock: FakeClock) -> None:
    gone = tmp_path / "gone"
    project = await _add(store, gone, clock, context_files=["*.md"])
    ctx = await build_context(store, project, now=clock.now())
    assert f"The project directory {gone} does not exist" in ctx
    assert "Project directory missing." in ctx
    assert "Skipped: the project directory is missing." in ctx
    assert await git_head(gone) is None
    assert await git_changed_files(gone, "HEAD") == []


async def test_context_files_binary_big_and_outside(
    store: Store, project_dir: Path, tmp_path: Path, clock: FakeClock
) -> None:
    (project_dir / "blob.bin").write_bytes(b"\x89PNG\x00\x01\x02" * 100)
    (project_dir / "big.txt").write_text("big line\n" * (PER_FILE_CHARS // 4))
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    (project_dir / "link.txt").symlink_to(secret)
    project = await _add(
        store, project_dir, clock,
        context_files=["*.bin", "big.txt", "../secret.txt", str(secret), "link.txt"],
    )
    ctx = await build_context(store, project, now=clock.now(), max_chars=200_000)
    assert "### blob.bin\n\n(binary file skipped)" in ctx
    assert "PNG" not in ctx
    assert "TOP SECRET" not in ctx
    assert "`../secret.txt` skipped" in ctx and f"`{secret}` skipped" in ctx
    assert "### link.txt\n\n(skipped: it links outside the project)" in ctx
    big = ctx[ctx.index("### big.txt"):]
    assert f"{TRUNCATED} (the file is longer)" in big
    assert PER_FILE_CHARS <= len(big) < PER_FILE_CHARS + 200


@pytest.mark.parametrize("max_chars", [600, 3_000, 20_000])
async def test_cap_is_visible_and_bounded(
    store: Store, repo: Path, clock: FakeClock, max_chars: int
) -> None:
    for n in range(8):
        (repo / f"doc{n}.md").write_text(f"doc {n}\n" + "lorem ipsum dolor\n" * 600)
    project = await _add(store, repo, clock, context_files=["doc*.md"])
    await _shift_with_handoff(store, project, clock, HandoffInput(summary="Parser rewritten"))
    ctx = await build_context(store, project, now=clock.now(), max_chars=max_chars)
    assert len(ctx) <= max_chars
    assert TRUNCATED in ctx
    assert ctx.startswith("# Shift context: Demo")
    if max_chars >= 3_000:
        # the least important part (context files) is cut first
        assert "Parser rewritten" in ctx and "## Git" in ctx
        assert ctx.count("```") % 2 == 0  # a cut file does not leave a code block open
    uncapped = await build_context(store, project, now=clock.now(), max_chars=1_000_000)
    assert TRUNCATED not in uncapped and len(uncapped) > max_chars


async def test_git_that_hangs_is_cut_off(
    store: Store, project_dir: Path, tmp_path: Path, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hanging_git(tmp_path, monkeypatch)
    monkeypatch.setattr(git_mod, "GIT_TIMEOUT_S", 0.3)
    project = await _add(store, project_dir, clock)
    ctx = await asyncio.wait_for(build_context(store, project, now=clock.now()), 10)
    assert "took longer than" in ctx and "Demo" in ctx


async def test_git_not_installed(
    store: Store, project_dir: Path, tmp_path: Path, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    project = await _add(store, project_dir, clock)
    ctx = await build_context(store, project, now=clock.now())
    assert "Git is not installed." in ctx
    assert await git_head(project_dir) is None


# git facts -------------------------------------------------------------------------------------


async def test_git_changed_files_since_a_commit(project_dir: Path) -> None:
    def prepare() -> None:
        git(project_dir, "init", "-q", "-b", "main")
        for name in ("keep.txt", "mod.txt", "del.txt"):
            (project_dir / name).write_text(name)
        (project_dir / ".gitignore").write_text("*.log\n")
        commit_all(project_dir, "base")

    await asyncio.to_thread(prepare)
    base = await git_head(project_dir)
    assert base is not None and re.fullmatch(r"[0-9a-f]{40}", base)

    def work() -> None:
        (project_dir / "committed.txt").write_text("c")
        commit_all(project_dir, "agent commit")
        (project_dir / "mod.txt").write_text("changed")
        (project_dir / "added.txt").write_text("a")
        git(project_dir, "add", "added.txt")
        (project_dir / "untracked.txt").write_text("u")
        (project_dir / "sub").mkdir()
        (project_dir / "sub" / "deep new.txt").write_text("d")
        (project_dir / "noise.log").write_text("ignored")
        (project_dir / "del.txt").unlink()

    await asyncio.to_thread(work)
    changed = await git_changed_files(project_dir, base)
    assert changed == sorted(
        ["added.txt", "committed.txt", "del.txt", "mod.txt", "sub/deep new.txt", "untracked.txt"]
    )
    head = await git_head(project_dir)
    assert head is not None and head != base
    # Against the new HEAD only what is not committed yet.
    assert "committed.txt" not in await git_changed_files(project_dir, head)
    # An unknown commit (history rewritten) falls back to the uncommitted changes.
    assert await git_changed_files(project_dir, "0" * 40) == await git_changed_files(
        project_dir, head
    )


async def test_git_changed_files_in_a_subdirectory_and_an_empty_repo(project_dir: Path) -> None:
    sub = project_dir / "app"

    def prepare() -> None:
        git(project_dir, "init", "-q", "-b", "main")
        sub.mkdir()
        (sub / "a.txt").write_text("a")
        (project_dir / "outside.txt").write_text("o")

    await asyncio.to_thread(prepare)
    # No commit yet: everything is new.
    assert await git_head(project_dir) is None
    assert await git_changed_files(project_dir, None) == ["app/a.txt", "outside.txt"]

    def more() -> None:
        commit_all(project_dir, "base")
        (sub / "a.txt").write_text("changed")
        (project_dir / "outside.txt").write_text("changed")

    await asyncio.to_thread(more)
    base = await git_head(project_dir)
    # A project that is a subdirectory of a repository sees its own files, relative to itself.
    assert await git_changed_files(sub, base) == ["a.txt"]


# prompts ---------------------------------------------------------------------------------------


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", template.replace("$$", "")))


def test_render_prompt_fills_every_placeholder(clock: FakeClock) -> None:
    project = Project(
        id="demo", name="Demo Project", path="/srv/demo", created_at=clock.now(),
        policy=Policy(max_budget_usd=3.25, max_duration_minutes=50,
                      instructions="Focus on the importer."),
    )
    deadline = clock.now() + timedelta(minutes=50)
    template = (resource_dir("prompts") / "shift_agent.md").read_text()
    names = _placeholders(template)
    assert {"project_name", "context", "max_minutes", "budget_usd", "deadline"} <= names
    text = render_prompt(project, "CONTEXT-BODY costs $HOME", now=clock.now(), deadline=deadline)
    for name in names:
        assert f"${name}" not in text and f"${{{name}}}" not in text, name
    assert re.findall(r"\$[A-Za-z_{]", text) == ["$H"]  # only the context's own "$HOME"
    for expected in ("Demo Project", "/srv/demo", "CONTEXT-BODY costs $HOME", "$3.25", "50 min",
                     "2026-11-21 09:50 UTC", "Focus on the importer.",
                     "mcp__shift__complete_shift", "mcp__shift__shift_status",
                     "mcp__shift__ask_operator"):
        assert expected in text, expected


def test_render_prompt_refuses_an_unknown_prompt(clock: FakeClock) -> None:
    project = Project(id="demo", name="Demo", path="/srv/demo", created_at=clock.now(),
                      policy=Policy(prompt="no_such_prompt"))
    with pytest.raises(InvalidInput, match=r"no_such_prompt.*no_such_prompt\.md"):
        render_prompt(project, "ctx", now=clock.now(), deadline=clock.now())


def test_protocol_names_the_tools_and_tool_search() -> None:
    text = protocol_text()
    for tool in ("complete_shift", "shift_status", "ask_operator"):
        assert f"mcp__shift__{tool}" in text
    assert "ToolSearch" in text and "select:mcp__shift__complete_shift" in text
    assert "git push" in text
    for field in ("summary", "completed", "in_progress", "blockers", "next_steps", "decisions",
                  "questions_for_operator"):
        assert f"`{field}`" in text, field
    assert "$" not in text.replace("$$", "")
