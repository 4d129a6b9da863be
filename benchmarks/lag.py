"""Responsiveness: event-loop lag of the headless TUI while four shifts flood at once.

A 50 ms asyncio timer runs on the app's loop; its lateness is the lag the operator would feel on a
key press. Target: p99 ≤ 50 ms.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.common import add_project, fake_cli, parser, percentile, report, workdir
from benchmarks.tuikit import main_screen, make_app, run_shifts
from shifttui.base.config import Home

TIMER_S = 0.05


async def main_async(count: int, as_json: bool) -> None:
    with workdir("lag") as root:
        cli = fake_cli(root)
        home = Home(root / "home").ensure()
        names = [f"flood{i}" for i in range(4)]
        for name in names:
            await add_project(home, root, name, "flood", {"SHIFTTUI_FAKE_COUNT": str(count)})
        app = make_app(home, cli, max_concurrent_shifts=4)
        lags: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await main_screen(pilot)
            stop = asyncio.Event()

            async def probe() -> None:
                while not stop.is_set():
                    due = time.perf_counter() + TIMER_S
                    await asyncio.sleep(TIMER_S)
                    lags.append(max(0.0, time.perf_counter() - due))

            task = asyncio.create_task(probe())
            start = time.perf_counter()
            panes = await run_shifts(pilot, names, 600)
            elapsed = time.perf_counter() - start
            stop.set()
            await task
            shown = sum(p.lines_written for p in panes)
        print(f"4 shifts x {count} messages in {elapsed:.1f} s; {shown} lines shown; "
              f"{len(lags)} timer samples")
    ms = [x * 1000 for x in lags]
    p99 = percentile(ms, 99)
    if len(ms) < 100:
        print(f"note: {len(ms)} samples: the p99 is the worst one (use a larger --count)")
    report({"p50_ms": percentile(ms, 50), "p99_ms": p99, "max_ms": max(ms) if ms else 0.0},
           [("p99 <= 50 ms", p99 <= 50)], as_json)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    # 60,000 a shift floods for ~13 s: ~240 timer samples. With 10,000 (~60 samples) the "p99"
    # was simply the worst sample, a shift's start or end (a tab added, a table reloaded); 40,000
    # gave ~200 until the shifts got faster (~110 since, docs/PERFORMANCE.md).
    p.add_argument("--count", type=int, default=60_000, help="messages per shift")
    args = p.parse_args()
    asyncio.run(main_async(args.count, args.json))


if __name__ == "__main__":
    main()
