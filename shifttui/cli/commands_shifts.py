"""`shifttui shifts`, `handoff`, `context`, `logs`: reading what shifts did."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from shifttui.base.errors import InvalidInput, NotFound
from shifttui.base.models import Handoff, Project, Shift, ShiftEvent, ShiftStatus
from shifttui.base.text import printable
from shifttui.cli.base import Ctx, print_json, print_json_line
from shifttui.cli.views import (
    event_json,
    event_line,
    handoff_json,
    handoff_markdown,
    shift_json,
    shift_table,
)
from shifttui.review.refs import find_project, resolve_shift
from shifttui.store import Store

FOLLOW_POLL_SECONDS = 0.25
_PAGE = 1000

_Show = Callable[[ShiftEvent], None]

REF_HELP = "a shift id, a unique prefix or suffix of one, or `last` (the latest shift)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("shifts", help="recent shifts, newest first")
    p.add_argument("name", nargs="?", metavar="NAME|SHIFT",
                   help="only this project's shifts; or one shift: " + REF_HELP)
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    p.add_argument("--status", choices=[s.value for s in ShiftStatus],
                   help="only shifts with this status")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_shifts)

    p = sub.add_parser("handoff", help="a handoff as markdown: a project's latest, or a shift's")
    p.add_argument("target", metavar="NAME|SHIFT",
                   help="a project (its latest handoff) or a shift: " + REF_HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_handoff)

    p = sub.add_parser("context", help="the context the next shift on a project would get")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_context)

    p = sub.add_parser("logs", help="a shift's events, one line each")
    p.add_argument("shift_id", metavar="SHIFT",
                   help="a shift: " + REF_HELP + " (a project: its latest shift)")
    p.add_argument("--tail", type=int, metavar="N", help="only the last N events")
    p.add_argument("--follow", "-f", action="store_true",
                   help="keep printing new events until the shift has ended")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_logs)


async def cmd_shifts(args: argparse.Namespace, ctx: Ctx) -> int:
    if args.limit < 1:
        raise InvalidInput("--limit must be at least 1")
    project_id = None
    status = ShiftStatus(args.status) if args.status else None
    if args.name is not None:
        project = await find_project(ctx.store, args.name)
        if project is None:
            # Not a project: one shift, named the way `logs` and `handoff` name them.
            return await _one_shift(args, ctx, await resolve_shift(ctx.store, args.name))
        project_id = project.id
    shifts = await ctx.store.shifts.list(project_id, limit=args.limit, status=status)
    names = {p.id: p.name for p in await ctx.store.projects.list()}
    if args.json:
        print_json([shift_json(s, names.get(s.project_id)) for s in shifts])
    elif not shifts:
        print("no shifts" + (f" with status {args.status}" if status else "")
              + (f" on {args.name}" if args.name else "") + " yet")
    else:
        print(shift_table(shifts, names, ctx.clock.now()))
    return 0


async def _one_shift(args: argparse.Namespace, ctx: Ctx, shift: Shift) -> int:
    if args.status is not None and shift.status.value != args.status:
        raise InvalidInput(f"shift {shift.id} is {shift.status.value}, not {args.status}")
    project = await ctx.store.projects.get(shift.project_id)
    names = {project.id: project.name}
    if args.json:
        print_json([shift_json(shift, project.name)])
    else:
        print(shift_table([shift], names, ctx.clock.now()))
    return 0


async def cmd_handoff(args: argparse.Namespace, ctx: Ctx) -> int:
    handoff, shift = await _find_handoff(ctx.store, args.target)
    project = await ctx.store.projects.get(handoff.project_id)
    if args.json:
        data = handoff_json(handoff, project.name)
        data["shift_status"] = shift.status.value
        print_json(data)
    else:
        print(handoff_markdown(handoff, project.name, shift))
    return 0


async def _latest_handed_off(store: Store, project: Project) -> Shift:
    """A project name means its latest handoff, which may be older than its latest shift."""
    latest = await store.handoffs.latest(project.id)
    if latest is None:
        raise NotFound(f"{project.name} has no handoff yet (see `shifttui shifts "
                       f"{project.name}`)")
    return await store.shifts.get(latest.shift_id)


async def _find_handoff(store: Store, target: str) -> tuple[Handoff, Shift]:
    shift = await resolve_shift(store, target, pick=_latest_handed_off)
    handoff = await store.handoffs.for_shift(shift.id)
    if handoff is None:
        why = shift.status.value
        if shift.failure_kind:
            why += f", {shift.failure_kind.value}"
        if shift.error:
            why += f": {shift.error}"
        raise NotFound(f"shift {shift.id} has no handoff ({why})")
    return handoff, shift


async def cmd_context(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.shifts.context import build_context
    from shifttui.shifts.isolation import preview

    project = await ctx.store.projects.get(args.name)
    # As the next shift would see it: the work repository, without preparing anything.
    seen, note = await preview(ctx.home.root, project)
    text = await build_context(ctx.store, seen, now=ctx.clock.now(), git_note=note)
    text = printable(text)  # the context quotes handoffs and files the agent wrote
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


async def cmd_logs(args: argparse.Namespace, ctx: Ctx) -> int:
    if args.tail is not None and args.tail < 1:
        raise InvalidInput("--tail must be at least 1")
    shift = await resolve_shift(ctx.store, args.shift_id)
    show = _printer(args.json)
    if args.tail is not None:
        events = await ctx.store.events.tail(shift.id, args.tail)
        last = _show_all(events, show, 0)
    else:
        last = await _drain(ctx.store, shift.id, 0, show)
    if args.follow:
        await _follow(ctx.store, shift, last, show)
    return 0


def _printer(as_json: bool) -> _Show:
    if as_json:
        return lambda e: print_json_line(event_json(e))

    def line(event: ShiftEvent) -> None:
        print(event_line(event), flush=True)

    return line


def _show_all(events: list[ShiftEvent], show: _Show, last: int) -> int:
    for event in events:
        show(event)
        last = event.seq
    return last


async def _drain(store: Store, shift_id: str, last: int, show: _Show) -> int:
    """Print every event after seq `last`; the new last seq."""
    while True:
        events = await store.events.read(shift_id, last + 1, _PAGE)
        last = _show_all(events, show, last)
        if len(events) < _PAGE:
            return last


async def _follow(store: Store, shift: Shift, last: int, show: _Show) -> None:
    # Another process writes the events; SQLite cannot notify us, so poll.
    while not shift.status.ended:
        await asyncio.sleep(FOLLOW_POLL_SECONDS)
        last = await _drain(store, shift.id, last, show)
        shift = await store.shifts.get(shift.id)
    # Events committed just before the status changed.
    await _drain(store, shift.id, last, show)
