"""The supervisor driving the project's fake CLI through the real SDK: every ending, every stop."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sys
from pathlib import Path

import pytest
from agent_support import Harness, wait_pid_gone
from timing import wall

from shifttui.base.bus import (
    QuestionAsked,
    QuestionClosed,
    ShiftEnded,
    ShiftEventsAdded,
    ShiftStarted,
)
from shifttui.base.errors import AlreadyRunning, InvalidInput, StateError
from shifttui.base.models import (
    Author,
    EventKind,
    FailureKind,
    HandoffInput,
    PermissionMode,
    ShiftStatus,
    Trigger,
)
from shifttui.shifts.agent.process import OUTPUT_PIPE_BYTES

pytestmark = pytest.mark.timeout(30)


def kinds(events: list) -> list[EventKind]:
    return [e.kind for e in events]


async def test_normal_shift_completes_with_handoff_events_and_log(harness: Harness) -> None:
    shift, handoff, events = await harness.run("normal")
    assert shift.status is ShiftStatus.COMPLETED
    assert handoff is not None and handoff.author is Author.AGENT and handoff.summary
    assert not shift.forced
    ks = kinds(events)
    assert EventKind.TOOL_USE in ks and EventKind.TEXT in ks and EventKind.RESULT in ks
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # agent.log holds the same events, in order
    assert [line["seq"] for line in harness.log_lines(shift.id)] == [e.seq for e in events]
    assert shift.cost_usd > 0 and shift.num_turns >= 1 and shift.tokens_out > 0
    assert shift.session_id
    # the fake wrote a file in the project: files_changed comes from git
    assert shift.files_changed and shift.files_changed == handoff.files_changed
    await wait_pid_gone(shift.agent_pid)
    ended = [e for e in harness.seen if isinstance(e, ShiftEnded)]
    assert ended and ended[-1].shift.id == shift.id
    assert any(isinstance(e, ShiftStarted) for e in harness.seen)


async def test_bad_handoff_is_returned_to_the_agent_then_good_one_completes(
        harness: Harness) -> None:
    shift, handoff, events = await harness.run("bad_handoff")
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None
    errors = [e for e in events if e.kind is EventKind.TOOL_RESULT and e.payload.get("is_error")]
    assert errors, "the rejected handoff must reach the agent as a tool error"
    assert "summary" in errors[0].summary
    await wait_pid_gone(shift.agent_pid)


async def test_no_handoff_after_follow_up_fails_no_handoff(harness: Harness) -> None:
    shift, handoff, events = await harness.run("no_handoff")
    assert shift.status is ShiftStatus.FAILED
    assert shift.failure_kind is FailureKind.NO_HANDOFF
    assert handoff is None
    assert any("complete_shift" in e.summary for e in events if e.kind is EventKind.OPERATOR)
    await wait_pid_gone(shift.agent_pid)


async def test_late_handoff_after_follow_up_completes(harness: Harness) -> None:
    shift, handoff, _ = await harness.run("late_handoff")
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None


async def _start_slow(harness: Harness, scenario: str = "slow", **policy: object):
    project = await harness.add_project(scenario, **policy)
    shift = await harness.supervisor.start_shift(project.name)
    await harness.wait_for(lambda ev: isinstance(ev, ShiftEventsAdded) and any(
        e.kind is EventKind.TEXT for e in ev.events))
    return shift


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
async def test_the_agents_output_pipe_holds_a_megabyte(harness: Harness) -> None:
    """So the agent writes on while the app is busy for a moment (64 KB by default)."""
    shift = await _start_slow(harness)
    pid = harness.supervisor._runs[shift.id].agent_pid
    fd = os.open(f"/proc/{pid}/fd/1", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert fcntl.fcntl(fd, 1032) == OUTPUT_PIPE_BYTES  # F_GETPIPE_SZ
    finally:
        os.close(fd)
    await harness.supervisor.abandon(shift.id, "done looking")


@pytest.mark.wallclock
async def test_abandon_mid_stream_stops_the_agent_within_a_second(harness: Harness) -> None:
    shift = await _start_slow(harness)
    pid = harness.supervisor._runs[shift.id].agent_pid
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    final = await harness.supervisor.abandon(shift.id, "wrong direction")
    gone = await wait_pid_gone(pid, timeout=wall(2.0))
    assert loop.time() - t0 + gone < wall(1.5)
    assert final.status is ShiftStatus.ABANDONED and final.error == "wrong direction"
    assert await harness.store.handoffs.for_shift(shift.id) is None
    events = await harness.events(shift.id)
    assert any(e.kind is EventKind.OPERATOR and "abandon" in e.summary for e in events)


async def test_force_complete_gets_the_agents_handoff_during_wrap_up(harness: Harness) -> None:
    shift = await _start_slow(harness, wrap_up_seconds=5)
    final = await harness.supervisor.force_complete(shift.id)
    assert final.status is ShiftStatus.COMPLETED and final.forced
    handoff = await harness.store.handoffs.for_shift(shift.id)
    assert handoff is not None and handoff.author is Author.AGENT
    await wait_pid_gone(final.agent_pid)


async def test_force_complete_without_agent_handoff_uses_operator_editor(
        harness: Harness) -> None:
    shift = await _start_slow(harness, "slow_stubborn", wrap_up_seconds=1)
    drafts: list[HandoffInput] = []

    async def editor(draft: HandoffInput) -> HandoffInput:
        drafts.append(draft)
        return HandoffInput(summary="operator says: stopped it", next_steps=["retry"])

    final = await harness.supervisor.force_complete(shift.id, editor=editor)
    assert drafts and drafts[0].summary.startswith("[auto-drafted")
    handoff = await harness.store.handoffs.for_shift(shift.id)
    assert final.status is ShiftStatus.COMPLETED and final.forced
    assert handoff is not None and handoff.author is Author.OPERATOR
    assert handoff.summary == "operator says: stopped it"
    await wait_pid_gone(final.agent_pid)


async def test_force_complete_headless_stores_the_auto_draft(harness: Harness) -> None:
    shift = await _start_slow(harness, "slow_stubborn", wrap_up_seconds=1)
    final = await harness.supervisor.force_complete(shift.id)
    handoff = await harness.store.handoffs.for_shift(shift.id)
    assert final.status is ShiftStatus.COMPLETED and final.forced and handoff is not None
    # No agent handoff and no operator: the draft from the transcript is stored as it is.
    assert handoff.author is Author.AUTO
    prefix = "[auto-drafted by shifttui: operator force-complete] "
    assert handoff.summary.startswith(prefix)
    said = {e.payload["text"] for e in await harness.events(shift.id) if e.kind is EventKind.TEXT}
    assert handoff.summary.removeprefix(prefix) in said  # the agent's last words before the stop
    assert handoff.completed == []  # slow_stubborn calls no tool
    assert handoff.next_steps[0].startswith("Review this shift's log and diff")


async def test_deadline_wraps_up_and_the_agent_hands_off(harness: Harness) -> None:
    shift, handoff, events = await harness.run("slow", max_duration_minutes=0.02,
                                               wrap_up_seconds=5)
    assert shift.status is ShiftStatus.COMPLETED and shift.forced
    assert handoff is not None and handoff.author is Author.AGENT
    assert any("deadline" in e.summary for e in events)
    await wait_pid_gone(shift.agent_pid)


async def test_deadline_without_handoff_is_auto_drafted(harness: Harness) -> None:
    shift, handoff, _ = await harness.run("slow_stubborn", max_duration_minutes=0.02,
                                          wrap_up_seconds=1)
    assert shift.status is ShiftStatus.COMPLETED and shift.forced
    assert handoff is not None and handoff.author is Author.AUTO
    await wait_pid_gone(shift.agent_pid)


async def test_crash_fails_agent_error_with_stderr(harness: Harness) -> None:
    shift, _, events = await harness.run("crash")
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.AGENT_ERROR
    assert shift.error and "stderr" in shift.error
    assert EventKind.STDERR in kinds(events)
    await wait_pid_gone(shift.agent_pid)


async def test_budget_is_enforced_from_the_live_cost(harness: Harness) -> None:
    shift, _, _ = await harness.run("budget", max_budget_usd=0.5)
    assert shift.status is ShiftStatus.FAILED
    assert shift.failure_kind is FailureKind.BUDGET_EXHAUSTED
    assert shift.cost_usd >= 0.5
    # stopped promptly: not far past the limit
    assert shift.cost_usd < 0.5 * 3
    await wait_pid_gone(shift.agent_pid)


async def test_guard_denies_git_push_and_writes_outside(harness: Harness) -> None:
    shift, handoff, events = await harness.run("guard")
    violations = [e for e in events if e.kind is EventKind.VIOLATION]
    assert any("git push" in e.summary for e in violations)
    assert any("/etc/" in e.summary for e in violations)
    assert not Path("/etc/shifttui-forbidden").exists()
    assert shift.status is ShiftStatus.COMPLETED and handoff is not None


@pytest.mark.timeout(60)
async def test_flood_of_messages_is_stored_completely(harness: Harness) -> None:
    count = 20_000
    shift, _, events = await harness.run("flood", timeout=50,
                                         env={"SHIFTTUI_FAKE_COUNT": str(count)})
    assert shift.status is ShiftStatus.COMPLETED
    assert sum(1 for e in events if e.kind is EventKind.TEXT) >= count
    assert len(harness.log_lines(shift.id)) == len(events)


async def test_ask_operator_unanswered_proceeds_on_best_judgment(harness: Harness) -> None:
    harness.supervisor.settings = harness.supervisor.settings.model_copy(
        update={"question_timeout_seconds": 1})
    shift, _, events = await harness.run("ask")
    assert shift.status is ShiftStatus.COMPLETED
    assert any(e.kind is EventKind.QUESTION for e in events)
    assert any("no answer" in e.summary for e in events if e.kind is EventKind.OPERATOR)
    asked = [e for e in events if e.kind is EventKind.QUESTION]
    # It waited for the timeout (nobody answered) and the stored question says so.
    assert (events[-1].ts - asked[0].ts).total_seconds() >= 1.0
    rows = await harness.store.control.waiting()
    assert rows == []


async def test_ask_operator_answer_reaches_the_agent(harness: Harness) -> None:
    project = await harness.add_project("ask")
    shift = await harness.supervisor.start_shift(project.name)
    asked = await harness.wait_for(lambda ev: isinstance(ev, QuestionAsked))
    assert isinstance(asked, QuestionAsked)
    assert [q.question_id for q in await harness.supervisor.pending_questions()] == [
        asked.question_id]
    await harness.supervisor.answer_question(shift.id, asked.question_id, "use sqlite")
    final = await asyncio.wait_for(harness.supervisor.wait(shift.id), 15)
    handoff = await harness.store.handoffs.for_shift(final.id)
    assert handoff is not None
    assert "use sqlite" in handoff.model_dump_json()


@pytest.mark.parametrize(("scenario", "env", "kind"), [
    ("auth_error", {}, FailureKind.AUTH),
    # an overloaded API fails; a 429 is a pause (test_plan_limits.py)
    ("rate_limited", {"SHIFTTUI_FAKE_STATUS": "529"}, FailureKind.RATE_LIMITED),
    ("max_turns", {}, FailureKind.MAX_TURNS),
])
async def test_failure_kinds(harness: Harness, scenario: str, env: dict[str, str],
                             kind: FailureKind) -> None:
    shift, _, _ = await harness.run(scenario, env=env)
    assert shift.status is ShiftStatus.FAILED
    assert shift.failure_kind is kind


async def test_missing_cli_fails_cli_missing(harness: Harness, tmp_path: Path) -> None:
    harness.supervisor.cli_path = str(tmp_path / "no-such-claude")
    shift, _, _ = await harness.run("normal")
    assert shift.status is ShiftStatus.FAILED and shift.failure_kind is FailureKind.CLI_MISSING
    assert shift.error and "no-such-claude" in shift.error


async def test_second_start_on_a_project_is_refused(harness: Harness) -> None:
    shift = await _start_slow(harness)
    with pytest.raises(AlreadyRunning, match="already running since"):
        await harness.supervisor.start_shift("proj")
    await harness.supervisor.abandon(shift.id, "done")


async def test_shutdown_interrupts_and_resume_continues_the_session(harness: Harness) -> None:
    shift = await _start_slow(harness)
    pid = harness.supervisor._runs[shift.id].agent_pid
    await harness.supervisor.shutdown()
    await wait_pid_gone(pid)
    old = await harness.store.shifts.get(shift.id)
    assert old.status is ShiftStatus.INTERRUPTED and old.session_id
    resumed = await harness.supervisor.start_shift("proj", resume_of=shift.id)
    assert resumed.trigger is Trigger.RESUME and resumed.parent_shift_id == shift.id
    with pytest.raises(StateError, match="only an interrupted shift"):
        await harness.supervisor.start_shift("proj", resume_of=resumed.id)
    await harness.supervisor.abandon(resumed.id, "enough")
    final = await harness.store.shifts.get(resumed.id)
    assert final.session_id == old.session_id


async def test_test_command_result_is_stored(harness: Harness) -> None:
    shift, _, _ = await harness.run("normal", test_command="test -f README.md && echo fine")
    assert shift.test_result is not None and shift.test_result.passed
    assert "fine" in shift.test_result.output_tail
    shift2_project = await harness.add_project("normal", name="proj2", test_command="exit 3")
    s2 = await harness.supervisor.start_shift(shift2_project.name)
    final = await harness.supervisor.wait(s2.id)
    assert final.test_result is not None and not final.test_result.passed
    assert final.test_result.exit_code == 3


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
async def test_bypass_permissions_as_root_is_a_clear_error(harness: Harness,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IS_SANDBOX", raising=False)
    await harness.add_project("normal", permission_mode=PermissionMode.BYPASS)
    with pytest.raises(InvalidInput, match="IS_SANDBOX"):
        await harness.supervisor.start_shift("proj")
    assert await harness.store.shifts.list() == []


async def test_cancelling_the_shift_task_kills_the_agent_and_interrupts(
        harness: Harness) -> None:
    shift = await _start_slow(harness)
    pid = harness.supervisor._runs[shift.id].agent_pid
    task = next(t for t in asyncio.all_tasks() if t.get_name() == f"shift-{shift.id}")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_pid_gone(pid, timeout=1.0)
    assert (await harness.store.shifts.get(shift.id)).status is ShiftStatus.INTERRUPTED



async def test_question_closes_when_the_shift_is_abandoned(harness: Harness) -> None:
    project = await harness.add_project("ask")
    shift = await harness.supervisor.start_shift(project.name)
    asked = await harness.wait_for(lambda ev: isinstance(ev, QuestionAsked))
    assert isinstance(asked, QuestionAsked)
    await harness.supervisor.abandon(shift.id, "no time")
    assert await harness.supervisor.pending_questions() == []
    stored = await harness.store.control.question(asked.question_id)
    assert stored.status.value == "closed"
    closed = await harness.wait_for(lambda ev: isinstance(ev, QuestionClosed))
    assert isinstance(closed, QuestionClosed) and closed.answer is None


async def test_a_flood_is_back_pressured_to_bounded_memory(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from shifttui.shifts.agent import sink as sink_mod

    monkeypatch.setattr(sink_mod, "BACKLOG_LIMIT", 200)
    peak = 0
    original_add = sink_mod.EventSink.add

    def add(self: sink_mod.EventSink, *args: object, **kwargs: object) -> object:
        nonlocal peak
        event = original_add(self, *args, **kwargs)  # type: ignore[arg-type]
        peak = max(peak, len(self._pending))
        return event

    monkeypatch.setattr(sink_mod.EventSink, "add", add)
    shift, _, events = await harness.run("flood", env={"SHIFTTUI_FAKE_COUNT": "5000"})
    assert shift.status is ShiftStatus.COMPLETED
    assert sum(1 for e in events if e.kind is EventKind.TEXT) >= 5000
    # the reader waited for the database instead of queueing the whole flood in memory
    assert peak <= 220
