"""`shifttui diff`, `merge` and `discard`: the morning review acts on isolated shifts."""

from __future__ import annotations

import argparse
import sys

from shifttui.base.models import Shift
from shifttui.base.text import printable
from shifttui.cli.base import Ctx, print_json
from shifttui.cli.views import shift_json
from shifttui.review.inbox import shift_diff
from shifttui.review.merge import discard, merge
from shifttui.review.refs import find_project, resolve_shift

REF = "a shift id, a unique prefix or suffix of one, or `last`"
_COLOURS = (("+++", "1"), ("---", "1"), ("diff --git", "1;36"), ("@@", "36"), ("+", "32"),
            ("-", "31"))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("diff", help="a shift's own changes (its range of commits)",
                       description="The diff of one shift: on an isolated project its own "
                       "commits on the work branch, whatever came before or after it.")
    p.add_argument("shift", metavar="SHIFT", help=REF + " (a project: its latest shift)")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the diff (default: when stdout is a terminal)")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "merge", help="merge a project's unmerged shifts into your checkout's branch",
        description="Merge every unmerged shift of the project, oldest first (or up to and "
        "including SHIFT), into the branch your checkout is on. A merge that would conflict, "
        "or change a file with your uncommitted changes, is refused and changes nothing; "
        "your uncommitted edits in other files stay.")
    p.add_argument("target", metavar="NAME|SHIFT", help="a project, or a shift: " + REF)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "discard", help="drop a shift's commits from the work branch",
        description="Drop the shift's changes from the project's work branch; later unmerged "
        "shifts are replayed over the gap. Refused (and nothing changes) when that cannot be "
        "done cleanly, when the shift is merged already, or while a shift is running.")
    p.add_argument("shift", metavar="SHIFT", help=REF)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_discard)


def colour_diff(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        code = next((c for prefix, c in _COLOURS if line.startswith(prefix)), None)
        out.append(f"\x1b[{code}m{line.rstrip(chr(10))}\x1b[0m\n" if code else line)
    return "".join(out)


async def cmd_diff(args: argparse.Namespace, ctx: Ctx) -> int:
    shift = await resolve_shift(ctx.store, args.shift)
    # The diff is the agent's text: no terminal controls of its own reach the terminal.
    text = printable(await shift_diff(ctx.store, shift))
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(colour_diff(text) if colour else text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    return 0


async def cmd_merge(args: argparse.Namespace, ctx: Ctx) -> int:
    project = await find_project(ctx.store, args.target)
    upto: Shift | None = None
    if project is None:
        upto = await resolve_shift(ctx.store, args.target)
        project = await ctx.store.projects.get(upto.project_id)
    result = await merge(ctx.store, ctx.home.root, project, upto)
    if args.json:
        print_json({"project": project.name, "branch": result.branch, "commit": result.commit,
                    "fast_forward": result.fast_forward,
                    "merged": [shift_json(s, project.name) for s in result.shifts]})
    else:
        print(result.describe())
    return 0


async def cmd_discard(args: argparse.Namespace, ctx: Ctx) -> int:
    shift = await resolve_shift(ctx.store, args.shift)
    project = await ctx.store.projects.get(shift.project_id)
    later = await discard(ctx.store, ctx.home.root, shift)
    if args.json:
        print_json({"project": project.name, "discarded": shift.id,
                    "replayed": [shift_json(s, project.name) for s in later]})
        return 0
    print(f"discarded shift {shift.id} of {project.name}"
          + (f"; {len(later)} later shift{'s' if len(later) != 1 else ''} replayed over it"
             if later else ""))
    return 0
