"""`shifttui usage`: the subscription's plan windows as Claude Code last reported them."""

from __future__ import annotations

import argparse

from shifttui.cli.base import Ctx, print_json
from shifttui.review.plan_usage import gather_usage, usage_lines
from shifttui.scheduling.cron import local_tz


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "usage", help="the plan's 5-hour and weekly windows, as the agent last saw them",
        description="With a subscription (Claude Code's own login or CLAUDE_CODE_OAUTH_TOKEN) "
        "every shift reports the plan's windows: how much of each is used, when it resets, "
        "and whether it warns or refuses. With an API key there are none.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_usage)


async def cmd_usage(args: argparse.Namespace, ctx: Ctx) -> int:
    usage = await gather_usage(ctx.store, ctx.settings)
    if args.json:
        print_json(usage.to_json())
    else:
        print("\n".join(usage_lines(usage, ctx.clock.now(), local_tz())))
    return 0
