"""Deterministic sample data for the TUI tests and snapshots: fixed ids, times and texts."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import shifttui.store.shifts as shifts_module
from shifttui.base.models import (
    Author,
    EventKind,
    FailureKind,
    HandoffInput,
    Policy,
    Shift,
    ShiftEvent,
    TestResult,
    Trigger,
)
from shifttui.store import Store
from shifttui.system.procs import process_token

NOW = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True, env=GIT_ENV)
    (path / "README.md").write_text("# sample\n")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=GIT_ENV)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True, env=GIT_ENV)
    return path


@contextmanager
def fixed_shift_ids() -> Iterator[None]:
    counter = itertools.count(1)
    original = shifts_module.new_shift_id

    def make(now: datetime) -> str:
        return now.strftime("%Y%m%d-%H%M%S-") + f"{next(counter):06x}"

    shifts_module.new_shift_id = make
    try:
        yield
    finally:
        shifts_module.new_shift_id = original


def _events(shift: Shift, start: datetime, lines: list[tuple[EventKind, str]]) -> list[ShiftEvent]:
    return [
        ShiftEvent(shift_id=shift.id, seq=i + 1, ts=start + timedelta(seconds=7 * i), kind=kind,
                   summary=text)
        for i, (kind, text) in enumerate(lines)
    ]


LOG = [
    (EventKind.SYSTEM, "session started (model claude-sonnet-4-5)"),
    (EventKind.TEXT, "Reading the last handoff: the parser rewrite is half done."),
    (EventKind.TOOL_USE, "Read src/parser.py"),
    (EventKind.TOOL_RESULT, "412 lines"),
    (EventKind.THINKING, "The tokenizer still emits the old token kinds; fix that first."),
    (EventKind.TOOL_USE, "Edit src/tokenizer.py (+18 −6)"),
    (EventKind.TOOL_RESULT, "ok"),
    (EventKind.TOOL_USE, "Bash: git push origin main"),
    (EventKind.VIOLATION, "git push* is denied by the policy"),
    (EventKind.OPERATOR, "force-complete requested"),
    (EventKind.TOOL_USE, "Bash: pytest -q tests/test_parser.py"),
    (EventKind.TOOL_RESULT, "14 passed in 0.41s"),
    (EventKind.RESULT, "turn ended: 9 turns, $0.84"),
]


async def _shift(store: Store, project_id: str, start: datetime, minutes: float,
                 trigger: Trigger = Trigger.MANUAL) -> Shift:
    return await store.shifts.claim(
        project_id, trigger=trigger, now=start, deadline=start + timedelta(minutes=minutes),
        owner_pid=os.getpid(), owner_token=process_token(),
    )


SHOWN_ROOT = "/home/dev/src"


async def show_fixed_paths(store: Store) -> None:
    """Snapshots must not show the test's tmp dir: point the projects at fixed paths."""
    for project in await store.projects.list():
        await store.projects.update_path(project.id, f"{SHOWN_ROOT}/{project.name}")


async def seed(store: Store, root: Path, *, running: bool = True) -> None:
    """Three projects: alpha (history, schedule), beta (paused, failing), gamma (running)."""
    with fixed_shift_ids():
        alpha = await store.projects.add(
            "alpha", str(git_repo(root / "alpha")),
            Policy(schedule="0 12 * * *", max_budget_usd=5, max_duration_minutes=60,
                   test_command="pytest -q", context_files=["TODO.md"]),
            NOW - timedelta(days=3),
        )
        beta_dir = root / "beta"
        beta_dir.mkdir(parents=True, exist_ok=True)
        beta = await store.projects.add(
            "beta", str(beta_dir), Policy(max_budget_usd=2, max_duration_minutes=30),
            NOW - timedelta(days=2),
        )
        gamma = await store.projects.add(
            "gamma", str(git_repo(root / "gamma")), Policy(enabled=False),
            NOW - timedelta(days=1),
        )

        # alpha: completed (agent), failed, completed (forced, operator handoff)
        t = NOW - timedelta(days=1, hours=2)
        s1 = await _shift(store, alpha.id, t, 60, Trigger.SCHEDULED)
        await store.events.append(_events(s1, t, LOG[:8]))
        await store.shifts.update_progress(s1.id, cost_usd=0.84, tokens_in=48200,
                                           tokens_out=6100, num_turns=9)
        await store.shifts.complete(s1.id, HandoffInput(
            summary="Tokenizer emits the new token kinds; parser half migrated.",
            completed=["tokenizer: new token kinds", "tests for the tokenizer"],
            in_progress=["parser: statements still use the old kinds"],
            next_steps=["migrate statement parsing", "remove the compatibility shim"],
            decisions=["keep the old AST node names until the parser is done"],
        ), now=t + timedelta(minutes=23))
        await store.shifts.set_outcome_details(
            s1.id, files_changed=["src/tokenizer.py", "tests/test_tokenizer.py"],
            test_result=TestResult(command="pytest -q", exit_code=0, passed=True),
        )
        t = NOW - timedelta(hours=6)
        s2 = await _shift(store, alpha.id, t, 60)
        await store.events.append(_events(s2, t, LOG[:4]))
        await store.shifts.update_progress(s2.id, cost_usd=0.31, tokens_in=12000,
                                           tokens_out=900, num_turns=3)
        await store.shifts.fail(s2.id, FailureKind.NO_HANDOFF,
                                "the agent ended its turn twice without a handoff",
                                t + timedelta(minutes=8))
        t = NOW - timedelta(hours=3)
        s3 = await _shift(store, alpha.id, t, 60)
        await store.events.append(_events(s3, t, LOG))
        await store.shifts.update_progress(s3.id, cost_usd=1.27, tokens_in=90500,
                                           tokens_out=11800, num_turns=14)
        await store.shifts.complete(s3.id, HandoffInput(
            summary="Statement parsing migrated; shim removal left for the next shift.",
            completed=["statement parsing uses the new token kinds"],
            next_steps=["remove the compatibility shim", "update CHANGELOG"],
            questions_for_operator=["May the shim go in a minor release?"],
        ), now=t + timedelta(minutes=41), author=Author.OPERATOR, forced=True)
        await store.shifts.set_outcome_details(
            s3.id, test_result=TestResult(command="pytest -q", exit_code=1, passed=False),
        )

        # beta: two counted failures, then paused
        for hours in (30, 20):
            t = NOW - timedelta(hours=hours)
            s = await _shift(store, beta.id, t, 30)
            await store.events.append(_events(s, t, [
                (EventKind.SYSTEM, "session started"),
                (EventKind.ERROR, "API error: authentication failed"),
            ]))
            await store.shifts.fail(s.id, FailureKind.AUTH, "authentication failed",
                                    t + timedelta(minutes=1))
        await store.projects.set_paused(beta.id, True, "2 consecutive failures", NOW)
        await store.projects.set_paused(beta.id, True, "2 consecutive failures", NOW)

        # gamma: an interrupted shift, and (optionally) one running now
        t = NOW - timedelta(hours=2)
        s4 = await _shift(store, gamma.id, t, 120)
        await store.events.append(_events(s4, t, LOG[:6]))
        await store.shifts.interrupt(s4.id, "shifttui quit", t + timedelta(minutes=12))
        if running:
            t = NOW - timedelta(minutes=14)
            s5 = await _shift(store, gamma.id, t, 120)
            await store.events.append(_events(s5, t, LOG))
            await store.shifts.update_progress(s5.id, cost_usd=0.62, tokens_in=31000,
                                               tokens_out=4200, num_turns=6)
