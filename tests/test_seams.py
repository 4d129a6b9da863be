"""Each reach into claude-agent-sdk's internals is live in a real fake-CLI shift, and falls back
to the public path (saying why) when a newer SDK has moved what it reaches for."""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_support import Harness

from shifttui.base.models import ShiftStatus
from shifttui.shifts.agent import sdk_seam
from shifttui.shifts.agent.sdk_seam import CLI_PID, FASTPARSE, QUEUE_READER
from shifttui.system.seams import SEAMS, Patch, dependency_version

pytestmark = pytest.mark.timeout(30)

SDK = f"claude-agent-sdk {dependency_version('claude-agent-sdk')}"


def fake_and_its_ancestors(pid_file: Path) -> list[int]:
    return [int(p) for p in pid_file.read_text().split()]


def assert_is_the_fakes_container(agent_pid: int | None, pid_file: Path) -> None:
    """The recorded pid is the process shifttui started for the CLI: the process container
    (agent/reaper.py) the fake CLI runs in, so killing it takes the whole tree."""
    fake, *ancestors = fake_and_its_ancestors(pid_file)
    assert agent_pid is not None and agent_pid != fake
    assert agent_pid in ancestors


async def test_every_sdk_patch_is_live_in_a_real_shift(harness: Harness, tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    before = {p: p.uses for p in (FASTPARSE, QUEUE_READER, CLI_PID)}
    shift, handoff, events = await harness.run(
        "normal", env={"SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    for patch in before:
        assert (patch.active, patch.reason) == (True, ""), patch.name
    # The patched paths ran: orjson parsed the CLI's lines (at least one per stored event of
    # the agent's), the queue was read in batches, the pid came from the transport.
    assert FASTPARSE.uses - before[FASTPARSE] >= len([e for e in events if e.payload])
    assert QUEUE_READER.uses > before[QUEUE_READER]
    assert CLI_PID.uses > before[CLI_PID]
    assert_is_the_fakes_container(shift.agent_pid, pid_file)
    assert "fastparse on, queue-reader on, cli-pid on" in SEAMS.summary()


def assert_fell_back(patch: Patch, uses_before: int, missing: str) -> None:
    assert patch.active is False
    assert patch.reason == f"{SDK}: {missing}; {patch.fallback}"
    assert patch.uses == uses_before, f"{patch.name}'s patched path ran while it was off"
    assert f"{patch.name} off ({patch.reason})" in SEAMS.summary()


async def test_without_the_sdks_line_parser_the_sdk_parses(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sdk_seam, "PARSER_HOOK", "_parse_stdout_line_renamed")
    uses = FASTPARSE.uses
    shift, handoff, _ = await harness.run("normal")
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    assert_fell_back(FASTPARSE, uses, "subprocess_cli has no _parse_stdout_line_renamed")


async def test_without_the_sdks_queue_the_public_stream_is_read(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sdk_seam, "RECEIVE", "_message_receive_renamed")
    uses = QUEUE_READER.uses
    shift, handoff, events = await harness.run("normal")
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None and events
    assert_fell_back(QUEUE_READER, uses, "Query has no _message_receive_renamed memory stream")


async def test_without_the_transports_process_the_pid_is_found_among_the_children(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sdk_seam, "PROCESS", "_process_renamed")
    pid_file = tmp_path / "pids"
    uses = CLI_PID.uses
    shift, handoff, _ = await harness.run("normal", env={"SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    assert_fell_back(CLI_PID, uses, "SubprocessCLITransport has no _process_renamed")
    assert_is_the_fakes_container(shift.agent_pid, pid_file)


def test_the_probes_see_this_sdk_and_a_renamed_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `shifttui --version` shows before any shift ran."""
    for patch in (FASTPARSE, QUEUE_READER, CLI_PID):
        monkeypatch.setattr(patch, "active", None)
        assert patch.expected() == (True, ""), patch.name
    monkeypatch.setattr(sdk_seam, "SEND", "_message_send_renamed")
    on, reason = QUEUE_READER.expected()
    assert not on
    assert reason == f"{SDK}: Query has no _message_send_renamed; reading through " \
        "receive_messages()"


def test_version_names_the_dependencies_and_every_patch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any shift (a fresh process): what the probes foresee."""
    from shifttui.cli import main
    from shifttui.tui.widgets.log_seam import RICHLOG_CACHE

    for patch in (FASTPARSE, QUEUE_READER, CLI_PID, RICHLOG_CACHE):
        monkeypatch.setattr(patch, "active", None)
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("shifttui ")
    assert f" · {SDK} · textual {dependency_version('textual')} · patches: " in out
    for name in ("fastparse", "queue-reader", "cli-pid", "richlog-cache"):
        assert f"{name} on" in out
