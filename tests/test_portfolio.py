"""Portfolio export/import as TOML: the round trip, all-or-nothing validation, existing projects."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.errors import InvalidInput
from shifttui.base.models import CatchUp, PermissionMode, Policy, Project, Triggers
from shifttui.cli import main
from shifttui.review.portfolio import export_toml, import_portfolio, parse_portfolio
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)


def cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                          capture_output=True, text=True, env=env, input=stdin, timeout=30)


def rich_policy() -> Policy:
    return Policy(
        enabled=False, schedule="30 2 * * 1-5", catch_up=CatchUp.ONCE,
        max_duration_minutes=45.5, wrap_up_seconds=30, max_budget_usd=2.25, max_turns=40,
        pause_after_failures=0, model="claude-test", permission_mode=PermissionMode.PLAN,
        allowed_tools=["Read", "Bash(pytest:*)"],
        disallowed_tools=["WebFetch"],
        mcp_servers={"browser": {"command": "npx", "args": ["@playwright/mcp"],
                                 "env": {"A": "1"}}},
        add_dirs=["/tmp/shared"], deny_commands=["git push*", "rm -rf /*"],
        context_files=["CLAUDE.md", "work_orders/*.md"], prompt="shift_agent",
        instructions="Small commits.\nRun the tests.", test_command="pytest -q",
        test_timeout_seconds=300, env={"TOKEN": "s3cret"},
        triggers=Triggers(on_change=["src/**/*.py"], after=["alpha"], debounce_seconds=2.5),
    )


async def seed(home: Home, tmp_path: Path, now: datetime) -> list[Project]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with await Store.open(home.db_path) as store:
        await store.projects.add("alpha", str(tmp_path / "a"), Policy(), now)
        beta = await store.projects.add("Beta Project", str(tmp_path / "b"), rich_policy(), now)
        await store.projects.set_paused(beta.id, True, "too expensive", now)
        return await store.projects.list()


async def projects_of(home: Home) -> list[Project]:
    async with await Store.open(home.db_path) as store:
        return await store.projects.list()


def test_export_import_round_trip_into_a_fresh_home(home: Home, tmp_path: Path,
                                                     clock: FakeClock) -> None:
    original = asyncio.run(seed(home, tmp_path, clock.now()))
    out = tmp_path / "portfolio.toml"
    proc = cli(home.root, "export", "--out", str(out))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"exported 2 projects to {out}\n"
    data = tomllib.loads(out.read_text())
    assert data["version"] == 1
    # TOML has no null: None fields are left out, not written as "".
    alpha = data["projects"][0]
    assert "paused_reason" not in alpha and "schedule" not in alpha["policy"]
    assert "model" not in alpha["policy"] and "max_turns" not in alpha["policy"]
    assert cli(home.root, "export").stdout == out.read_text()

    fresh = Home(tmp_path / "fresh").ensure()
    proc = cli(fresh.root, "import", str(out))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"imported from {out}: added alpha, Beta Project\n"

    assert asyncio.run(projects_of(fresh)) == original
    # And again: the second import updates, and nothing changes.
    proc = cli(fresh.root, "import", str(out))
    assert proc.stdout == f"imported from {out}: updated alpha, Beta Project\n"
    assert asyncio.run(projects_of(fresh)) == original


def test_paths_under_home_are_portable(tmp_path: Path, clock: FakeClock,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    project = Project(id="x", name="x", path=str(tmp_path / "me" / "code" / "x"),
                      created_at=clock.now())
    text = export_toml([project])
    assert 'path = "~/code/x"' in text
    monkeypatch.setenv("HOME", str(tmp_path / "other"))
    [back] = parse_portfolio(text, "f.toml", clock.now())
    assert back.path == str(tmp_path / "other" / "code" / "x")


def test_import_with_one_bad_policy_changes_nothing(home: Home, tmp_path: Path,
                                                    clock: FakeClock) -> None:
    before = asyncio.run(seed(home, tmp_path, clock.now()))
    text = cli(home.root, "export").stdout
    # A valid new project first, a valid change to alpha, then one bad field in Beta's policy.
    text = text.replace("paused = false", "paused = true", 1)
    text = text.replace("max_budget_usd = 2.25", "max_budget_usd = -1")
    text = ('version = 1\n[[projects]]\nname = "gamma"\npath = "/srv/gamma"\n'
            + text.split("version = 1", 1)[1])
    bad = tmp_path / "bad.toml"
    bad.write_text(text)

    proc = cli(home.root, "import", str(bad))

    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"shifttui: {bad}: project 'Beta Project': policy.max_budget_usd: "
        "Input should be greater than 0"]
    assert asyncio.run(projects_of(home)) == before


@pytest.mark.parametrize(("body", "message"), [
    ("[[projects]]\nname = 'a'\npath = '/x'\n[projects.policy]\nschedule = 'every day'\n",
     "project 'a': policy.schedule: cron expression 'every day' must have 5 fields"),
    ("[[projects]]\nname = 'a'\npath = '/x'\n[projects.policy]\nbudget = 3\n",
     "project 'a': policy.budget: Extra inputs are not permitted"),
    ("[[projects]]\nname = 'a'\npath = 'relative/dir'\n",
     "project 'a': path: 'relative/dir' must be absolute"),
    ("[[projects]]\nname = 'a'\n", "project 'a': path: missing"),
    ("[[projects]]\npath = '/x'\n", "project 1: name: missing"),
    ("[[projects]]\nname = '!!'\npath = '/x'\n", "project 1: name: project name '!!' needs"),
    ("[[projects]]\nname = 'a'\npath = '/x'\npaused = 'yes'\n",
     "project 'a': paused: must be true or false"),
    ("[[projects]]\nname = 'a'\npath = '/x'\ncolour = 'red'\n",
     "project 'a': unknown field 'colour'"),
    ("[[projects]]\nname = 'a'\npath = '/x'\n[[projects]]\nname = 'A'\npath = '/y'\n",
     "project 'A' appears twice"),
    ("[[projects]]\nname = 'a'\npath = '/x'\n[projects.policy.triggers]\nafter = ['zzz']\n",
     "project 'a': policy.triggers.after: no project named 'zzz'"),
    ("[[projects]]\nname = 'a'\npath = '/x'\n[projects.policy.triggers]\nafter = ['a']\n",
     "cannot trigger itself"),
    ("version = 2\n", "portfolio version 2 is not supported"),
    ("projects = 3\n", "'projects' must be an array of tables"),
    ("project = []\n", "unknown top-level key 'project'"),
    ("[[projects]\n", "not valid TOML"),
])
async def test_import_errors_name_the_project_and_field(
    store: Store, clock: FakeClock, tmp_path: Path, body: str, message: str
) -> None:
    await store.projects.add("keep", str(tmp_path), Policy(), clock.now())
    with pytest.raises(InvalidInput) as info:
        await import_portfolio(store, body, "p.toml", clock.now())
    assert str(info.value).startswith("p.toml: ")
    assert message in str(info.value)
    assert [p.name for p in await store.projects.list()] == ["keep"]


async def test_import_updates_existing_projects_and_keeps_others(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    t0 = clock.now()
    kept = await store.projects.add("untouched", str(tmp_path), Policy(), t0)
    old = await store.projects.add("Alpha", str(tmp_path), Policy(max_budget_usd=1), t0)
    await store.projects.set_paused(old.id, True, "manual", t0)
    clock.advance(3600)
    text = ("[[projects]]\nname = 'alpha'\npath = '/srv/alpha'\n"
            "created_at = 2001-01-01T00:00:00Z\n"
            "[projects.policy]\nmax_budget_usd = 9.5\n"
            "[projects.policy.triggers]\nafter = ['UNTOUCHED']\n")

    result = await import_portfolio(store, text, "p.toml", clock.now())

    assert (result.added, result.updated) == ([], ["alpha"])
    alpha = await store.projects.get("alpha")
    assert (alpha.name, alpha.path, alpha.policy.max_budget_usd) == ("alpha", "/srv/alpha", 9.5)
    # An `after` name is stored as the project's own name, as `project set --after` does.
    assert alpha.policy.triggers.after == ["untouched"]
    assert alpha.created_at == t0  # an update keeps the project's own history
    assert not alpha.paused and alpha.paused_reason is None
    # Unpausing by import is a resume: failures before it no longer count.
    assert await store.projects.failures_reset_at(alpha.id) == clock.now()
    assert await store.projects.get("untouched") == kept


def test_import_cli_errors_are_one_line(home: Home, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    for path, fragment in [(tmp_path / "missing.toml", "no such file"),
                           (binary, "not a UTF-8 text file"),
                           (tmp_path, "cannot read")]:
        capsys.readouterr()
        code = main(["--home", str(home.root), "import", str(path)])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert len(err.splitlines()) == 1 and fragment in err, err
    proc = cli(home.root, "import", "-",
               stdin="[[projects]]\nname = 'far'\npath = '/nowhere/far'\n")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        "imported from -: added far",
        "note: far: /nowhere/far is not a directory here yet; shifts on it fail until it is"]
    assert "UPDATED" in cli(home.root, "import", "--help").stdout
