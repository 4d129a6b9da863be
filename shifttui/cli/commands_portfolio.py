"""`shifttui export` and `shifttui import`: the portfolio (projects and policies) as TOML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shifttui.base.errors import InvalidInput
from shifttui.cli.base import Ctx
from shifttui.cli.commands_review import write_text
from shifttui.review.portfolio import export_portfolio, import_portfolio
from shifttui.system.paths import is_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export", help="the portfolio (projects, policies, paused state) as TOML",
        description="Write every project with its policy and paused state as TOML, for "
        "another machine or a dotfiles repository. Paths under your home are written as ~/…. "
        "Policy env values are included as they are: keep the file private. Shift history "
        "is not exported.",
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import", help="add or update projects from a TOML portfolio (all or nothing)",
        description="Read a portfolio written by `shifttui export`. Every project and policy "
        "is validated before anything changes; one bad field and nothing is imported. A "
        "project that already exists (same name) is UPDATED to the file's path, policy and "
        "paused state (its shift history is kept); projects not in the file are left alone; "
        "a path that does not exist yet is accepted with a note.",
    )
    p.add_argument("file", metavar="FILE", help="the TOML file ('-' reads stdin)")
    p.set_defaults(func=cmd_import)


async def cmd_export(args: argparse.Namespace, ctx: Ctx) -> int:
    text = await export_portfolio(ctx.store)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_text(Path(args.out), text)
    n = len(await ctx.store.projects.list())
    print(f"exported {n} project{'s' if n != 1 else ''} to {args.out}")
    return 0


async def cmd_import(args: argparse.Namespace, ctx: Ctx) -> int:
    source = args.file
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).expanduser().read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidInput(f"{source}: no such file") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{source}: not a UTF-8 text file") from None
        except OSError as exc:
            raise InvalidInput(f"{source}: cannot read ({exc.strerror or exc})") from None
    result = await import_portfolio(ctx.store, text, source, ctx.clock.now())
    projects = {p.id: p for p in await ctx.store.projects.list()}
    parts = []
    if result.added:
        parts.append("added " + ", ".join(projects[i].name for i in result.added))
    if result.updated:
        parts.append("updated " + ", ".join(projects[i].name for i in result.updated))
    print(f"imported from {source}: " + ("; ".join(parts) if parts else "no projects in it"))
    for pid in [*result.added, *result.updated]:
        if not is_dir(Path(projects[pid].path)):
            print(f"note: {projects[pid].name}: {projects[pid].path} is not a directory here "
                  "yet; shifts on it fail until it is")
    return 0
