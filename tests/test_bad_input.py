"""Bad input from the agent's CLI and from the user: a clear message, the right failure kind,
nothing invalid saved, and never a hang or a traceback."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from agent_support import Harness, wait_pid_gone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timing import wall

import shifttui.shifts.agent.runner as runner
from shifttui.base.config import Home
from shifttui.base.errors import InvalidInput
from shifttui.base.models import EventKind, FailureKind, ShiftStatus
from shifttui.cli import main
from shifttui.shifts.agent.options import MAX_LINE_BYTES
from shifttui.store import Store
from shifttui.tui.screens.project_form import check_path

pytestmark = pytest.mark.timeout(30)


# ---------------------------------------------------------------- from the CLI process


@pytest.mark.wallclock
async def test_garbage_lines_fail_the_shift_as_agent_error_quickly(harness: Harness) -> None:
    start = time.monotonic()
    shift, _, _ = await harness.run("garbage", timeout=wall(10))
    assert time.monotonic() - start < wall(8)
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.AGENT_ERROR
    assert shift.error and "Traceback" not in shift.error and "\n" not in shift.error
    await wait_pid_gone(shift.agent_pid, 5)


async def test_stray_non_json_lines_are_skipped(harness: Harness) -> None:
    shift, handoff, _ = await harness.run("garbage_soft", timeout=10)
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None


async def test_a_1_5mb_line_passes_the_raised_buffer(harness: Harness) -> None:
    shift, handoff, events = await harness.run("huge_line", timeout=10)
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    assert any(len(e.payload.get("text", "")) == 1_500_000 for e in events)


async def test_a_line_over_the_buffer_fails_clearly(harness: Harness) -> None:
    size = str(MAX_LINE_BYTES + 1024)
    shift, _, _ = await harness.run("huge_line", timeout=20, env={"SHIFTTUI_FAKE_COUNT": size})
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.AGENT_ERROR
    assert shift.error and "buffer" in shift.error.lower()
    await wait_pid_gone(shift.agent_pid, 5)


@pytest.mark.wallclock
async def test_a_cli_that_never_answers_initialize_fails_within_the_connect_timeout(
        harness: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1.0)
    pid_file = tmp_path / "pids"
    start = time.monotonic()
    shift, _, _ = await harness.run("hang_init", timeout=wall(15),
                                    env={"SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
    assert time.monotonic() - start < wall(10)
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.AGENT_ERROR
    assert shift.error and "did not finish starting within 1 s" in shift.error
    await wait_pid_gone(int(pid_file.read_text().split()[0]), 5)


async def test_a_cli_killed_mid_turn_is_agent_error_with_its_status(harness: Harness) -> None:
    shift, _, _ = await harness.run("exit137", timeout=10)
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.AGENT_ERROR
    assert shift.error and ("137" in shift.error or "-9" in shift.error)


async def test_complete_shift_with_wrong_types_and_missing_fields_is_a_tool_error(
        harness: Harness) -> None:
    shift, handoff, events = await harness.run("bad_types", timeout=10)
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    assert handoff.summary.startswith("Third try")
    said = [e.summary for e in events if e.kind is EventKind.TEXT]
    first = next(s for s in said if s.startswith("first try:"))
    second = next(s for s in said if s.startswith("second try:"))
    # Each refusal says what is wrong so the agent can fix it (the SDK checks types against the
    # tool's schema before shifttui sees the call; shifttui names the missing field).
    assert "42" in first and "string" in first
    assert "summary" in second
    errors = [e for e in events if e.kind is EventKind.TOOL_RESULT and e.payload.get("is_error")]
    assert len(errors) >= 2


async def test_a_1mb_handoff_is_refused_with_the_limit_then_a_short_one_is_kept(
        harness: Harness) -> None:
    shift, handoff, events = await harness.run("huge_handoff", timeout=15)
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    assert handoff.summary.startswith("Short handoff")
    said = next(e.summary for e in events
                if e.kind is EventKind.TEXT and e.summary.startswith("huge handoff:"))
    assert "20000" in said.replace(",", "").replace("_", "")
    assert len(said) < 1000  # the refusal does not echo the megabyte back


# ---------------------------------------------------------------- from the user


def _cli(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:  # argparse's own refusals
        return int(exc.code or 0)


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("badinput")
    (root / "proj").mkdir()
    assert _cli("--home", str(root / "h"), "project", "add", "p", str(root / "proj")) == 0
    return root / "h"


def _stored_policy_is_valid(home: Path) -> None:
    async def read() -> None:
        store = await Store.open(Home(home).db_path)
        try:
            (project,) = await store.projects.list()
            type(project.policy).model_validate(project.policy.model_dump())
        finally:
            await store.close()

    asyncio.run(read())


_FLAGS = ["--cron", "--max-minutes", "--wrap-up-seconds", "--budget", "--pause-after",
          "--model", "--permission-mode", "--test-command", "--test-timeout", "--catch-up",
          "--instructions", "--prompt", "--max-turns", "--debounce-seconds", "--deny-command",
          "--allow-tool", "--disallow-tool", "--add-dir", "--context-file", "--on-change",
          "--after", "--env"]
_HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "-1", "0", "nan", "inf", "-inf", "1e309", "999999999999999999999",
                     "none", "null", "0x10", " 5 ", "5.5", "* * * * * *", "61 25 * * *",
                     "../../etc", "/", "\x00", "a" * 5000, "KEY", "=v", "K=", "PATH=/x"]),
)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flag=st.sampled_from(_FLAGS), value=_HOSTILE)
def test_hostile_policy_values_never_crash_or_get_saved(
        cli_home: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str) -> None:
    code = _cli("--home", str(cli_home), "project", "set", "p", f"{flag}={value}")
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err + out
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, err
    _stored_policy_is_valid(cli_home)


@pytest.mark.parametrize("flag", ["--add-dir", "--context-file", "--on-change"])
def test_a_path_too_long_for_the_system_is_one_line(
        cli_home: Path, capsys: pytest.CaptureFixture[str], flag: str) -> None:
    """Python 3.11's Path.is_dir() raises for ENAMETOOLONG; hypothesis found it once."""
    code = _cli("--home", str(cli_home), "project", "set", "p", f"{flag}={'a' * 5000}")
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in err + out
    assert code == 0 or len([line for line in err.splitlines() if line.strip()]) == 1
    _stored_policy_is_valid(cli_home)


def test_the_form_says_a_path_too_long_is_not_there() -> None:
    path, message = check_path("/" + "a" * 5000)
    assert path is None and "does not exist" in message


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=200))
def test_garbage_config_toml_is_one_line(tmp_path_factory: pytest.TempPathFactory,
                                         capsys: pytest.CaptureFixture[str],
                                         garbage: bytes) -> None:
    home = tmp_path_factory.mktemp("cfg")
    (home / "config.toml").write_bytes(b"max_concurrent_shifts = [\n" + garbage)
    code = _cli("--home", str(home), "project", "list")
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1
    assert "config.toml" in err


async def test_a_project_path_that_disappeared_is_a_clear_refusal(harness: Harness,
                                                                  tmp_path: Path) -> None:
    doomed = tmp_path / "doomed"
    shutil.copytree(harness.project_path, doomed)
    project = await harness.store.projects.add("doomed", str(doomed),
                                               (await harness.add_project("normal")).policy,
                                               harness.supervisor.clock.now())
    first = await harness.supervisor.start_shift(project.name)
    assert (await asyncio.wait_for(harness.supervisor.wait(first.id), 15)).status \
        is ShiftStatus.COMPLETED
    shutil.rmtree(doomed)
    with pytest.raises(InvalidInput, match="does not exist"):
        await harness.supervisor.start_shift(project.name)
    assert await harness.store.shifts.running() == []
