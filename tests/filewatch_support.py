"""Waiting for the OS to report a change to a file watch (instead of sleeping)."""

from __future__ import annotations

import asyncio

from shifttui.scheduling.filewatch import ProjectWatch

ARRIVAL_TIMEOUT_S = 10.0


async def arrived(watch: ProjectWatch, *rels: str) -> None:
    """Return once every one of `rels` is pending on `watch`."""

    async def wait() -> None:
        while not set(rels) <= watch.pending:
            watch.changed.clear()  # no change can land between the check and the clear
            await watch.changed.wait()

    await asyncio.wait_for(wait(), ARRIVAL_TIMEOUT_S)
