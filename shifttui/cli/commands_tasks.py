"""`shifttui task add|list|done|drop|edit|import`: the operator's task queue per project.

Shifts see a project's open tasks at the head of their context, take the top one, and close
it with `complete_shift`'s `tasks_done`; these commands are the operator's side.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shifttui.base.tasks import Task, TaskInput, TaskStatus
from shifttui.cli.base import Ctx, print_json
from shifttui.cli.fmt import ago, first_line, table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    task = sub.add_parser("task", help="the operator's tasks for a project's shifts")
    tsub = task.add_subparsers(dest="task_command", metavar="ACTION", required=True)

    a = tsub.add_parser("add", help="add a task (shifts take the top open one)")
    a.add_argument("project", metavar="NAME", help="the project")
    a.add_argument("title", metavar="TITLE", help="what to do, in one line")
    _task_flags(a)
    a.add_argument("--json", action="store_true", help="print the task as a JSON object")
    a.set_defaults(func=cmd_add)

    ls = tsub.add_parser("list", help="open tasks, highest priority first")
    ls.add_argument("project", metavar="NAME", nargs="?", help="one project (default: all)")
    ls.add_argument("--all", action="store_true", help="include done and dropped tasks")
    ls.add_argument("--json", action="store_true", help="a JSON list")
    ls.set_defaults(func=cmd_list)

    for name, status, what in (("done", TaskStatus.DONE, "mark a task done by hand"),
                               ("drop", TaskStatus.DROPPED, "drop a task nobody should do")):
        c = tsub.add_parser(name, help=what)
        c.add_argument("project", metavar="NAME", help="the project")
        c.add_argument("number", metavar="ID", type=_number, help="the task's number")
        c.add_argument("--json", action="store_true", help="print the task as a JSON object")
        c.set_defaults(func=cmd_close, status=status)

    e = tsub.add_parser("edit", help="change a task's title, body, priority or lists")
    e.add_argument("project", metavar="NAME", help="the project")
    e.add_argument("number", metavar="ID", type=_number, help="the task's number")
    e.add_argument("--title", help="a new title")
    _task_flags(e, editing=True)
    e.add_argument("--reopen", action="store_true", help="open a done or dropped task again")
    e.add_argument("--json", action="store_true", help="print the task as a JSON object")
    e.set_defaults(func=cmd_edit)

    i = tsub.add_parser("import", help="add the tasks of a day file (YAML or TOML), all or "
                        "none")
    i.add_argument("file", metavar="FILE", type=Path, help="e.g. tasks/2025-11-18.yaml")
    i.add_argument("--json", action="store_true", help="a JSON object: added and skipped")
    i.set_defaults(func=cmd_import)


def _number(text: str) -> int:
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a task number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("task numbers start at 1")
    return value


def _task_flags(parser: argparse.ArgumentParser, *, editing: bool = False) -> None:
    parser.add_argument("--body", metavar="TEXT", help="the details: what, why, how to check")
    parser.add_argument("--priority", metavar="N",
                        help="higher goes first (default 0); or high, medium, low")
    parser.add_argument("--context-file", metavar="GLOB", action="append", dest="context_files",
                        help="a file (glob) whose contents the shift gets with the task "
                        "(repeatable)" + ("; replaces the list" if editing else ""))
    parser.add_argument("--deliverable", metavar="PATH", action="append", dest="deliverables",
                        help="a file the task must produce, checked against the shift's "
                        "changes (repeatable)" + ("; replaces the list" if editing else ""))
    if editing:
        parser.add_argument("--no-context-files", action="store_true",
                            help="empty the context files")
        parser.add_argument("--no-deliverables", action="store_true",
                            help="empty the deliverables")


def _line(task: Task, project: str) -> str:
    return f"{project} task #{task.number} ({task.status.value}): {task.title}"


def _show(task: Task, project: str, as_json: bool) -> None:
    if as_json:
        print_json(task.to_json(project))
    else:
        print(_line(task, project))


async def cmd_add(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.project)
    fields: dict[str, object] = {"title": args.title}
    for name in ("body", "priority", "context_files", "deliverables"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    task = await ctx.store.tasks.add(project.id, TaskInput.model_validate(fields),
                                     ctx.clock.now())
    _show(task, project.name, args.json)
    return 0


async def cmd_list(args: argparse.Namespace, ctx: Ctx) -> int:
    names = {p.id: p.name for p in await ctx.store.projects.list()}
    project_id = (await ctx.store.projects.get(args.project)).id if args.project else None
    statuses = tuple(TaskStatus) if args.all else (TaskStatus.OPEN,)
    tasks = await ctx.store.tasks.list(project_id, statuses=statuses)
    if args.json:
        print_json([t.to_json(names.get(t.project_id)) for t in tasks])
        return 0
    if not tasks:
        where = f" for {names.get(project_id, project_id)}" if project_id else ""
        print(f"no {'' if args.all else 'open '}task{where} "
              "(add one with `shifttui task add NAME TITLE`)")
        return 0
    now = ctx.clock.now()
    rows = []
    for t in tasks:
        status = t.status.value
        if t.done_by_shift:
            status += f" by {t.done_by_shift}"
        if t.missing_deliverables:
            status += f" ({len(t.missing_deliverables)} deliverable(s) missing)"
        rows.append([names.get(t.project_id, t.project_id), f"#{t.number}", str(t.priority),
                     status, ago(t.created_at, now), first_line(t.title, 100)])
    print(table(["PROJECT", "ID", "PRI", "STATUS", "ADDED", "TITLE"], rows))
    return 0


async def cmd_close(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.project)
    task = await ctx.store.tasks.close(project.id, args.number, args.status, ctx.clock.now())
    _show(task, project.name, args.json)
    return 0


async def cmd_edit(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await ctx.store.projects.get(args.project)
    task = await ctx.store.tasks.get(project.id, args.number)
    fields = task.model_dump(include=set(TaskInput.model_fields))
    for name in ("title", "body", "priority", "context_files", "deliverables"):
        if getattr(args, name, None) is not None:
            fields[name] = getattr(args, name)
    if args.no_context_files:
        fields["context_files"] = []
    if args.no_deliverables:
        fields["deliverables"] = []
    task = await ctx.store.tasks.edit(project.id, args.number, TaskInput.model_validate(fields))
    if args.reopen and task.status is not TaskStatus.OPEN:
        task = await ctx.store.tasks.reopen(project.id, args.number)
    _show(task, project.name, args.json)
    return 0


async def cmd_import(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.shifts.dayfile import import_day_file

    result = await import_day_file(ctx.store, args.file, ctx.clock.now())
    names = {p.id: p.name for p in await ctx.store.projects.list()}
    if args.json:
        print_json({"added": [t.to_json(names.get(t.project_id)) for t in result.added],
                    "skipped": [{"ref": s.ref, "project": s.project, "title": s.task.title}
                                for s in result.skipped],
                    "notes": result.notes})
        return 0
    for task in result.added:
        print("added " + _line(task, names.get(task.project_id, task.project_id)))
    for skipped in result.skipped:
        print(f"skipped {skipped.where}: imported before ({skipped.project})")
    for note in result.notes:
        print(f"note: {note}")
    print(f"{len(result.added)} added, {len(result.skipped)} already there")
    return 0
