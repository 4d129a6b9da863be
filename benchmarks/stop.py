"""Stopping: time from `abandon` to the Claude Code process being gone, over 20 shifts.

Each shift runs the fake CLI's endless `slow` stream; once it has streamed a few events it is
abandoned and the CLI's pid is polled until it no longer exists. Target: p95 ≤ 1 s.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.common import add_project, fake_cli, median, parser, percentile, report, workdir
from shifttui.base.config import Home, Settings
from shifttui.base.models import ShiftStatus
from shifttui.system.procs import pid_alive


async def one(sup: object, name: str) -> float:
    from shifttui.shifts.supervisor import Supervisor

    assert isinstance(sup, Supervisor)
    shift = await sup.start_shift(name)
    pid = None
    deadline = time.monotonic() + 20
    # Wait until the agent is really streaming (its pid known, a few events in).
    while time.monotonic() < deadline:
        stats = sup.stats(shift.id)
        run = sup._runs.get(shift.id)
        pid = run.agent_pid if run else None
        if pid and stats and run and run.sink.count >= 5:
            break
        await asyncio.sleep(0.01)
    if not pid:
        raise SystemExit("the agent never started")
    start = time.perf_counter()
    abandon = asyncio.ensure_future(sup.abandon(shift.id, "benchmark"))
    while pid_alive(pid):
        if time.perf_counter() - start > 30:
            raise SystemExit(f"agent {pid} still alive 30 s after abandon")
        await asyncio.sleep(0.002)
    gone = time.perf_counter() - start
    final = await abandon
    if final.status is not ShiftStatus.ABANDONED:
        raise SystemExit(f"shift ended {final.status.value}")
    return gone


async def main_async(shifts: int, as_json: bool) -> None:
    from shifttui.shifts.supervisor import Supervisor
    from shifttui.store import Store

    with workdir("stop") as root:
        cli = fake_cli(root)
        home = Home(root / "home").ensure()
        await add_project(home, root, "slow", "slow", {"SHIFTTUI_FAKE_DELAY": "0.01"})
        store = await Store.open(home.db_path)
        sup = Supervisor(store, home, Settings(), cli_path=str(cli))
        times: list[float] = []
        try:
            for i in range(shifts):
                t = await one(sup, "slow")
                times.append(t)
                print(f"shift {i + 1:>2}: agent gone {t * 1000:.0f} ms after abandon")
        finally:
            await sup.shutdown()
            await store.close()
    p95 = percentile(times, 95)
    report({"p50_s": median(times), "p95_s": p95}, [("p95 <= 1 s", p95 <= 1.0)], as_json)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--shifts", type=int, default=20)
    args = p.parse_args()
    asyncio.run(main_async(args.shifts, args.json))


if __name__ == "__main__":
    main()
