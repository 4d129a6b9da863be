"""`shifttui project add|list|show|set|pause|resume|remove`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from shifttui.base.errors import InvalidInput, StateError
from shifttui.base.models import Policy, Project, Shift, slugify, validate_project_name
from shifttui.cli import fmt
from shifttui.cli.base import Ctx, print_json
from shifttui.cli.policy_flags import add_policy_flags, apply_policy_flags
from shifttui.cli.views import print_project, project_details, project_json, shift_json
from shifttui.store import Store
from shifttui.system import workrepo
from shifttui.system.workrepo import work_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "project", help="add, list, show, change, pause and remove projects",
        description="Manage the projects shifts run on.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="add a project (a directory)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("path", metavar="PATH", help="the project's directory")
    add_policy_flags(p, editing=False)
    _json_flag(p)
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="every project, its state and last shift")
    _json_flag(p)
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("show", help="a project's policy, recent shifts and latest handoff")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--shifts", type=int, default=10, metavar="N",
                   help="how many recent shifts to show (default 10)")
    _json_flag(p)
    p.set_defaults(func=cmd_show)

    p = actions.add_parser("set", help="change a project's policy or path")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--path", dest="new_path", metavar="PATH", help="move the project")
    add_policy_flags(p, editing=True)
    _json_flag(p)
    p.set_defaults(func=cmd_set)

    p = actions.add_parser("pause", help="no scheduled or triggered shifts until resumed")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--reason", help="why (shown in the list)")
    p.set_defaults(func=cmd_pause)

    p = actions.add_parser("resume", help="undo pause (also resets the failure count)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_resume)

    p = actions.add_parser(
        "remove", help="forget a project and its shift history (asks first)",
        description="Delete the project and, with it, its shifts, handoffs, events, reviews and "
        "scheduler decisions from the database. The project's directory is never touched. "
        "Asks for confirmation on a terminal; elsewhere give --yes.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_remove)


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def project_path(value: str) -> str:
    """The absolute, resolved path of an existing directory."""
    path = Path(value).expanduser()
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InvalidInput(f"path {value}: no such directory") from None
    if not resolved.is_dir():
        raise InvalidInput(f"path {value}: not a directory")
    return str(resolved)


async def _check_after(store: Store, policy: Policy, args: argparse.Namespace,
                       self_id: str) -> Policy:
    """`--after` names existing projects (stored by their canonical name), never itself."""
    given = getattr(args, "policy__triggers__after", None)
    if not given:
        return policy
    names = []
    for name in policy.triggers.after:
        if slugify(name) == self_id:
            raise InvalidInput(f"--after {name}: a project cannot trigger itself")
        other = await store.projects.get(name)
        if other.id == self_id:
            raise InvalidInput(f"--after {name}: a project cannot trigger itself")
        names.append(other.name)
    policy.triggers.after = list(dict.fromkeys(names))
    return policy


async def cmd_add(args: argparse.Namespace, ctx: Ctx) -> int:
    try:
        name = validate_project_name(args.name)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    path = project_path(args.path)
    policy = apply_policy_flags(Policy(), args, editing=False)
    policy = await _check_after(ctx.store, policy, args, slugify(name))
    project = await ctx.store.projects.add(name, path, policy, ctx.clock.now())
    if args.json:
        print_json(project_json(project))
    else:
        print(f"added project {project.name} (id {project.id}) at {project.path}")
        if project.policy.schedule:
            runs = fmt.next_fires(project.policy.schedule, ctx.clock.now(), 1)
            print(f"schedule {project.policy.schedule}: next shift {runs[0]}"
                  + ("" if project.policy.enabled else " (disabled)"))
    return 0


async def cmd_list(args: argparse.Namespace, ctx: Ctx) -> int:
    projects = await ctx.store.projects.list()
    latest = await ctx.store.shifts.latest_per_project()
    active: list[Shift] = await ctx.store.shifts.running()
    running = {s.project_id: s for s in active}
    if args.json:
        out = []
        for p in projects:
            data = project_json(p)
            last = latest.get(p.id)
            data["last_shift"] = shift_json(last, p.name) if last else None
            data["running_shift_id"] = running[p.id].id if p.id in running else None
            out.append(data)
        print_json(out)
        return 0
    if not projects:
        print("no projects yet: add one with `shifttui project add NAME PATH`")
        return 0
    now = ctx.clock.now()
    rows = [
        [p.name, _state(p, running.get(p.id)), _schedule(p, now),
         f"{fmt.duration(p.policy.max_duration_minutes * 60)} "
         f"{fmt.cost(p.policy.max_budget_usd)}",
         _last(latest.get(p.id), now), p.path]
        for p in projects
    ]
    print(fmt.table(["NAME", "STATE", "SCHEDULE", "LIMITS", "LAST SHIFT", "PATH"], rows))
    return 0


def _state(project: Project, running: Shift | None) -> str:
    if running is not None:
        return "running"
    if project.paused:
        return "paused"
    return "active" if project.policy.enabled else "disabled"


def _schedule(project: Project, now: Any) -> str:
    expr = project.policy.schedule
    if not expr:
        return "-"
    if project.paused or not project.policy.enabled:
        return expr
    return f"{expr} (next {fmt.next_fires(expr, now, 1)[0]})"


def _last(shift: Shift | None, now: Any) -> str:
    if shift is None:
        return "never"
    what = shift.failure_kind.value if shift.failure_kind else shift.status.value
    return f"{what} {fmt.cost(shift.cost_usd)} {fmt.ago(shift.started_at, now)}"


async def cmd_show(args: argparse.Namespace, ctx: Ctx) -> int:
    if args.shifts < 0:
        raise InvalidInput("--shifts must be 0 or more")
    project = await ctx.store.projects.get(args.name)
    work = work_path(ctx.home.root, project.id)
    details = await project_details(ctx.store, project, args.shifts, ctx.clock.now(),
                                    str(work) if work.is_dir() else None)
    if args.json:
        print_json(details)
    else:
        print_project(project, details, ctx.clock.now())
    return 0


async def cmd_set(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.name)
    policy = apply_policy_flags(project.policy, args, editing=True)
    policy = await _check_after(ctx.store, policy, args, project.id)
    new_path = project_path(args.new_path) if args.new_path is not None else None
    changes = _diff(project.policy.model_dump(mode="json"), policy.model_dump(mode="json"))
    if new_path is not None and new_path != project.path:
        changes.append(f"path {project.path} → {new_path}")
    if not changes and not _any_flag_given(args):
        raise InvalidInput("nothing to change: give a policy flag or --path "
                           "(see `shifttui project set --help`)")
    if policy != project.policy:
        project = await ctx.store.projects.update_policy(project.id, policy,
                                                           ctx.clock.now())
    if new_path is not None and new_path != project.path:
        project = await ctx.store.projects.update_path(project.id, new_path)
    if args.json:
        print_json(project_json(project))
    elif changes:
        print(f"updated {project.name}: " + "; ".join(changes))
    else:
        print(f"{project.name}: already so, nothing changed")
    return 0


def _any_flag_given(args: argparse.Namespace) -> bool:
    for key, value in vars(args).items():
        if key.startswith("policy__") and value is not None:
            return True
        if (key.startswith("clear_") or key == "no_cron") and value:
            return True
    return args.new_path is not None


def _diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in new.items():
        before = old.get(key)
        # Nested models are compared field by field; mcp_servers and env only by their keys
        # (env values are often secrets).
        if isinstance(value, dict) and isinstance(before, dict) and key == "triggers":
            out.extend(_diff(before, value, f"{prefix}{key}."))
        elif before != value:
            out.append(f"{prefix}{key} {_short(before)} → {_short(value)}")
    return out


def _short(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return fmt.first_line(str(value), 40) if isinstance(value, str) else str(value)


async def cmd_pause(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.name)
    reason = (args.reason or "").strip() or None
    await ctx.store.projects.set_paused(project.id, True, reason, ctx.clock.now())
    print(f"paused {project.name}" + (f": {reason}" if reason else ""))
    return 0


async def cmd_resume(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.name)
    await ctx.store.projects.set_paused(project.id, False, None, ctx.clock.now())
    print(f"resumed {project.name}" + ("" if project.paused else " (it was not paused)"))
    return 0


async def cmd_remove(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.name)
    running = await ctx.store.shifts.running_for(project.id)
    if running is not None:
        # Before asking: no point confirming what cannot be done.
        raise StateError(f"project {project.name} has a running shift ({running.id}); "
                         "abandon it before removing the project")
    history = history_words(await ctx.store.projects.history_counts(project.id))
    deletes = f"deletes {history}" if history else "deletes no history (it has none yet)"
    if unmerged := await ctx.store.shifts.unmerged(project.id):
        deletes += (f", and the work branch with {len(unmerged)} unmerged shift"
                    f"{'s' if len(unmerged) != 1 else ''}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"removing {project.name} {deletes}; confirm with "
                               f"`shifttui project remove {project.name} --yes`")
        # The question goes to stderr, so `remove ... > file` still shows it.
        sys.stderr.write(f"Removing {project.name} {deletes}; its directory {project.path} "
                         "is not touched. Remove it? [y/N] ")
        sys.stderr.flush()
        answer = await asyncio.to_thread(sys.stdin.readline)
        if answer.strip().lower() not in ("y", "yes"):
            print(f"kept {project.name}: nothing removed")
            return 1
    await ctx.store.projects.remove(project.id)
    # Its work repository goes too (unmerged shifts' commits with it: the user confirmed).
    work = " and its work branch" if await workrepo.remove(work_path(ctx.home.root,
                                                                     project.id)) else ""
    print(f"removed project {project.name}" + (f" and {history}" if history else "")
          + work + " (the directory is untouched)")
    return 0


def history_words(counts: dict[str, int]) -> str:
    """"its 3 shifts, 2 handoffs and 140 events"; empty when there is nothing."""
    nouns = {"shifts": "shift", "handoffs": "handoff", "events": "event", "reviews": "review",
             "decisions": "scheduler decision"}
    parts = [f"{n:,} {nouns[key]}{'s' if n != 1 else ''}" for key, n in counts.items() if n]
    if not parts:
        return ""
    return "its " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])
