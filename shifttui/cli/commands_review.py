"""`shifttui inbox`, `review` and `report`: the morning review from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shifttui.base.errors import InvalidInput
from shifttui.cli import fmt
from shifttui.cli.base import Ctx, print_json
from shifttui.review.inbox import InboxItem, inbox, resolve_target, review, unreviewed_count


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "inbox", help="ended shifts waiting for review, most recently ended first",
        description="Completed, failed, expired and interrupted shifts nobody has reviewed "
        "yet (abandoned ones are left out: you ended those yourself).",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_inbox)

    p = sub.add_parser(
        "review", help="rate a shift 1-5 with a note; the next shift's context includes it",
        description="Rate a shift and take it out of the inbox. The project's latest ratings "
        "and notes go into the context of its next shifts, so a note like 'always run the "
        "tests' reaches the agent.",
    )
    p.add_argument("target", metavar="NAME|SHIFT",
                   help="a project (its most recently ended unreviewed shift), or a shift id, "
                   "a unique prefix or suffix of one, or `last` (any ended shift, even one "
                   "already reviewed)")
    p.add_argument("--rating", "-r", type=_rating, required=True, metavar="N",
                   help="1 (bad) to 5 (excellent)")
    p.add_argument("--note", "-n", default="", metavar="TEXT",
                   help="what the next shift should know or do differently")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "report", help="markdown report of one day's shifts, costs, failures and pauses",
        description="A markdown day report (the local day): per project the shifts with "
        "status, trigger, duration, cost, failure kind and handoff summary; totals against "
        "daily_budget_usd; failures and auto-pauses; how many shifts wait for review.",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_report)


def _rating(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 5") from None
    if not 1 <= value <= 5:
        raise argparse.ArgumentTypeError(f"{value} is not from 1 to 5")
    return value


async def cmd_inbox(args: argparse.Namespace, ctx: Ctx) -> int:
    items = await inbox(ctx.store)
    if args.json:
        print_json([item.to_json() for item in items])
        return 0
    if not items:
        print("nothing to review")
        return 0
    n = len(items)
    print(f"{n} shift{'s' if n != 1 else ''} waiting for review, most recently ended first:\n")
    print(fmt.table(
        ["ID", "PROJECT", "STATUS", "ENDED", "TIME", "COST", "CHECKS", "MERGE", "CHANGES",
         "SUMMARY"],
        [_row(item) for item in items],
    ))
    notes = [f"  {item.shift.id}: {note}" for item in items for note in item.notes]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    print("\nrate one with `shifttui review NAME|SHIFT --rating N --note TEXT`; read one with "
          "`shifttui diff SHIFT`, then `shifttui merge NAME|SHIFT` or `shifttui discard SHIFT`")
    return 0


def _row(item: InboxItem) -> list[str]:
    s = item.shift
    status = s.status.value
    if s.failure_kind is not None:
        status += f":{s.failure_kind.value}"
    checks = {None: "-", True: "passed", False: "FAILED"}[s.checks_passed]
    merged = s.merge_state.value if s.merge_state else "-"
    changes = item.diff.summary() if item.diff is not None else "-"
    return [s.id, item.project.name, status, fmt.local_time(s.ended_at),
            fmt.duration(s.duration_s), fmt.cost(s.cost_usd), checks, merged, changes,
            fmt.first_line(item.title, 60)]


async def cmd_review(args: argparse.Namespace, ctx: Ctx) -> int:
    shift = await resolve_target(ctx.store, args.target)
    before = shift.reviewed_at
    feedback = await review(ctx.store, shift, args.rating, args.note, ctx.clock.now())
    left = await unreviewed_count(ctx.store)
    project = await ctx.store.projects.get(shift.project_id)
    if args.json:
        data = feedback.model_dump(mode="json")
        data.update(project=project.name, unreviewed=left)
        print_json(data)
        return 0
    again = f" (again: first reviewed {fmt.local_time(before)})" if before else ""
    print(f"rated {project.name} shift {shift.id} {feedback.rating}/5{again}"
          + (f": {feedback.note}" if feedback.note else ""))
    print(f"{left} shift{'s' if left != 1 else ''} left to review")
    return 0


async def cmd_report(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.review.report import day_report, parse_day
    from shifttui.scheduling.cron import local_tz

    tz = local_tz()
    day = parse_day(args.date) if args.date is not None else ctx.clock.now().astimezone(tz).date()
    text = await day_report(ctx.store, day, tz, daily_budget_usd=ctx.settings.daily_budget_usd)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_text(Path(args.out), text)
    print(f"wrote the report for {day.isoformat()} to {args.out}")
    return 0


def write_text(path: Path, text: str) -> None:
    """Write via a temporary file, so a failed write never leaves half a file behind."""
    path = path.expanduser()
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
