"""`shifttui prune`: drop old shifts' payloads now and say what that freed."""

from __future__ import annotations

import argparse
from datetime import timedelta

from shifttui.base.text import size
from shifttui.cli.base import Ctx, print_json
from shifttui.runtime.retention import apply_retention


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "prune", help="drop the payloads of shifts that ended long ago (retention_days)",
        description="Drop the stored payloads of shifts that ended more than DAYS ago (default: "
        "the retention_days setting, 90): each event keeps its summary, and every shift, "
        "handoff, cost and verdict stays. The database file shrinks; the first prune of a "
        "database made before shifttui pruned rewrites it once (VACUUM).",
    )
    p.add_argument("--older-than", type=int, metavar="DAYS",
                   help="shifts that ended more than DAYS ago (default: retention_days)")
    p.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_prune)


async def cmd_prune(args: argparse.Namespace, ctx: Ctx) -> int:
    days = args.older_than if args.older_than is not None else ctx.settings.retention_days
    if days < 0:
        raise ValueError("--older-than takes a number of days, 0 or more")
    result = await apply_retention(ctx.store, ctx.home, ctx.clock.now() - timedelta(days=days),
                                   dry_run=args.dry_run, convert=True)
    if args.json:
        print_json({"older_than_days": days, "dry_run": args.dry_run, "shifts": result.shifts,
                    "events": result.events, "payload_bytes": result.payload_bytes,
                    "file_bytes_before": result.file_bytes_before,
                    "file_bytes_after": result.file_bytes_after,
                    "freed_bytes": result.freed_bytes})
        return 0
    verb = "would drop" if args.dry_run else "dropped"
    print(f"{verb} the payloads of {result.events:,} events in {result.shifts:,} shifts that "
          f"ended more than {days} days ago ({size(result.payload_bytes)})")
    if not args.dry_run:
        print(f"database {size(result.file_bytes_before)} → {size(result.file_bytes_after)} "
              f"(freed {size(result.freed_bytes)})")
    return 0
