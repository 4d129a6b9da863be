"""Memory: RSS of the TUI process before and after 200,000 events streamed through a live pane.

Target: growth ≤ 50 MB (the pane keeps a bounded log; events live in SQLite, not in memory).
"""

from __future__ import annotations

import asyncio
import gc

import psutil

from benchmarks.common import add_project, fake_cli, parser, report, workdir
from benchmarks.tuikit import main_screen, make_app, run_shifts
from shifttui.base.config import Home


def rss_mb() -> float:
    gc.collect()
    return float(psutil.Process().memory_info().rss) / 1024 / 1024


async def main_async(count: int, as_json: bool) -> None:
    with workdir("memory") as root:
        cli = fake_cli(root)
        home = Home(root / "home").ensure()
        await add_project(home, root, "warm", "flood", {"SHIFTTUI_FAKE_COUNT": "2000"})
        await add_project(home, root, "flood", "flood", {"SHIFTTUI_FAKE_COUNT": str(count)})
        app = make_app(home, cli)
        async with app.run_test(size=(120, 40)) as pilot:
            await main_screen(pilot)
            # A small shift first: imports, caches and the first pane are not growth.
            await run_shifts(pilot, ["warm"], 120)
            before = rss_mb()
            (pane,) = await run_shifts(pilot, ["flood"], 1200)
            await pilot.pause(0.5)
            after = rss_mb()
            events = await app.services.store.events.count(pane.shift.id)
    print(f"{events} events streamed; RSS {before:.1f} MB -> {after:.1f} MB")
    growth = after - before
    report({"rss_growth_mb": growth}, [("growth <= 50 MB", growth <= 50)], as_json)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=200_000, help="events to stream")
    args = p.parse_args()
    asyncio.run(main_async(args.count, args.json))


if __name__ == "__main__":
    main()
