"""`shifttui run NAME`: one shift in the foreground, one line per event as it happens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from shifttui.base.bus import BusEvent, Notice, ShiftEventsAdded
from shifttui.base.models import ShiftEvent, ShiftStatus
from shifttui.base.text import printable
from shifttui.cli.base import Ctx, print_json_line
from shifttui.cli.fmt import clock_time, cost, duration
from shifttui.system.gc import settle_gc

EXIT_CODES = {
    ShiftStatus.COMPLETED: 0,
    ShiftStatus.FAILED: 1,
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run one shift in the foreground, streaming its events")
    p.add_argument("name", metavar="NAME", help="project name")
    p.add_argument("--json", action="store_true", help="one JSON object per event")
    p.add_argument("--reason", help="why this shift runs (stored on the shift)")
    p.set_defaults(func=run_shift)


def _event_line(event: ShiftEvent) -> str:
    return f"{clock_time(event.ts)} {event.kind.value:<11} {printable(event.summary)}"


async def run_shift(args: argparse.Namespace, ctx: Ctx) -> int:
    # Imported here: the SDK is heavy, and the other sub-commands should start fast.
    from shifttui.runtime.runtime import Runtime

    runtime = Runtime(ctx.store, ctx.home, ctx.settings, kind="run", clock=ctx.clock)
    supervisor = runtime.supervisor

    def show(event: BusEvent) -> None:
        if isinstance(event, ShiftEventsAdded):
            for e in event.events:
                if args.json:
                    print_json_line({"seq": e.seq, "ts": e.ts.isoformat(), "kind": e.kind.value,
                                     "summary": e.summary, "payload": e.payload,
                                     "shift_id": e.shift_id})
                else:
                    sys.stdout.write(_event_line(e) + "\n")
            sys.stdout.flush()
        elif isinstance(event, Notice) and event.severity != "information" and not args.json:
            sys.stderr.write(printable(f"shifttui: {event.title}: {event.message}") + "\n")

    supervisor.bus.subscribe(show)
    settle_gc()
    runtime.start(scheduler=False, watch_others=False)
    try:
        shift = await supervisor.start_shift(args.name, reason=args.reason)
    except BaseException:
        await runtime.close()
        raise
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[object]] = []

    def on_signal() -> None:
        if not stopping:
            sys.stderr.write("shifttui: stopping the shift (interrupted by operator)…\n")
            stopping.append(loop.create_task(
                supervisor.abandon(shift.id, "interrupted by operator")))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal)
    try:
        final = await supervisor.wait(shift.id)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await runtime.close()
    handoff = await ctx.store.handoffs.for_shift(final.id)
    if args.json:
        print_json_line({
            "shift_id": final.id, "status": final.status.value,
            "failure_kind": final.failure_kind.value if final.failure_kind else None,
            "cost_usd": final.cost_usd, "duration_s": final.duration_s,
            "error": final.error, "forced": final.forced,
            "handoff_summary": handoff.summary if handoff else None,
        })
    else:
        kind = f" ({final.failure_kind.value})" if final.failure_kind else ""
        line = (f"shift {final.id} {final.status.value}{kind} — {cost(final.cost_usd)}, "
                f"{duration(final.duration_s)}")
        if handoff is not None:
            line += f" — {handoff.summary.splitlines()[0]}"
        elif final.error:
            line += f" — {final.error}"
        print(printable(line))
    if final.checks_failed:
        return 1  # it handed off, but its checks failed: not a success to a script
    return EXIT_CODES.get(final.status, 2)
