"""Starting a shift: the context gathered alongside the claim, and its failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from agent_support import Harness

import shifttui.context
from shifttui.errors import AlreadyRunning
from shifttui.models import FailureKind, ShiftStatus

pytestmark = pytest.mark.timeout(30)


async def test_the_prompt_holds_the_context_built_alongside_the_claim(harness: Harness) -> None:
    await harness.add_project("slow")
    shift = await harness.supervisor.start_shift("proj")
    try:
        prompt = harness.supervisor._runs[shift.id].prompt
        assert "# Shift context: proj" in prompt
        assert "Branch: `main`" in prompt and "init" in prompt  # git, read concurrently
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

    monkeypatch.setattr(shifttui.context, "build_context", broken)
    project = await harness.add_project("normal")
    with pytest.raises(RuntimeError, match="disk on fire"):
        await harness.supervisor.start_shift(project.name)
    [failed] = await harness.store.shifts.list(project.id)
    assert failed.status is ShiftStatus.FAILED
    assert failed.failure_kind is FailureKind.AGENT_ERROR
    assert failed.error == "cannot prepare the shift: disk on fire"
    monkeypatch.undo()
    final = await asyncio.wait_for(
        harness.supervisor.wait((await harness.supervisor.start_shift(project.name)).id), 20)
    assert final.status is ShiftStatus.COMPLETED


async def test_a_refused_claim_waits_for_the_context_it_started(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.add_project("slow")
    first = await harness.supervisor.start_shift("proj")
    real_build, real_claim = shifttui.context.build_context, harness.store.shifts.claim
    builds: list[asyncio.Task[Any]] = []
    refused = asyncio.Event()

    async def claim(*args: Any, **kwargs: Any) -> Any:
        try:
            return await real_claim(*args, **kwargs)
        except AlreadyRunning:
            refused.set()
            raise

    async def slow_build(*args: Any, **kwargs: Any) -> str:
        task = asyncio.current_task()
        assert task is not None
        builds.append(task)
        await refused.wait()  # still building when the claim is refused
        return await real_build(*args, **kwargs)

    monkeypatch.setattr(shifttui.context, "build_context", slow_build)
    monkeypatch.setattr(harness.store.shifts, "claim", claim)
    try:
        with pytest.raises(AlreadyRunning):
            await harness.supervisor.start_shift("proj")
        assert len(builds) == 1 and builds[0].done()  # no git process left running unowned
        assert [s.id for s in await harness.store.shifts.running()] == [first.id]
    finally:
        await harness.supervisor.abandon(first.id, "test over")
