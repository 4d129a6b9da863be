"""`shifttui` with no sub-command opens the TUI; `shifttui demo` opens it on sample projects.

The demo runs on a throw-away home with three small git repositories and the package's scripted
fake agent (no API key, no network); each project picks its scenario through the policy's env.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from shifttui.base.clock import SystemClock
from shifttui.base.config import Home
from shifttui.base.models import Policy
from shifttui.cli.base import Ctx
from shifttui.store import Store
from shifttui.system.logs import configure_logging

DEMO_PROJECTS = [
    # name, scenario, what the repository holds
    ("parser", "demo", "A tiny expression parser whose empty-input case crashes."),
    ("webshop", "demo_question", "A shop backend; the agent will ask you something."),
    ("billing", "demo_fail", "A billing job; the agent's connection fails mid-shift."),
]
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "shifttui demo", "GIT_AUTHOR_EMAIL": "demo@shifttui.invalid",
    "GIT_COMMITTER_NAME": "shifttui demo", "GIT_COMMITTER_EMAIL": "demo@shifttui.invalid",
}


async def run_app(args: argparse.Namespace, ctx: Ctx) -> int:
    from shifttui.tui.app import ShiftTuiApp

    app = ShiftTuiApp(ctx.home, settings=ctx.settings, store=ctx.store, clock=ctx.clock)
    await app.run_async()
    return int(app.return_code or 0)


def _git(path: Path, *argv: str) -> None:
    subprocess.run(["git", *argv], cwd=path, check=True, env={**os.environ, **_GIT_ENV},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_demo_repo(path: Path, about: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "README.md").write_text(f"# {path.name}\n\n{about}\n", encoding="utf-8")
    (path / "TODO.md").write_text("- fix the crash on empty input\n- document errors\n",
                                  encoding="utf-8")
    (path / "main.py").write_text(
        "def parse(text):\n    return text.split()[0]  # crashes on empty input\n",
        encoding="utf-8",
    )
    try:
        _git(path, "init", "-q", "-b", "main")
        _git(path, "add", "-A")
        _git(path, "commit", "-qm", "Initial import")
    except (OSError, subprocess.CalledProcessError):
        pass  # without git the demo still runs; the projects are then plain directories
    return path


async def prepare_demo(root: Path, *, speed: str | None = None) -> tuple[Home, str]:
    """Create the demo home under `root`; returns it and the fake agent's launcher path."""
    from shifttui.fakeagent import write_launcher

    home = Home(root / "home").ensure()
    launcher = write_launcher(root / "bin")
    home.update_config(max_concurrent_shifts=3, question_timeout_seconds=300)
    clock = SystemClock()
    store = await Store.open(home.db_path, now=clock.now())
    try:
        for name, scenario, about in DEMO_PROJECTS:
            env = {"SHIFTTUI_FAKE_SCENARIO": scenario}
            if speed is not None:
                env["SHIFTTUI_FAKE_DELAY"] = speed
            policy = Policy(
                max_duration_minutes=15, max_budget_usd=2.0, wrap_up_seconds=20,
                context_files=["TODO.md"], test_command=None, env=env,
                schedule="0 9 * * 1-5" if name == "parser" else None,
            )
            await store.projects.add(name, str(make_demo_repo(root / "projects" / name, about)),
                                     policy, clock.now())
    finally:
        await store.close()
    return home, str(launcher)


async def run_demo(args: argparse.Namespace, ctx: Ctx | None) -> int:
    from shifttui.tui.app import ShiftTuiApp

    with tempfile.TemporaryDirectory(prefix="shifttui-demo-") as tmp:
        home, launcher = await prepare_demo(Path(tmp), speed=args.delay)
        configure_logging(home.root / "shifttui.log")
        # The demo's agent is a flag: it beats $SHIFTTUI_CLAUDE_CLI, like --claude-cli would.
        settings = home.load_settings(claude_cli=launcher)
        clock = SystemClock()
        store = await Store.open(home.db_path, now=clock.now())
        try:
            app = ShiftTuiApp(home, settings=settings, store=store, clock=clock)
            await app.run_async()
        finally:
            await store.close()
    return int(app.return_code or 0)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo", help="open the app on three sample projects with a scripted agent (no API key)",
        description="Open shifttui on a throw-away home with three sample projects whose "
        "shifts are run by a scripted fake agent: watch shifts stream, answer a question, "
        "see a failure. Nothing is kept after you quit.",
    )
    demo.add_argument("--delay", metavar="SECONDS",
                      help="pause between the fake agent's messages (default: the demo's pace)")
    demo.set_defaults(func=run_demo, needs_db=False)
