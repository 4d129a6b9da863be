"""A scheduler in its own process for the two-process tests: it reads a time per line on
stdin, ticks at that time, and answers with one line when done ("stop" ends it)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shifttui.base.bus import Bus
from shifttui.base.clock import FakeClock
from shifttui.base.config import Settings
from shifttui.scheduling.scheduler import Scheduler
from shifttui.store import Store
from tests.scheduler_support import FakeStarter


async def main(db_path: str) -> None:
    store = await Store.open(Path(db_path))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clock: FakeClock | None = None
    sched: Scheduler | None = None
    while line := (await reader.readline()).decode().strip():
        if line == "stop":
            break
        now = datetime.fromisoformat(line)
        if clock is None:
            clock = FakeClock(now)
            sched = Scheduler(store, FakeStarter(store, clock), Settings(max_concurrent_shifts=8),
                              bus=Bus(), clock=clock, tz=ZoneInfo("Europe/Berlin"))
        assert sched is not None
        clock.set(now)
        await sched.run_once(now)
        print(f"{line} {'holder' if sched.active else 'standby'}", flush=True)
    if sched is not None:
        await sched.close()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
