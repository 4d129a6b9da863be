"""`shifttui inbox` and `shifttui review`: what a user types in the morning, and its errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import FailureKind, HandoffInput, Policy, Shift, Trigger
from shifttui.cli import main
from shifttui.store import Store
from shifttui.system.procs import process_token

pytestmark = pytest.mark.timeout(60)
MIN = timedelta(minutes=1)


def run_in(capsys: pytest.CaptureFixture[str], home: Path, *args: str
           ) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["--home", str(home), *args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def user_error(result: tuple[int, str, str], *fragments: str) -> None:
    code, out, err = result
    assert code == 2, result
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("shifttui: "), err
    assert "Traceback" not in err and out == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


async def _claim(store: Store, pid: str, at: datetime) -> Shift:
    return await store.shifts.claim(pid, trigger=Trigger.SCHEDULED, now=at,
                                    deadline=at + 120 * MIN, owner_pid=os.getpid(),
                                    owner_token=process_token())


async def seed(home: Home, path: Path, t0: datetime) -> dict[str, str]:
    async with await Store.open(home.db_path) as store:
        alpha = await store.projects.add("alpha", str(path), Policy(), t0)
        beta = await store.projects.add("beta", str(path), Policy(), t0)
        ids = {}
        s = await _claim(store, alpha.id, t0)
        await store.shifts.complete(s.id, HandoffInput(summary="alpha first\nmore"),
                                    now=t0 + 30 * MIN, files_changed=["a.py"])
        ids["alpha1"] = s.id
        s = await _claim(store, beta.id, t0 + 10 * MIN)
        await store.shifts.fail(s.id, FailureKind.AUTH, "bad key", t0 + 45 * MIN)
        ids["beta1"] = s.id
        s = await _claim(store, alpha.id, t0 + 60 * MIN)
        await store.shifts.complete(s.id, HandoffInput(summary="alpha second"),
                                    now=t0 + 90 * MIN)
        ids["alpha2"] = s.id
        s = await _claim(store, alpha.id, t0 + 100 * MIN)
        await store.shifts.abandon(s.id, "not this", t0 + 101 * MIN)
        ids["abandoned"] = s.id
        s = await _claim(store, beta.id, t0 + 120 * MIN)
        ids["running"] = s.id
        return ids


def test_inbox_and_review(home: Home, tmp_path: Path, clock: FakeClock,
                          capsys: pytest.CaptureFixture[str]) -> None:
    ids = asyncio.run(seed(home, tmp_path, clock.now()))
    root = home.root

    code, out, err = run_in(capsys, root, "inbox", "--json")
    assert (code, err) == (0, "")
    items = json.loads(out)
    assert [i["shift_id"] for i in items] == [ids["alpha2"], ids["beta1"], ids["alpha1"]]
    assert items[1]["failure_kind"] == "auth" and items[1]["handoff"] is None
    assert items[2]["handoff"]["summary"] == "alpha first\nmore"
    assert items[2]["files_changed"] == ["a.py"]
    assert items[2]["diff_stat"]["summary"] == "not a git repository"

    code, out, err = run_in(capsys, root, "inbox")
    assert (code, err) == (0, "")
    assert out.startswith("3 shifts waiting for review, most recently ended first:")
    rows = [line for line in out.splitlines() if line.startswith("2026")]
    assert [r.split()[0] for r in rows] == [ids["alpha2"], ids["beta1"], ids["alpha1"]]
    assert "failed:auth" in rows[1] and "alpha first" in rows[2] and "more" not in rows[2]

    # A project name rates its most recently ended unreviewed shift.
    code, out, err = run_in(capsys, root, "review", "alpha", "--rating", "2", "--note",
                            "always run the tests")
    assert (code, err) == (0, "")
    assert out == (f"rated alpha shift {ids['alpha2']} 2/5: always run the tests\n"
                   "2 shifts left to review\n")
    code, out, _ = run_in(capsys, root, "review", "alpha", "-r", "4", "--json")
    data = json.loads(out)
    assert (data["shift_id"], data["rating"], data["unreviewed"]) == (ids["alpha1"], 4, 1)
    user_error(run_in(capsys, root, "review", "alpha", "-r", "3"),
               "alpha has no ended shift waiting for review")

    # An id (or a unique prefix) reaches any ended shift: abandoned, or rated before.
    code, out, _ = run_in(capsys, root, "review", ids["abandoned"], "-r", "1")
    assert code == 0 and f"rated alpha shift {ids['abandoned']} 1/5" in out
    code, out, _ = run_in(capsys, root, "review", ids["alpha2"], "-r", "5", "-n", "better")
    assert code == 0 and "(again: first reviewed" in out

    code, out, _ = run_in(capsys, root, "context", "alpha")
    assert "always run the tests" in out and "5/5" in out and "better" in out

    code, out, _ = run_in(capsys, root, "inbox", "--json")
    assert [i["shift_id"] for i in json.loads(out)] == [ids["beta1"]]
    run_in(capsys, root, "review", "beta", "-r", "3")
    code, out, _ = run_in(capsys, root, "inbox")
    assert (code, out) == (0, "nothing to review\n")


def test_review_errors(home: Home, tmp_path: Path, clock: FakeClock,
                       capsys: pytest.CaptureFixture[str]) -> None:
    ids = asyncio.run(seed(home, tmp_path, clock.now()))
    root = home.root
    for args, fragments in [
        (["review", "alpha", "--rating", "0"], ["0 is not from 1 to 5"]),
        (["review", "alpha", "--rating", "6"], ["6 is not from 1 to 5"]),
        (["review", "alpha", "--rating", "good"], ["'good' is not a number from 1 to 5"]),
        (["review", "alpha"], ["--rating"]),
        (["review", "nothing", "-r", "3"], ["no project or shift 'nothing'"]),
        (["review", ids["running"], "-r", "3"], ["still running"]),
        (["review", "alpha", "-r", "3", "--note", "x" * 5000], ["at most 4000"]),
    ]:
        user_error(run_in(capsys, root, *args), *fragments)
    # Nothing above was stored.
    _, out, _ = run_in(capsys, root, "inbox", "--json")
    assert len(json.loads(out)) == 3


def test_review_as_a_subprocess(home: Home, tmp_path: Path, clock: FakeClock) -> None:
    ids = asyncio.run(seed(home, tmp_path, clock.now()))
    env = {k: v for k, v in os.environ.items() if k not in ("SHIFTTUI_HOME", "SHIFTTUI_DEBUG")}
    proc = subprocess.run(
        [sys.executable, "-m", "shifttui", "--home", str(home.root), "review", "beta",
         "--rating", "9"], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "shifttui: argument --rating/-r: 9 is not from 1 to 5 (see `shifttui review --help`)"]
    proc = subprocess.run(
        [sys.executable, "-m", "shifttui", "--home", str(home.root), "review", ids["beta1"][:-1],
         "--rating", "3", "--note", "check the API key first"],
        capture_output=True, text=True, env=env, timeout=30)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith(f"rated beta shift {ids['beta1']} 3/5: check the API key")
