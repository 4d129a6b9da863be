"""`shifttui daemon` (the scheduler and triggers without the UI) and `shifttui trigger NAME`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys

from shifttui.base.bus import BusEvent, Notice
from shifttui.base.states import Decision
from shifttui.cli.base import Ctx
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.lease import LeaseInfo, current_lease
from shifttui.scheduling.views import format_decision
from shifttui.system.gc import settle_gc


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser(
        "daemon", help="run the scheduler and triggers without the UI (Ctrl-C or SIGTERM stops)"
    )
    d.set_defaults(func=cmd_daemon)
    t = sub.add_parser(
        "trigger", help="ask the running scheduler (app or daemon) to start a shift on NAME"
    )
    t.add_argument("name", metavar="NAME", help="project name")
    t.add_argument("--reason", help="why (stored on the shift, e.g. 'CI passed on main')")
    t.set_defaults(func=cmd_trigger)


def _line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def cmd_trigger(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.name)
    reason = " ".join(args.reason.split()) if args.reason else None
    now = ctx.clock.now()
    request = await ctx.store.scheduling.request_trigger(
        project.id, now=now, source="cli", reason=reason or None
    )
    _line(f"trigger {request} queued for {project.name}")
    if project.paused or not project.policy.enabled:
        why = "paused" if project.paused else "disabled (policy.enabled is off)"
        print(f"shifttui: {project.name} is {why}: the scheduler will record this trigger as "
              "skipped", file=sys.stderr)
    lease = await current_lease(ctx.store)
    if lease is None or not lease.alive(now):
        print("shifttui: no scheduler is running; the shift starts when `shifttui` or "
              "`shifttui daemon` opens", file=sys.stderr)
    return 0


async def cmd_daemon(args: argparse.Namespace, ctx: Ctx) -> int:
    tz = local_tz()
    from shifttui.runtime.runtime import Runtime  # the SDK is heavy: only when needed

    runtime = Runtime(ctx.store, ctx.home, ctx.settings, kind="daemon", clock=ctx.clock, tz=tz)
    settle_gc()

    def stamp() -> str:
        return ctx.clock.now().astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    def on_decision(decision: Decision) -> None:
        _line(format_decision(decision, tz))

    def on_role(info: LeaseInfo) -> None:
        if info.mine:
            _line(f"{stamp()} scheduler active (pid {info.pid})")
        else:
            _line(f"{stamp()} standing by: the scheduler is held by {info.describe()}")

    def on_event(event: BusEvent) -> None:
        if isinstance(event, Notice) and event.kind != "scheduler":
            _line(f"{stamp()} {event.kind}: {event.title}: {event.message}")

    runtime.bus.subscribe(on_event)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runtime.start(scheduler=True, watch_others=False, on_decision=on_decision, on_role=on_role)
    _line(f"{stamp()} shifttui daemon started (pid {os.getpid()}, home {ctx.home.root})")
    try:
        await stop.wait()
    finally:
        await runtime.stop_scheduler()
        running = runtime.supervisor.running_ids()
        if running:
            _line(f"{stamp()} stopping {len(running)} running shift(s) as interrupted")
        await runtime.close("shifttui daemon stopped")
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    _line(f"{stamp()} shifttui daemon stopped")
    return 0
