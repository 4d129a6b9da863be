"""`shifttui abandon|finish|questions|answer`: act on a shift that any shifttui process runs.

The request goes through the database to the process that owns the shift (the app, `run` or
the daemon), which carries it out within a second; this command prints the outcome.
"""

from __future__ import annotations

import argparse
import sys

from shifttui.base.control import RequestKind
from shifttui.base.errors import InvalidInput
from shifttui.cli.base import Ctx, print_json
from shifttui.cli.fmt import ago, table
from shifttui.review.refs import resolve_shift
from shifttui.shifts.control import send_request


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    a = sub.add_parser("abandon", help="stop a running shift now (no handoff needed)")
    a.add_argument("shift", metavar="SHIFT", help="shift id, unique prefix/suffix, project, last")
    a.add_argument("--reason", default="abandoned from the command line",
                   help="why (recorded on the shift)")
    a.set_defaults(func=cmd_abandon)
    f = sub.add_parser("finish", help="force-complete a running shift: the agent is asked for "
                       "its handoff now, else an auto-drafted one is stored")
    f.add_argument("shift", metavar="SHIFT", help="shift id, unique prefix/suffix, project, last")
    f.set_defaults(func=cmd_finish)
    q = sub.add_parser("questions", help="questions of running agents waiting for an answer")
    q.add_argument("--json", action="store_true", help="a JSON list")
    q.set_defaults(func=cmd_questions)
    n = sub.add_parser("answer", help="answer a waiting question (see `shifttui questions`)")
    n.add_argument("question_id", metavar="QUESTION_ID", help="its id, or a unique prefix")
    n.add_argument("text", metavar="TEXT", nargs="+", help="the answer")
    n.set_defaults(func=cmd_answer)


async def cmd_abandon(args: argparse.Namespace, ctx: Ctx) -> int:
    reason = " ".join(args.reason.split())
    if not reason:
        raise InvalidInput("--reason is empty: say why the shift is abandoned")
    shift = await resolve_shift(ctx.store, args.shift)
    final = await send_request(ctx.store, ctx.clock, shift.id, RequestKind.ABANDON,
                               {"reason": reason}, by="cli", wait_s=15.0)
    print(f"shift {final.id} {final.status.value}")
    return 0


async def cmd_finish(args: argparse.Namespace, ctx: Ctx) -> int:
    shift = await resolve_shift(ctx.store, args.shift)
    project = await ctx.store.projects.get(shift.project_id)

    def accepted() -> None:
        print(f"asked the agent for its handoff; waiting up to "
              f"{project.policy.wrap_up_seconds} s…", file=sys.stderr, flush=True)

    final = await send_request(ctx.store, ctx.clock, shift.id, RequestKind.FINISH, {},
                               by="cli", on_accepted=accepted)
    handoff = await ctx.store.handoffs.for_shift(final.id)
    line = f"shift {final.id} {final.status.value}"
    if handoff is not None:
        line += f" ({handoff.author.value}) — {handoff.summary.splitlines()[0]}"
    print(line)
    return 0 if handoff is not None else 1


async def cmd_questions(args: argparse.Namespace, ctx: Ctx) -> int:
    waiting = await ctx.store.control.waiting()
    names = {p.id: p.name for p in await ctx.store.projects.list()}
    if args.json:
        print_json([q.to_json(names.get(q.project_id)) for q in waiting])
        return 0
    if not waiting:
        print("no question is waiting for an answer")
        return 0
    now = ctx.clock.now()
    print(table(["ID", "PROJECT", "SHIFT", "ASKED", "QUESTION"],
                [[q.id, names.get(q.project_id, q.project_id), q.shift_id, ago(q.asked_at, now),
                  q.question.replace("\n", " ")] for q in waiting]))
    return 0


async def cmd_answer(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.base.errors import StateError

    text = " ".join(args.text).strip()
    if not text:
        raise InvalidInput("the answer is empty")
    question = await ctx.store.control.find_question(args.question_id)
    answered = await ctx.store.control.answer(question.id, text, now=ctx.clock.now(), by="cli")
    if answered is None:
        current = await ctx.store.control.question(question.id)
        raise StateError(f"question {question.id} is no longer waiting "
                         f"({current.status.value.replace('_', ' ')})")
    print(f"answered {question.id}; the agent on {question.project_id} gets it within a second")
    return 0
