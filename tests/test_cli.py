"""The `shifttui` command line, run the way a user runs it: as a subprocess over a real home.

Shifts, handoffs and events are written with the Store API first (the agent runner is not
part of these tests); the CLI then has to read them back correctly.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import (
    EventKind,
    FailureKind,
    HandoffInput,
    Policy,
    Shift,
    ShiftEvent,
    Trigger,
)
from shifttui.cli import fmt, main
from shifttui.store import SCHEMA_VERSION, Store
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(60)

MIN = timedelta(minutes=1)


def run(home: Path | None, *args: str, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME",
                                                                 "SHIFTTUI_DEBUG")}
    full_env.update(env or {})
    prefix = ["--home", str(home)] if home is not None else []
    return subprocess.run(
        [sys.executable, "-m", "shifttui", *prefix, *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, timeout=30,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    return proc.stdout


def as_json(proc: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(proc))


def user_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, exactly one line on stderr starting `shifttui: `, nothing on stdout."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("shifttui: "), lines[0]
    assert proc.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def run_in(capsys: pytest.CaptureFixture[str], home: Path, *args: str
           ) -> subprocess.CompletedProcess[str]:
    """The same command in this process (fast): for the many error paths."""
    capsys.readouterr()
    try:
        code = main(["--home", str(home), *args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["shifttui", *args], code, out, err)


@pytest.fixture
def cli_home(home: Home) -> Path:
    return home.root


def make_dir(tmp_path: Path, name: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    return d


# projects ------------------------------------------------------------------------------------


def test_project_add_list_show(cli_home: Path, tmp_path: Path) -> None:
    web = make_dir(tmp_path, "web")
    extra = make_dir(tmp_path, "extra")
    # A relative PATH is stored resolved against the caller's directory.
    out = ok(run(
        cli_home, "project", "add", "Web App", "web", "--cron", "0  9 * * 1-5",
        "--max-minutes", "45", "--wrap-up-seconds", "30", "--budget", "1.25",
        "--pause-after", "2", "--model", "claude-sonnet-4-5", "--permission-mode", "plan",
        "--deny-command", "rm -rf*", "--allow-tool", "Read", "--allow-tool", "Edit",
        "--disallow-tool", "WebFetch", "--add-dir", str(extra),
        "--mcp-servers", '{"web": {"command": "npx", "args": ["srv"]}}',
        "--context-file", "TODO.md", "--test-command", "pytest -q", "--catch-up", "once",
        "--instructions", "Keep it small.", "--prompt", "custom", "--max-turns", "40",
        "--on-change", "src/**", "--env", "API_TOKEN=s3cret=x", cwd=tmp_path,
    ))
    assert "added project Web App (id web-app)" in out and str(web) in out
    ok(run(cli_home, "project", "add", "api", str(make_dir(tmp_path, "api")), "--disable",
           "--after", "web app"))

    listed = as_json(run(cli_home, "project", "list", "--json"))
    assert [p["name"] for p in listed] == ["api", "Web App"]
    api, webp = listed
    assert webp["id"] == "web-app" and webp["path"] == str(web.resolve())
    assert webp["paused"] is False and webp["paused_reason"] is None
    pol = webp["policy"]
    assert pol["schedule"] == "0 9 * * 1-5"
    assert (pol["max_duration_minutes"], pol["wrap_up_seconds"]) == (45, 30)
    assert (pol["max_budget_usd"], pol["pause_after_failures"]) == (1.25, 2)
    assert pol["model"] == "claude-sonnet-4-5" and pol["permission_mode"] == "plan"
    # The default deny pattern stays when adding one.
    assert pol["deny_commands"] == ["git push*", "rm -rf*"]
    assert pol["allowed_tools"] == ["Read", "Edit"] and pol["disallowed_tools"] == ["WebFetch"]
    assert pol["add_dirs"] == [str(extra.resolve())]
    assert pol["mcp_servers"] == {"web": {"command": "npx", "args": ["srv"]}}
    assert pol["context_files"] == ["TODO.md"] and pol["test_command"] == "pytest -q"
    assert (pol["catch_up"], pol["instructions"], pol["prompt"]) == (
        "once", "Keep it small.", "custom")
    assert pol["max_turns"] == 40 and pol["enabled"] is True
    assert pol["triggers"]["on_change"] == ["src/**"]
    assert pol["env"] == {"API_TOKEN": "s3cret=x"}
    # `--after` is stored by the other project's canonical name.
    assert api["policy"]["triggers"]["after"] == ["Web App"]
    assert api["policy"]["enabled"] is False and api["policy"]["schedule"] is None
    assert api["last_shift"] is None and api["running_shift_id"] is None

    table = ok(run(cli_home, "project", "list")).splitlines()
    assert table[0].split() == ["NAME", "STATE", "SCHEDULE", "LIMITS", "LAST", "SHIFT", "PATH"]
    web_row = next(line for line in table if line.startswith("Web App"))
    assert "active" in web_row and "45m00s $1.25" in web_row and "never" in web_row
    assert "0 9 * * 1-5 (next " in web_row
    api_row = next(line for line in table if line.startswith("api"))
    assert "disabled" in api_row and "2h00m $5.00" in api_row
    # Aligned: every row's PATH column starts where the header's does.
    col = table[0].index("PATH")
    assert web_row[col:] == str(web.resolve()) and api_row[col:].startswith(str(tmp_path))

    show = ok(run(cli_home, "project", "show", "web-app"))
    assert show.startswith("Web App  (id web-app)")
    for expected in ("schedule          0 9 * * 1-5  (next ", "budget            $1.25",
                     "max duration      45m00s", "wrap-up           30s",
                     "max turns         40", "test command      pytest -q",
                     "deny commands     git push*, rm -rf*", "mcp servers       web",
                     "recent shifts\n  none yet", "permission mode   plan",
                     "environment       API_TOKEN"):
        assert expected in show, expected
    assert "s3cret" not in show
    shown = as_json(run(cli_home, "project", "show", "Web App", "--json"))
    assert shown["policy"] == pol and shown["shifts"] == [] and shown["latest_handoff"] is None
    assert len(shown["next_runs"]) == 3 and shown["consecutive_failures"] == 0


def test_project_set_pause_resume_remove(cli_home: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    first = make_dir(tmp_path, "first")
    moved = make_dir(tmp_path, "moved")
    ok(run_in(capsys, cli_home, "project", "add", "demo", str(first), "--cron", "*/5 * * * *",
           "--allow-tool", "Read", "--max-turns", "10"))

    out = ok(run(cli_home, "project", "set", "demo", "--max-minutes", "30", "--no-cron",
                 "--allow-tool", "Bash", "--allow-tool", "Grep", "--clear-deny-commands",
                 "--max-turns", "none", "--disable", "--path", str(moved), "--env", "A=1"))
    assert out.startswith("updated demo: ")
    for change in ("schedule */5 * * * * → -", "max_duration_minutes 120 → 30",
                   "allowed_tools Read → Bash, Grep", "deny_commands git push* → -",
                   "max_turns 10 → -", "enabled True → False", f"path {first} → {moved}",
                   "env - → A"):
        assert change in out, change
    shown = as_json(run_in(capsys, cli_home, "project", "show", "demo", "--json"))
    pol = shown["policy"]
    assert pol["schedule"] is None and pol["max_duration_minutes"] == 30
    assert pol["allowed_tools"] == ["Bash", "Grep"] and pol["deny_commands"] == []
    assert pol["max_turns"] is None and pol["enabled"] is False
    assert shown["path"] == str(moved) and pol["env"] == {"A": "1"}
    servers = tmp_path / "mcp.json"
    servers.write_text('{"browser": {"url": "http://127.0.0.1:9/mcp"}}', encoding="utf-8")
    ok(run_in(capsys, cli_home, "project", "set", "demo", "--clear-env", "--env", "B=2",
              "--mcp-servers", f"@{servers}"))
    shown = as_json(run_in(capsys, cli_home, "project", "show", "demo", "--json"))
    assert shown["policy"]["env"] == {"B": "2"}
    assert shown["policy"]["mcp_servers"] == {"browser": {"url": "http://127.0.0.1:9/mcp"}}
    user_error(run_in(capsys, cli_home, "project", "set", "demo", "--mcp-servers",
                      f"@{tmp_path / 'none.json'}"), "cannot read")

    # Setting a value it already has is not an error, and changes nothing.
    assert "nothing changed" in ok(run_in(capsys, cli_home, "project", "set", "demo",
                                          "--disable"))
    assert ok(run(cli_home, "project", "pause", "demo", "--reason", "too costly")) == (
        "paused demo: too costly\n")
    listed = as_json(run(cli_home, "project", "list", "--json"))
    assert (listed[0]["paused"], listed[0]["paused_reason"]) == (True, "too costly")
    assert "paused" in ok(run_in(capsys, cli_home, "project", "list")).splitlines()[1]
    assert ok(run(cli_home, "project", "resume", "demo")) == "resumed demo\n"
    shown = as_json(run_in(capsys, cli_home, "project", "show", "demo", "--json"))
    assert (shown["paused"], shown["paused_reason"]) == (False, None)

    assert "removed project demo" in ok(run(cli_home, "project", "remove", "demo", "--yes"))
    assert as_json(run_in(capsys, cli_home, "project", "list", "--json")) == []
    assert moved.is_dir()  # the directory itself is never touched


def test_user_errors_in_a_subprocess(cli_home: Path, tmp_path: Path) -> None:
    # One of each origin: argparse, pydantic validation, the store; the rest run in-process.
    user_error(run(cli_home, "project", "add", "x", str(tmp_path), "--max-minutes", "soon"),
               "--max-minutes", "invalid float value")
    user_error(run(cli_home, "project", "add", "x", str(tmp_path), "--budget", "0"),
               "max_budget_usd", "--budget")
    user_error(run(cli_home, "project", "show", "ghost"), "no project named 'ghost'")


def test_project_user_errors(cli_home: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    proj = make_dir(tmp_path, "p")
    (tmp_path / "file.txt").write_text("x")
    ok(run_in(capsys, cli_home, "project", "add", "p", str(proj)))
    cases: list[tuple[list[str], tuple[str, ...]]] = [
        (["project", "add", "p", str(proj)], ("already exists",)),
        (["project", "add", "q", str(tmp_path / "missing")], ("no such directory",)),
        (["project", "add", "q", str(tmp_path / "file.txt")], ("not a directory",)),
        (["project", "add", "q", str(proj), "--budget", "-1"], ("max_budget_usd", "--budget")),
        (["project", "add", "q", str(proj), "--cron", "every day"], ("schedule", "--cron")),
        (["project", "add", "q", str(proj), "--mcp-servers", "{bad"], ("--mcp-servers",
                                                                         "not valid JSON")),
        (["project", "add", "q", str(proj), "--mcp-servers", '{"shift": {"command": "x"}}'],
         ("reserved",)),
        (["project", "add", "q", str(proj), "--max-minutes", "soon"], ("--max-minutes",)),
        (["project", "add", "q", str(proj), "--permission-mode", "yolo"], ("permission_mode",)),
        (["project", "add", "q", str(proj), "--after", "nobody"], ("nobody",)),
        (["project", "add", "q", str(proj), "--after", "q"], ("cannot trigger itself",)),
        (["project", "add", "q", str(proj), "--env", "NOEQUALS"], ("--env", "KEY=VALUE")),
        (["project", "add", "q", str(proj), "--env", "1X=y"], ("env", "--env")),
        (["project", "add", "q", str(proj), "--add-dir", str(tmp_path / "nope")],
         ("--add-dir", "no such directory")),
        (["project", "add", "!!", str(proj)], ("needs at least one letter",)),
        (["project", "add", "q"], ("required",)),
        (["project", "show", "ghost"], ("no project named 'ghost'",)),
        (["project", "set", "p"], ("nothing to change",)),
        (["project", "set", "p", "--cron", "0 9 * * *", "--no-cron"], ("contradict",)),
        (["project", "set", "p", "--path", str(tmp_path / "gone")], ("no such directory",)),
        (["project", "pause", "ghost"], ("ghost",)),
        (["project"], ("required",)),
        (["no-such-command"], ("invalid choice",)),
    ]
    for argv, fragments in cases:
        user_error(run_in(capsys, cli_home, *argv), *fragments)
    # Nothing of the refused commands reached the database.
    listed = as_json(run_in(capsys, cli_home, "project", "list", "--json"))
    assert [p["name"] for p in listed] == ["p"]


# shifts, handoffs, events --------------------------------------------------------------------


async def _claim(store: Store, project_id: str, now: datetime,
                 trigger: Trigger = Trigger.MANUAL) -> Shift:
    # Owned by this test process, so the CLI's crash recovery leaves the shift running.
    return await store.shifts.claim(project_id, trigger=trigger, now=now,
                                    deadline=now + 120 * MIN, owner_pid=os.getpid(),
                                    owner_token=process_token())


async def _seed(home: Path, project_dir: Path, now: datetime) -> dict[str, Shift]:
    """Three shifts on `demo`: completed with a handoff, failed, and one still running."""
    async with await Store.open(home / "shifttui.db", now=now) as store:
        project = await store.projects.add("demo", str(project_dir), Policy(), now)
        other = await store.projects.add("other", str(project_dir), Policy(), now)

        done = await _claim(store, project.id, now, Trigger.SCHEDULED)
        await store.shifts.update_progress(done.id, cost_usd=0.4234, tokens_in=1200,
                                           tokens_out=340, num_turns=7)
        await store.shifts.complete(done.id, HandoffInput(
            summary="Fixed the flaky login test.\nIt was a race.",
            completed=["login test stable"], next_steps=["add retries to the API client"],
            questions_for_operator=["may I bump pytest?"],
        ), now=now + 62 * MIN, files_changed=["tests/test_login.py"])

        failed = await _claim(store, project.id, now + 70 * MIN)
        await store.shifts.fail(failed.id, FailureKind.BUDGET_EXHAUSTED, "spent $5.01",
                                now + 75 * MIN)

        running = await _claim(store, other.id, now + 80 * MIN)
        await store.events.append([
            ShiftEvent(shift_id=running.id, seq=i, ts=now + 80 * MIN + i * MIN, kind=kind,
                       summary=summary, payload={"n": i})
            for i, (kind, summary) in enumerate([
                (EventKind.SYSTEM, "session started"),
                (EventKind.TEXT, "Reading the handoff\nthen the TODO"),
                (EventKind.TOOL_USE, "Bash: pytest -q"),
                (EventKind.VIOLATION, "blocked: git push origin main"),
            ], start=1)
        ])
        return {"done": await store.shifts.get(done.id),
                "failed": await store.shifts.get(failed.id),
                "running": await store.shifts.get(running.id)}


def test_shifts_handoff_logs_context(cli_home: Path, project_dir: Path, clock: FakeClock,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    seeded = asyncio.run(_seed(cli_home, project_dir, clock.now()))
    done, failed, running = seeded["done"], seeded["failed"], seeded["running"]

    listed = as_json(run(cli_home, "shifts", "--json"))
    assert [s["id"] for s in listed] == [running.id, failed.id, done.id]
    by_id = {s["id"]: s for s in listed}
    d = by_id[done.id]
    assert (d["project"], d["status"], d["trigger"]) == ("demo", "completed", "scheduled")
    assert (d["cost_usd"], d["num_turns"], d["tokens_in"], d["tokens_out"]) == (
        0.4234, 7, 1200, 340)
    assert d["failure_kind"] is None and d["forced"] is False and d["error"] is None
    assert d["started_at"].startswith("2026-11-21T09:00") and d["ended_at"] is not None
    f = by_id[failed.id]
    assert (f["status"], f["failure_kind"], f["error"]) == ("failed", "budget_exhausted",
                                                            "spent $5.01")
    # The running shift survives the CLI's recovery: its owner (this test) is alive.
    assert by_id[running.id]["status"] == "running" and by_id[running.id]["project"] == "other"

    filtered = as_json(run(cli_home, "shifts", "demo", "--status", "failed", "--json"))
    assert [s["id"] for s in filtered] == [failed.id]
    assert len(as_json(run_in(capsys, cli_home, "shifts", "--limit", "1", "--json"))) == 1

    table = ok(run(cli_home, "shifts", "demo")).splitlines()
    assert table[0].split()[:4] == ["ID", "PROJECT", "STATUS", "TRIGGER"]
    done_row = next(line for line in table if line.startswith(done.id))
    assert "completed" in done_row and "1h02m" in done_row and "$0.42" in done_row
    assert fmt.local_time(done.started_at) in done_row
    failed_row = next(line for line in table if line.startswith(failed.id))
    assert "failed:budget_exhausted" in failed_row and "5m00s" in failed_row
    assert "spent $5.01" in failed_row
    assert not any(line.startswith(running.id) for line in table)

    md = ok(run(cli_home, "handoff", "demo"))
    assert md.startswith(f"# Handoff: demo, shift {done.id}")
    assert "Fixed the flaky login test.\nIt was a race." in md
    assert "## Next steps\n\n- add retries to the API client" in md
    assert "## Questions for the operator\n\n- may I bump pytest?" in md
    assert "## Files changed\n\n- `tests/test_login.py`" in md
    assert "## Blockers" not in md  # empty sections are left out
    assert "1h02m" in md and "$0.42" in md

    data = as_json(run(cli_home, "handoff", done.id[:-2], "--json"))
    assert data["shift_id"] == done.id and data["author"] == "agent"
    assert data["summary"].startswith("Fixed the flaky") and data["project"] == "demo"
    assert data["files_changed"] == ["tests/test_login.py"]
    assert data["completed"] == ["login test stable"] and data["created_at"].startswith(
        "2026-11-21T10:02")

    logs = ok(run(cli_home, "logs", running.id)).splitlines()
    assert len(logs) == 4
    assert logs[0].split() == [fmt.clock_time(running.started_at + MIN), "system", "session",
                               "started"]
    assert logs[1].endswith("text         Reading the handoff ↵ then the TODO")
    assert logs[3].split()[1:3] == ["violation", "blocked:"]
    tail_out = ok(run(cli_home, "logs", running.id, "--tail", "2", "--json"))
    tail = [json.loads(line) for line in tail_out.splitlines()]
    assert [e["seq"] for e in tail] == [3, 4]
    assert tail[0]["kind"] == "tool_use" and tail[0]["summary"] == "Bash: pytest -q"
    assert tail[0]["payload"] == {"n": 3} and tail[0]["ts"].startswith("2026-11-21T10:23")

    context = ok(run(cli_home, "context", "demo"))
    assert "Fixed the flaky login test." in context  # the latest handoff is in it

    for argv, fragments in [
        (["handoff", failed.id], ("has no handoff", "budget_exhausted")),
        (["handoff", "other"], ("no handoff yet",)),
        (["handoff", "zzz"], ("no project or shift 'zzz'",)),
        (["logs", "nope-nope"], ("no project or shift 'nope-nope'",)),
        (["logs", running.id, "--tail", "0"], ("--tail",)),
        (["shifts", "ghost"], ("ghost",)),
        (["shifts", "--status", "weird"], ("invalid choice",)),
        (["shifts", "--limit", "0"], ("--limit",)),
        (["context", "ghost"], ("ghost",)),
        (["project", "remove", "other"], ("running shift",)),
    ]:
        user_error(run_in(capsys, cli_home, *argv), *fragments)


@pytest.mark.timeout(30)
async def test_logs_follow_until_the_shift_ends(cli_home: Path, project_dir: Path,
                                                clock: FakeClock) -> None:
    now = clock.now()
    async with await Store.open(cli_home / "shifttui.db", now=now) as store:
        project = await store.projects.add("demo", str(project_dir), Policy(), now)
        shift = await _claim(store, project.id, now)

        def event(seq: int, summary: str) -> ShiftEvent:
            return ShiftEvent(shift_id=shift.id, seq=seq, ts=now, kind=EventKind.TEXT,
                              summary=summary)

        await store.events.append([event(1, "first")])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "shifttui", "--home", str(cli_home), "logs", shift.id,
            "--follow", "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), 15)
            assert json.loads(line)["summary"] == "first"
            await store.events.append([event(2, "second")])
            line = await asyncio.wait_for(proc.stdout.readline(), 15)
            assert json.loads(line)["seq"] == 2
            # Still following: the shift is running.
            assert proc.returncode is None
            await store.events.append([event(3, "last words")])
            await store.shifts.abandon(shift.id, "enough", now + MIN)
            rest, err = await asyncio.wait_for(proc.communicate(), 15)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert proc.returncode == 0, err
        assert [json.loads(x)["summary"] for x in rest.decode().splitlines()] == ["last words"]


# home, config, database ----------------------------------------------------------------------


def test_home_from_env_and_bad_config_and_newer_database(tmp_path: Path) -> None:
    env_home = tmp_path / "envhome"
    proj = make_dir(tmp_path, "p")
    ok(run(None, "project", "add", "p", str(proj), env={"SHIFTTUI_HOME": str(env_home)}))
    assert (env_home / "shifttui.db").is_file()
    listed = as_json(run(None, "project", "list", "--json",
                         env={"SHIFTTUI_HOME": str(env_home)}))
    assert [p["name"] for p in listed] == ["p"]
    # --home wins over the environment.
    other = tmp_path / "other"
    assert as_json(run(other, "project", "list", "--json",
                       env={"SHIFTTUI_HOME": str(env_home)})) == []

    (env_home / "config.toml").write_text("max_concurrent_shifts = [", encoding="utf-8")
    user_error(run(env_home, "project", "list"), "config.toml", "not valid TOML")
    (env_home / "config.toml").write_text("max_concurrent_shifts = 0\n", encoding="utf-8")
    user_error(run(env_home, "project", "list"), "max_concurrent_shifts")
    (env_home / "config.toml").unlink()

    with sqlite3.connect(env_home / "shifttui.db") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    user_error(run(env_home, "project", "list"), "newer shifttui")


# in-process: the parser and the formatting ----------------------------------------------------


def test_parser_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv in (["project", "add"], ["project", "set", "x", "--budget", "lots"],
                 ["shifts", "--limit"], ["project", "bogus"], ["--nope"]):
        with pytest.raises(SystemExit) as exc:
            main(["--home", str(tmp_path), *argv])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("shifttui: "), err
        assert "usage:" not in err


@pytest.mark.timeout(10)
def test_formatting() -> None:
    assert [fmt.duration(s) for s in (0, 45, 65, 3600, 3720, 26 * 3600 + 5 * 60, None)] == [
        "0s", "45s", "1m05s", "1h00m", "1h02m", "1d02h", "-"]
    assert fmt.cost(0.4249) == "$0.42" and fmt.cost(12) == "$12.00"
    then = datetime(2026, 1, 1, tzinfo=UTC)
    assert [fmt.ago(then, then + timedelta(seconds=s)) for s in (90, 7200, 3 * 86400)] == [
        "1m30s ago", "2h00m ago", "3d ago"]
    assert fmt.table(["A", "LONG"], [["xxx", "y"], ["z", ""]]).splitlines() == [
        "A    LONG", "xxx  y", "z"]
    now = datetime(2026, 1, 5, 8, 30).astimezone()
    assert fmt.next_fires("0 9 * * *", now, 2) == ["2026-01-05 09:00", "2026-01-06 09:00"]
