"""Starting a shift: the context gathered alongside the claim and the CLI's start, and its
failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agent_support import Harness

import shifttui.shifts.context
from shifttui.base.bus import ShiftEventsAdded
from shifttui.base.errors import AlreadyRunning, InvalidInput
from shifttui.base.models import FailureKind, ShiftStatus
from shifttui.system.procs import pid_alive

pytestmark = pytest.mark.timeout(30)


async def test_the_prompt_holds_the_context_built_alongside_the_cli_start(
    harness: Harness
) -> None:
    await harness.add_project("slow")
    shift = await harness.supervisor.start_shift("proj")
    try:
        prompt = await asyncio.wait_for(harness.supervisor._runs[shift.id].prompt, 10)
        assert "# Shift context: proj" in prompt
        # git, read concurrently: the work branch, made from the checkout's `main`
        assert "Branch: `shifttui/proj`" in prompt and "init" in prompt
        assert "No earlier shifts." in prompt  # the shift just claimed is not news
        assert shift.start_commit and len(shift.start_commit) == 40
    finally:
        await harness.supervisor.abandon(shift.id, "test over")


async def test_a_context_that_cannot_be_built_fails_the_claimed_shift(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> str:
        await asyncio.sleep(0)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shifttui.shifts.context, "build_context", broken)
    project = await harness.add_project("normal")
    shift = await harness.supervisor.start_shift(project.name)
    failed = await asyncio.wait_for(harness.supervisor.wait(shift.id), 20)
    assert failed.status is ShiftStatus.FAILED
    assert failed.failure_kind is FailureKind.AGENT_ERROR
    assert failed.error == "cannot prepare the shift: disk on fire"
    assert failed.agent_pid is not None and not pid_alive(failed.agent_pid)  # CLI closed
    monkeypatch.undo()
    final = await asyncio.wait_for(
        harness.supervisor.wait((await harness.supervisor.start_shift(project.name)).id), 20)
    assert final.status is ShiftStatus.COMPLETED


async def test_an_unknown_prompt_template_is_refused_before_a_claim(harness: Harness) -> None:
    project = await harness.add_project("normal")
    await harness.store.projects.update_policy(
        project.id, project.policy.model_copy(update={"prompt": "no_such_prompt"}),
        harness.supervisor.clock.now())
    with pytest.raises(InvalidInput, match="no_such_prompt"):
        await harness.supervisor.start_shift(project.name)
    assert await harness.store.shifts.list(project.id) == []


async def test_an_abandon_while_the_context_is_built_ends_the_shift_at_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git that hangs while the context is gathered must not hold up an abandon."""
    gathering = asyncio.Event()
    cancelled = asyncio.Event()

    async def stuck(*args: Any, **kwargs: Any) -> str:
        gathering.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return ""  # pragma: no cover

    monkeypatch.setattr(shifttui.shifts.context, "build_context", stuck)
    project = await harness.add_project("normal")
    shift = await harness.supervisor.start_shift(project.name)
    await asyncio.wait_for(gathering.wait(), 10)
    # Claude Code is up and the shift waits only for its first message.
    await harness.wait_for(lambda ev: isinstance(ev, ShiftEventsAdded) and any(
        e.summary.startswith("agent started") for e in ev.events))
    final = await asyncio.wait_for(harness.supervisor.abandon(shift.id, "changed my mind"), 5)
    assert final.status is ShiftStatus.ABANDONED
    assert cancelled.is_set()  # the context's work was stopped, not left running
    assert final.agent_pid is not None and not pid_alive(final.agent_pid)


async def test_a_refused_claim_starts_no_context_work(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The context is gathered only for a claimed shift (while its CLI starts): a refused
    start leaves no git process or task behind."""
    await harness.add_project("slow")
    first = await harness.supervisor.start_shift("proj")
    await asyncio.wait_for(harness.supervisor._runs[first.id].prompt, 10)
    builds: list[object] = []

    async def counting_build(*args: Any, **kwargs: Any) -> str:
        builds.append(args)
        return ""

    monkeypatch.setattr(shifttui.shifts.context, "build_context", counting_build)
    try:
        with pytest.raises(AlreadyRunning):
            await harness.supervisor.start_shift("proj")
        assert builds == []
        assert [s.id for s in await harness.store.shifts.running()] == [first.id]
    finally:
        await harness.supervisor.abandon(first.id, "test over")
