"""Idle cost: CPU the app and the daemon use while nothing runs, with 200 projects.

Half the projects have a nightly cron (03:00), none is due during the run. Each process runs on
its own (the app headless at 120x40, then `shifttui daemon`), is left to settle, and then its
CPU time is read from the kernel over a measuring window: the sum of every thread's run time
(`/proc/<pid>/task/*/schedstat`, nanoseconds), so other load on the machine does not count.
Targets: the app ≤ 0.2 % of a core, the daemon ≤ 0.1 %.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import parser, report, workdir
from shifttui.base.config import Home
from shifttui.base.models import Policy
from shifttui.store import Store

PROJECTS = 200
NIGHTLY = "0 3 * * *"


async def seed(home: Home, root: Path, projects: int = PROJECTS) -> None:
    store = await Store.open(home.db_path)
    try:
        now = datetime.now(UTC)
        for i in range(projects):
            path = root / "projects" / f"p{i:03d}"
            path.mkdir(parents=True, exist_ok=True)
            policy = Policy(schedule=NIGHTLY if i % 2 == 0 else None)
            await store.projects.add(f"p{i:03d}", str(path), policy, now)
    finally:
        await store.close()


def cpu_seconds(pid: int) -> float:
    """Run time of all the process's live threads (schedstat's first field, in ns)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that just ended
    return total / 1e9


def measure(argv: list[str], env: dict[str, str], settle_s: float, window_s: float) -> float:
    """Percent of one core the process used over `window_s`, after `settle_s`."""
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        time.sleep(settle_s)  # a child process's start-up, not an event we could await
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"{argv} exited early: {err}")
        start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(window_s)
        used, wall = cpu_seconds(proc.pid) - start_cpu, time.monotonic() - start
        if proc.poll() is not None:
            raise SystemExit(f"{argv} exited during the measurement")
        return 100 * used / wall
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_app_child(home_dir: str) -> None:
    """The app headless, as a user would leave it open (its own scheduler holds the lease)."""
    from shifttui.tui.app import ShiftTuiApp

    home = Home(Path(home_dir))
    app = ShiftTuiApp(home, settings=home.load_settings(), user_theme_dirs=[])
    app.run(headless=True, size=(120, 40))


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--settle", type=float, default=15.0, help="seconds before measuring")
    p.add_argument("--window", type=float, default=60.0, help="seconds measured per process")
    p.add_argument("--projects", type=int, default=PROJECTS)
    p.add_argument("--only", choices=("app", "daemon"))
    p.add_argument("--child-app", metavar="HOME", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_app:
        run_app_child(args.child_app)
        return
    with workdir("idle") as root:
        home = Home(root / "home").ensure()
        asyncio.run(seed(home, root, args.projects))
        env = {**os.environ, "SHIFTTUI_HOME": str(home.root), "TERM": "xterm-256color"}
        figures: dict[str, float] = {}
        if args.only in (None, "app"):
            figures["app_cpu_percent"] = measure(
                [sys.executable, "-m", "benchmarks.idle", "--child-app", str(home.root)],
                env, args.settle, args.window)
            print(f"app: {figures['app_cpu_percent']:.3f} % of a core")
        if args.only in (None, "daemon"):
            figures["daemon_cpu_percent"] = measure(
                [sys.executable, "-m", "shifttui", "daemon"], env, args.settle, args.window)
            print(f"daemon: {figures['daemon_cpu_percent']:.3f} % of a core")
    figures["projects"] = args.projects
    targets = []
    if "app_cpu_percent" in figures:
        targets.append(("app <= 0.2 %", figures["app_cpu_percent"] <= 0.2))
    if "daemon_cpu_percent" in figures:
        targets.append(("daemon <= 0.1 %", figures["daemon_cpu_percent"] <= 0.1))
    report(figures, targets, args.json)


if __name__ == "__main__":
    main()
