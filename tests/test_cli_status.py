"""`shifttui status` and `decisions`, shift references in `shifts`/`logs`/`handoff`/`review`,
and `project remove` asking first: through the real `python -m shifttui` where it matters."""

from __future__ import annotations

import asyncio
import os
import pty
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home, Settings
from shifttui.base.models import EventKind, HandoffInput, Policy, ShiftEvent, Trigger
from shifttui.review.status import _command
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.scheduler import Scheduler
from shifttui.shifts.agent.environment import auth_kind, cli_version
from shifttui.store import Store
from shifttui.system.procs import process_token
from tests.scheduler_support import FakeStarter
from tests.test_cli import as_json, ok, run, run_in, user_error

pytestmark = pytest.mark.timeout(60)

MIN = timedelta(minutes=1)
SECRET = "sk-ant-oat01-do-not-print-me"


@pytest.fixture
def cli_home(home: Home) -> Path:
    return home.root


# status --------------------------------------------------------------------------------------


async def _status_world(home: Path, project_dir: Path) -> str:
    """A daemon holding the lease, a shift running, a scheduled project; real time, since the
    CLI reads the system clock."""
    now = datetime.now(UTC)
    async with await Store.open(home / "shifttui.db", now=now) as store:
        alpha = await store.projects.add("alpha", str(project_dir),
                                         Policy(schedule="*/5 * * * *"), now)
        await store.projects.add("beta", str(project_dir), Policy(
            schedule="0 9 * * *", env={"ANTHROPIC_API_KEY": SECRET}), now)
        await store.projects.add("off", str(project_dir), Policy(schedule="* * * * *",
                                                                 enabled=False), now)
        await store.scheduling.acquire_lease(
            "scheduler", holder=f"daemon:box:{os.getpid()}:abcd", pid=os.getpid(), host="box",
            now=now, ttl_s=600)
        shift = await store.shifts.claim(
            alpha.id, trigger=Trigger.MANUAL, now=now, deadline=now + 60 * MIN,
            owner_pid=os.getpid(), owner_token=process_token())
        return shift.id


def test_status_names_every_fact_and_never_a_secret(
    cli_home: Path, project_dir: Path, fake_cli: Path
) -> None:
    shift_id = asyncio.run(_status_world(cli_home, project_dir))
    # Only the token: whatever credentials this machine has are blanked for the run.
    env = {"SHIFTTUI_CLAUDE_CLI": str(fake_cli), "CLAUDE_CODE_OAUTH_TOKEN": SECRET,
           **dict.fromkeys(["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
                            "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX",
                            "CLAUDE_CODE_USE_FOUNDRY"], "")}
    text = ok(run(cli_home, "status", env=env))
    assert SECRET not in text
    lines = {line.split("  ")[0]: line for line in text.splitlines() if line and line[0] != " "}
    assert lines["home"].endswith(str(cli_home))
    assert lines["database"].endswith(str(cli_home / "shifttui.db"))
    assert f"shifttui daemon, pid {os.getpid()} on box (heartbeat " in lines["scheduler"]
    # The fake CLI answers --version like the real one, so the version is really asked for.
    assert f"{fake_cli} (the claude_cli setting), 2.1.330 (Claude Code; shifttui's fake " \
        "agent)" in lines["agent CLI"]
    assert "subscription (CLAUDE_CODE_OAUTH_TOKEN)" in lines["auth"]
    assert "the policy env of beta sets ANTHROPIC_API_KEY" in lines["auth"]
    assert "running shifts (1):" in text
    row = next(line for line in text.splitlines() if line.strip().startswith(shift_id))
    assert "alpha" in row and f"(pid {os.getpid()})" in row and "gone" not in row
    fires = text.split("next fires:\n", 1)[1].splitlines()
    assert fires[0].split() == ["WHEN", "PROJECT", "SCHEDULE"]
    # alpha every 5 minutes comes first; the disabled project never fires
    assert fires[1].split()[2:] == ["alpha", "*/5", "*", "*", "*", "*"]
    assert [f.split()[2] for f in fires[1:]] == ["alpha", "beta"]

    data = as_json(run(cli_home, "status", "--json", env=env))
    assert SECRET not in str(data)
    assert data["database"] == str(cli_home / "shifttui.db")
    assert data["scheduler"] == {**data["scheduler"], "role": "standby", "kind": "daemon",
                                 "pid": os.getpid(), "host": "box"}
    assert data["agent"]["version"].startswith("2.1.330")
    assert data["agent"]["auth_overrides"] == {"beta": ["ANTHROPIC_API_KEY"]}
    assert data["agent"]["bubblewrap"] == shutil.which("bwrap")
    [running] = data["running"]
    assert (running["shift_id"], running["project"], running["owner_alive"]) == (
        shift_id, "alpha", True)
    assert [f["project"] for f in data["next_fires"]] == ["alpha", "beta"]


def test_status_without_a_scheduler_or_a_cli(cli_home: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    async def stale() -> None:
        long_ago = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        async with await Store.open(cli_home / "shifttui.db", now=long_ago) as store:
            await store.scheduling.acquire_lease("scheduler", holder="app:old:1:x", pid=1,
                                                 host="old", now=long_ago, ttl_s=5)

    asyncio.run(stale())
    with mock.patch.dict(os.environ, {"SHIFTTUI_CLAUDE_CLI": str(tmp_path / "nope")}):
        text = ok(run_in(capsys, cli_home, "status"))
    assert "scheduler   off: nothing fires until `shifttui` or `shifttui daemon` runs " \
        "(last held by shifttui app (pid 1 on old), last seen 2026-01-02" in text
    assert "Claude Code CLI" in text and "nope" in text and "not found" in text
    assert "running shifts: none" in text and "next fires: none" in text


def test_auth_kind_follows_claude_codes_order_and_names_no_secret(tmp_path: Path) -> None:
    home = tmp_path / "user"
    assert auth_kind({}, home) == "none found" or sys.platform == "darwin"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / ".credentials.json").write_text("{}")
    assert auth_kind({}, home) == "Claude Code login (~/.claude)"
    elsewhere = tmp_path / "cfg"
    elsewhere.mkdir()
    assert auth_kind({"CLAUDE_CONFIG_DIR": str(elsewhere)}, home) in (
        "none found", "Claude Code login in the macOS Keychain, if any (not checked)")
    (elsewhere / ".credentials.json").write_text("{}")
    assert auth_kind({"CLAUDE_CONFIG_DIR": str(elsewhere)}, home) == (
        f"Claude Code login ({elsewhere})")
    assert auth_kind({"CLAUDE_CODE_OAUTH_TOKEN": SECRET}, home) == (
        "subscription (CLAUDE_CODE_OAUTH_TOKEN)")
    both = {"CLAUDE_CODE_OAUTH_TOKEN": SECRET, "ANTHROPIC_API_KEY": SECRET}
    assert auth_kind(both, home) == (
        "API key (ANTHROPIC_API_KEY) (it outranks CLAUDE_CODE_OAUTH_TOKEN, also set)")
    assert auth_kind({**both, "ANTHROPIC_AUTH_TOKEN": SECRET}, home) == (
        "bearer token (ANTHROPIC_AUTH_TOKEN)")
    assert auth_kind({**both, "CLAUDE_CODE_USE_BEDROCK": "1"}, home) == (
        "Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK)")
    assert auth_kind({"CLAUDE_CODE_USE_BEDROCK": "0"}, home) == "Claude Code login (~/.claude)"


async def test_cli_version_is_unknown_when_the_cli_fails_or_hangs(tmp_path: Path) -> None:
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'usage: nope' >&2\nexit 3\n")
    hanging = tmp_path / "hanging"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    for script in (failing, hanging):
        script.chmod(0o755)
    assert await cli_version(str(failing)) == "unknown"
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await cli_version(str(hanging), timeout_s=0.3) == "unknown"
    assert loop.time() - start < 5  # killed at the timeout, not waited for
    assert await cli_version(str(tmp_path / "missing")) == "unknown"


def test_owner_command_is_read_from_its_arguments() -> None:
    py = sys.executable
    assert _command([py, "-m", "shifttui", "--home", "/h", "daemon"]) == "shifttui daemon"
    assert _command(["/usr/bin/shifttui", "--claude-cli", "x", "run", "a"]) == "shifttui run"
    assert _command([py, "/venv/bin/shifttui"]) == "shifttui (the app)"
    assert _command([py, "-m", "pytest"]) == "another process"


# decisions -----------------------------------------------------------------------------------


async def _decide(home: Path, clock: FakeClock, project_dir: Path) -> None:
    """Real decisions, made by the scheduler: fired, then skipped while the shift runs."""
    async with await Store.open(home / "shifttui.db", now=clock.now()) as store:
        await store.projects.add("alpha", str(project_dir), Policy(schedule="* * * * *"),
                                 clock.now())
        await store.projects.add("beta", str(project_dir), Policy(), clock.now())
        starter = FakeStarter(store, clock, end=None)
        sched = Scheduler(store, starter, Settings(), clock=clock)
        for _ in range(2):
            clock.advance(60)
            await sched.run_once()
        await sched.close()


def test_decisions_say_why_a_shift_did_or_did_not_fire(
    cli_home: Path, clock: FakeClock, project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_decide(cli_home, clock, project_dir))
    due = (clock.now() - MIN).astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")
    data = as_json(run_in(capsys, cli_home, "decisions", "alpha", "--json"))
    assert [(d["outcome"], d["detail"].split(";")[0]) for d in data] == [
        ("skipped", "shift already running"), ("started", "due " + due)]
    assert data[1]["shift_id"] and data[0]["project_id"] == "alpha"
    lines = ok(run(cli_home, "decisions")).splitlines()
    assert len(lines) == 2  # newest first
    assert "alpha [schedule] skipped: shift already running" in lines[0]
    assert "alpha [schedule] started" in lines[1] and data[1]["shift_id"] in lines[1]
    assert len(as_json(run_in(capsys, cli_home, "decisions", "--limit", "1", "--json"))) == 1
    assert ok(run_in(capsys, cli_home, "decisions", "beta")) == (
        "no scheduler decisions about beta yet (beta has no schedule; `shifttui trigger` or a "
        "trigger starts it)\n")
    user_error(run_in(capsys, cli_home, "decisions", "ghost"), "no project named 'ghost'")
    user_error(run_in(capsys, cli_home, "decisions", "--limit", "0"), "--limit")


# shift references in the verbs ---------------------------------------------------------------


async def _shifts(home: Path, clock: FakeClock, project_dir: Path) -> dict[str, str]:
    now = clock.now()
    ids: dict[str, str] = {}
    async with await Store.open(home / "shifttui.db", now=now) as store:
        demo = await store.projects.add("demo", str(project_dir), Policy(), now)
        for i, tail in enumerate(["aa1111", "bb1111", "ccc222"]):
            with mock.patch("secrets.token_hex", return_value=tail):
                shift = await store.shifts.claim(
                    demo.id, trigger=Trigger.MANUAL, now=now + i * 10 * MIN,
                    deadline=now + 60 * MIN, owner_pid=os.getpid(),
                    owner_token=process_token())
            await store.events.append([ShiftEvent(shift_id=shift.id, seq=1, ts=now,
                                                  kind=EventKind.TEXT, summary=f"hello {tail}")])
            await store.shifts.complete(shift.id, HandoffInput(summary=f"did {tail}"),
                                        now=now + (i * 10 + 5) * MIN, files_changed=[])
            ids[tail] = shift.id
    return ids


def test_verbs_take_a_prefix_suffix_project_or_last(
    cli_home: Path, clock: FakeClock, project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = asyncio.run(_shifts(cli_home, clock, project_dir))
    newest = ids["ccc222"]
    assert ok(run(cli_home, "logs", "last")).rstrip().endswith("hello ccc222")
    assert ok(run_in(capsys, cli_home, "logs", "aa1111")).rstrip().endswith("hello aa1111")
    assert ok(run_in(capsys, cli_home, "logs", "demo")).rstrip().endswith("hello ccc222")
    assert ok(run_in(capsys, cli_home, "handoff", "bb1111")).startswith(
        f"# Handoff: demo, shift {ids['bb1111']}")
    assert as_json(run_in(capsys, cli_home, "handoff", "last", "--json"))["shift_id"] == newest
    [one] = as_json(run_in(capsys, cli_home, "shifts", "c222", "--json"))
    assert one["id"] == newest and one["project"] == "demo"
    table = ok(run_in(capsys, cli_home, "shifts", ids["aa1111"][:-3])).splitlines()
    assert len(table) == 2 and table[1].startswith(ids["aa1111"])
    # a project name still lists its shifts
    assert len(as_json(run_in(capsys, cli_home, "shifts", "demo", "--json"))) == 3
    user_error(run_in(capsys, cli_home, "shifts", "last", "--status", "failed"),
               "is completed, not failed")
    out = ok(run_in(capsys, cli_home, "review", "aa1111", "-r", "4"))
    assert out.startswith(f"rated demo shift {ids['aa1111']} 4/5")
    # the project name means its latest unreviewed shift: ccc222, then bb1111
    assert ids["ccc222"] in ok(run_in(capsys, cli_home, "review", "demo", "-r", "5"))
    assert ids["bb1111"] in ok(run_in(capsys, cli_home, "review", "demo", "-r", "5"))

    line = user_error(run(cli_home, "logs", "1111"), "matches more than one shift")
    assert ids["bb1111"] in line and ids["aa1111"] in line
    user_error(run_in(capsys, cli_home, "handoff", "111"), "at least 4 characters")
    user_error(run_in(capsys, cli_home, "review", "dmeo", "-r", "3"), "did you mean demo")


# project remove ------------------------------------------------------------------------------


def _remove(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    return subprocess.run(
        [sys.executable, "-m", "shifttui", "--home", str(home), "project", "remove", *args],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=30)


def _remove_on_a_terminal(home: Path, answer: bytes) -> tuple[int, str]:
    """`project remove demo` with a pseudo-terminal as stdin and stderr (its question)."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shifttui", "--home", str(home), "project", "remove", "demo"],
        stdin=follower, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    try:
        while b"[y/N]" not in seen:
            try:
                seen += os.read(leader, 4096)  # blocks until the question comes
            except OSError:  # the terminal closed: it ended without asking
                pytest.fail(f"no question; it said {seen!r} and {proc.communicate()}")
        os.write(leader, answer)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    return proc.returncode, seen.decode() + out.decode()


def test_project_remove_says_what_it_deletes_and_asks(
    cli_home: Path, clock: FakeClock, project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_shifts(cli_home, clock, project_dir))
    # Not on a terminal: refused, one line, saying what would go.
    proc = _remove(cli_home, "demo")
    user_error(proc, "removing demo deletes its 3 shifts, 3 handoffs and 3 events", "--yes")
    assert "demo" in ok(run_in(capsys, cli_home, "project", "show", "demo"))

    code, seen = _remove_on_a_terminal(cli_home, b"n\n")
    assert code == 1, seen
    assert "Removing demo deletes its 3 shifts, 3 handoffs and 3 events" in seen
    assert str(project_dir) in seen and "kept demo: nothing removed" in seen
    assert "demo" in ok(run_in(capsys, cli_home, "project", "show", "demo"))

    code, seen = _remove_on_a_terminal(cli_home, b"y\n")
    assert code == 0, seen
    assert "removed project demo and its 3 shifts, 3 handoffs and 3 events" in seen
    assert as_json(run_in(capsys, cli_home, "project", "list", "--json")) == []
    assert project_dir.is_dir()


def test_project_remove_yes_and_refusals(cli_home: Path, clock: FakeClock, project_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    now = clock.now()

    async def seed() -> None:
        async with await Store.open(cli_home / "shifttui.db", now=now) as store:
            await store.projects.add("empty", str(project_dir), Policy(), now)
            busy = await store.projects.add("busy", str(project_dir), Policy(), now)
            await store.shifts.claim(busy.id, trigger=Trigger.MANUAL, now=now,
                                     deadline=now + 60 * MIN, owner_pid=os.getpid(),
                                     owner_token=process_token())

    asyncio.run(seed())
    # A running shift is refused before any question: nothing to confirm.
    # In this process stdin is pytest's, never a terminal: as under cron or CI.
    remove = ["project", "remove"]
    user_error(run_in(capsys, cli_home, *remove, "busy"), "has a running shift", "abandon it")
    user_error(run_in(capsys, cli_home, *remove, "busy", "--yes"), "has a running shift")
    user_error(run_in(capsys, cli_home, *remove, "empty"), "deletes no history (it has none "
               "yet)")
    assert ok(run_in(capsys, cli_home, "project", "remove", "empty", "-y")) == (
        "removed project empty (the directory is untouched)\n")
    names = [p["name"] for p in as_json(run_in(capsys, cli_home, "project", "list", "--json"))]
    assert names == ["busy"]
