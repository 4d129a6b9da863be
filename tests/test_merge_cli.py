"""`shifttui diff`, `merge`, `discard`, `shifts --json`, `inbox`, `project show|remove` and
`run`'s exit code on isolated shifts, and auto_merge (fake CLI)."""

from __future__ import annotations

import asyncio
import functools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from agent_support import Harness, git_repo
from isolation_support import fingerprint, git, make_dirty

from shifttui.base.bus import Notice
from shifttui.base.config import Home, Settings
from shifttui.base.models import MergeState, Policy
from shifttui.cli import main
from shifttui.review.merge import auto_merge
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)


def cli(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["--home", str(home), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _night(tmp_path: Path, fake_cli: Path, files: list[tuple[str, str]],
           **policy: object) -> tuple[Path, Path, list[str]]:
    """Shifts on one project, one per (file, text), the way a night of them runs."""
    home = Home(tmp_path / "home").ensure()
    repo = git_repo(tmp_path / "repo")

    async def go() -> list[str]:
        store = await Store.open(home.db_path, now=datetime.now(UTC))
        supervisor = Supervisor(store, home, Settings(), cli_path=str(fake_cli), tick_s=0.1)
        ids = []
        try:
            await store.projects.add("demo", str(repo), Policy(
                env={"SHIFTTUI_FAKE_SCENARIO": "edit"}, **policy),  # type: ignore[arg-type]
                datetime.now(UTC))
            for name, text in files:
                project = await store.projects.get("demo")
                env = {**project.policy.env, "SHIFTTUI_FAKE_FILE": name,
                       "SHIFTTUI_FAKE_TEXT": text}
                await store.projects.update_policy(
                    project.id, project.policy.model_copy(update={"env": env}),
                    datetime.now(UTC))
                shift = await supervisor.start_shift("demo")
                ids.append((await asyncio.wait_for(supervisor.wait(shift.id), 30)).id)
        finally:
            await supervisor.shutdown()
            await store.close()
        return ids

    return home.root, repo, asyncio.run(go())


def test_a_night_and_a_morning_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_cli: Path
) -> None:
    home, repo, ids = _night(tmp_path, fake_cli, [("a.txt", "a\n"), ("b.txt", "b\n"),
                                                  ("c.txt", "c\n")])
    code, out, _ = cli(capsys, home, "shifts", "demo", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    first = rows[ids[0]]
    assert first["merge_state"] == "unmerged" and first["branch"] == "shifttui/demo"
    assert first["workdir"] == str(home / "work" / "demo")
    assert first["base_commit"] and first["head_commit"]
    assert first["checks"] == {"passed": None, "test": None, "lint": None, "judge": None}
    code, out, _ = cli(capsys, home, "diff", ids[1])
    assert code == 0 and "+++ b/b.txt" in out and "a.txt" not in out and "\x1b[" not in out
    code, out, _ = cli(capsys, home, "diff", ids[1], "--color", "always")
    assert "\x1b[32m+b\x1b[0m" in out
    code, out, _ = cli(capsys, home, "inbox")
    assert "MERGE" in out and out.count("unmerged") == 3
    code, out, _ = cli(capsys, home, "project", "show", "demo")
    assert f"shifttui/demo in {home / 'work' / 'demo'} (3 shifts to merge)" in out
    code, out, _ = cli(capsys, home, "discard", ids[1])
    assert code == 0 and "1 later shift replayed" in out
    make_dirty(repo)
    code, out, _ = cli(capsys, home, "merge", "demo")
    assert code == 0 and "merged 2 shifts of demo into main" in out, out
    assert (repo / "a.txt").exists() and (repo / "c.txt").exists()
    assert not (repo / "b.txt").exists()
    code, out, _ = cli(capsys, home, "shifts", ids[1], "--json")
    assert json.loads(out)[0]["merge_state"] == "discarded"
    code, _, err = cli(capsys, home, "discard", ids[0])
    assert code == 2 and "is merged: there is nothing of it to discard" in err
    code, out, _ = cli(capsys, home, "project", "remove", "demo", "--yes")
    assert code == 0 and "and its work branch" in out
    assert not (home / "work" / "demo").exists()


def test_a_refused_merge_is_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_cli: Path
) -> None:
    home, repo, _ = _night(tmp_path, fake_cli, [("README.md", "the agent's\n")])
    (repo / "README.md").write_text("the user's, uncommitted\n")
    before = fingerprint(repo)
    code, _, err = cli(capsys, home, "merge", "demo")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "would change README.md, which hold your uncommitted changes" in err
    assert fingerprint(repo) == before


def test_run_exits_1_when_the_checks_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_cli: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    repo = git_repo(tmp_path / "repo")
    monkeypatch.setenv("SHIFTTUI_CLAUDE_CLI", str(fake_cli))
    code, _, err = cli(capsys, home, "project", "add", "demo", str(repo), "--test-command",
                       "exit 4", "--env", "SHIFTTUI_FAKE_SCENARIO=edit")
    assert code == 0, err
    code, out, err = cli(capsys, home, "run", "demo")
    assert code == 1, (out, err)
    assert "completed (checks_failed)" in out
    assert "checks failed" in err  # the notice, red
    code, out, _ = cli(capsys, home, "shifts", "demo")
    assert "completed:checks_failed" in out and "tests FAILED" in out


async def test_auto_merge_merges_a_shift_whose_checks_pass(harness: Harness) -> None:
    harness.supervisor.after_end = functools.partial(auto_merge, harness.store,
                                                     harness.home.root)
    make_dirty(harness.project_path)
    final, _, _ = await harness.run("edit", test_command="test -f work.txt",
                                    auto_merge="when_checks_pass")
    assert final.merge_state is MergeState.MERGED
    assert (harness.project_path / "work.txt").read_text() == "work\n"
    assert (harness.project_path / "untracked.txt").exists()
    notice = next(e for e in harness.seen if isinstance(e, Notice) and e.kind == "shift_ended")
    assert "merged into main" in notice.message
    # Failing checks: it stays on the work branch, for the operator.
    project = await harness.store.projects.get("proj")
    await harness.store.projects.update_policy(project.id, project.policy.model_copy(
        update={"test_command": "false",
                "env": {**project.policy.env, "SHIFTTUI_FAKE_FILE": "two.txt"}}),
        harness.supervisor.clock.now())
    shift = await harness.supervisor.start_shift("proj")
    second = await asyncio.wait_for(harness.supervisor.wait(shift.id), 30)
    assert second.merge_state is MergeState.UNMERGED and second.checks_failed
    assert git(harness.project_path, "log", "-1", "--format=%H") == final.head_commit


def test_context_shows_the_work_branch_as_the_next_shift_would(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_cli: Path
) -> None:
    home, _, _ = _night(tmp_path, fake_cli, [("a.txt", "a\n")])
    code, out, _ = cli(capsys, home, "context", "demo")
    assert code == 0 and f"Path: `{home / 'work' / 'demo'}`" in out
    assert "Branch: `shifttui/demo`" in out and "Shifts work on the branch" in out
