"""`shifttui status` (what runs, who schedules, what Claude Code would run with) and
`shifttui decisions` (why a shift did or did not fire)."""

from __future__ import annotations

import argparse

from shifttui.base.errors import InvalidInput
from shifttui.cli import fmt
from shifttui.cli.base import Ctx, print_json
from shifttui.review.plan_usage import plan_line
from shifttui.review.status import Status, gather_status
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.views import SchedulerRole, format_decision


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "status", help="who holds the scheduler, running shifts, the agent CLI, next fires",
        description="One screen of facts: the scheduler's holder, running shifts and the "
        "processes that own them, the home and database, the Claude Code CLI shifts run and "
        "its version, the kind of credentials it finds (never the secret), bubblewrap, and "
        "the next scheduled runs.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "decisions", help="the scheduler's recent decisions and their reasons, newest first",
        description="Every run the scheduler fired, skipped or deferred, with why: answers "
        "'why didn't my shift fire?'.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="only this project's decisions")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_decisions)


async def cmd_status(args: argparse.Namespace, ctx: Ctx) -> int:
    tz = local_tz()
    status = await gather_status(ctx.store, ctx.home, ctx.settings, ctx.clock.now(), tz)
    if args.json:
        print_json(status.to_json())
    else:
        print(status_text(status))
    return 0


def status_text(status: Status) -> str:
    agent = status.agent
    cli = f"{agent.cli} ({agent.cli_source}), {agent.cli_version}" if agent.cli else (
        agent.cli_problem or "not found")
    auth = agent.auth
    if status.auth_overrides:
        auth += "; the policy env of " + ", ".join(
            f"{name} sets {'/'.join(found)}" for name, found in status.auth_overrides.items())
    lines = [fmt.pairs([
        ("home", str(status.home.root)),
        ("database", str(status.home.db_path)),
        ("scheduler", _scheduler(status)),
        ("budget", status.scheduler.budget.describe()),
        ("agent CLI", cli),
        ("auth", auth),
        *([("plan", plan_line(status.plan, status.now))] if status.plan else []),
        ("bubblewrap", agent.bwrap or "not found (Claude Code's sandbox for Bash needs it)"),
        *([("telegram", _telegram(status))] if status.telegram_configured else []),
    ], indent="")]
    lines.append("")
    if status.running:
        lines.append(f"running shifts ({len(status.running)}):")
        lines.append(_indent(fmt.table(
            ["ID", "PROJECT", "STARTED", "COST", "OWNER"],
            [[r.shift.id, r.project, fmt.ago(r.shift.started_at, status.now),
              fmt.cost(r.shift.cost_usd),
              r.owner + ("" if r.owner_alive else ", gone: recovery marks it interrupted")]
             for r in status.running])))
    else:
        lines.append("running shifts: none")
    if status.next_fires:
        lines.append("next fires:")
        lines.append(_indent(fmt.table(
            ["WHEN", "PROJECT", "SCHEDULE"],
            [[fmt.local_time(f.at), f.project, f.schedule] for f in status.next_fires])))
    else:
        lines.append("next fires: none (no enabled, unpaused project has a schedule)")
    return "\n".join(lines)


def _scheduler(status: Status) -> str:
    state = status.scheduler
    if state.role is not SchedulerRole.OFF and state.lease is not None:
        lease = state.lease
        return (f"shifttui {lease.kind}, pid {lease.pid} on {lease.host} "
                f"(heartbeat {fmt.ago(lease.heartbeat_at, status.now)})")
    off = "off: nothing fires until `shifttui` or `shifttui daemon` runs"
    return off + (f" (last held by {status.last_holder})" if status.last_holder else "")


def _telegram(status: Status) -> str:
    state = status.telegram
    if state is None:
        return "configured; starts with the scheduler's holder"
    since = fmt.ago(state.updated_at, status.now)
    if state.ok:
        return f"connected (pid {state.pid}, {since})"
    last = f"; last worked {fmt.ago(state.last_ok_at, status.now)}" if state.last_ok_at else ""
    return f"failing, retrying: {state.detail} (pid {state.pid}, {since}{last})"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


async def cmd_decisions(args: argparse.Namespace, ctx: Ctx) -> int:
    if args.limit < 1:
        raise InvalidInput("--limit must be at least 1")
    project = await ctx.store.projects.get(args.name) if args.name is not None else None
    decisions = await ctx.store.scheduling.decisions(
        project.id if project else None, limit=args.limit)
    if args.json:
        print_json([d.model_dump(mode="json") for d in decisions])
        return 0
    if not decisions:
        where = f" about {project.name}" if project else ""
        why = ""
        if project is not None and not project.policy.schedule:
            why = f" ({project.name} has no schedule; `shifttui trigger` or a trigger starts it)"
        print(f"no scheduler decisions{where} yet{why}")
        return 0
    tz = local_tz()
    for decision in decisions:
        print(format_decision(decision, tz))
    return 0
