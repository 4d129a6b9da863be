"""Retention for a long-running process: once a day, and on demand from `shifttui prune`.

The database drops old payloads (store.retention); the shifts' agent.logs lose theirs too (a
crashed shift's journal still has them)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from shifttui.base.clock import Clock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import ShiftTuiError
from shifttui.store import Store
from shifttui.store.retention import Pruned, prune
from shifttui.system.agentlog import strip_payloads

log = logging.getLogger(__name__)

EVERY_S = 24 * 3600.0
# The first pass waits until start-up (and any catch-up) has settled.
FIRST_AFTER_S = 300.0


async def apply_retention(store: Store, home: Home, before: datetime, *, dry_run: bool = False,
                          convert: bool = False) -> Pruned:
    result = await prune(store.db, before, dry_run=dry_run, convert=convert)
    if not dry_run:
        for shift_id in result.shift_ids:
            await asyncio.to_thread(strip_payloads, home.agent_log(shift_id))
    return result


async def retention_loop(store: Store, home: Home, settings: Settings, clock: Clock,
                         stop: asyncio.Event, *, first_after_s: float = FIRST_AFTER_S,
                         every_s: float = EVERY_S) -> None:
    """Prune once `first_after_s` after start, then every `every_s`, until `stop`."""
    wait = first_after_s
    while True:
        try:
            await asyncio.wait_for(stop.wait(), wait)
            return
        except TimeoutError:
            pass
        wait = every_s
        before = clock.now() - timedelta(days=settings.retention_days)
        try:
            result = await apply_retention(store, home, before)
        except ShiftTuiError as exc:
            log.warning("retention: %s", exc)
            continue
        except Exception:  # the app or daemon outlives one failed prune
            log.exception("retention failed")
            continue
        if result.events:
            log.info("retention: dropped the payloads of %d events in %d shifts (%d bytes "
                     "freed)", result.events, result.shifts, result.freed_bytes)
