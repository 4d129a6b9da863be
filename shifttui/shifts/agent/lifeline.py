"""Claude Code, and everything it starts, must not outlive its shift or shifttui.

Found by experiment with the bundled CLI 2.1.330: when its parent dies mid-turn, the CLI's stdin
closes but it keeps streaming the API response (and spending money) for as long as the turn lasts;
it only dies on its next write to the dead pipe. And the tools it runs outlive it: a Bash tool's
children, `nohup cmd &` and `(cmd &)` were re-parented to init when the CLI died, and kept
running. So on Linux the CLI is started inside a process container (agent/reaper.py): a child
subreaper that adopts every orphan below it, dies with shifttui (PR_SET_PDEATHSIG, even on
SIGKILL) and then kills its whole subtree; the CLI is its child. The post-shift checks run in one
too (`contained`). A cgroup would also hold the tree, but it needs a writable, delegated cgroup
(root, or systemd's delegation) and nothing kills it when shifttui dies by SIGKILL: see the
Faults section of docs/ARCHITECTURE.md for the choice and its cost.

The container is also a session of its own (setsid), so a Ctrl-C at the terminal of `shifttui run`
or `daemon`, which the terminal sends to its whole foreground process group, reaches shifttui only:
shifttui then stops the agent itself, instead of the agent dying of the signal mid-write with a
traceback among the shift's events.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from shifttui.shifts.agent import reaper

LAUNCHER_NAME = "claude-lifeline"
REAPER_PATH = str(Path(reaper.__file__).resolve())

# One /bin/sh exec (~1 ms) and the reaper's interpreter start (-I -S: no site-packages, ~20 ms).
_LAUNCHER = """#!/bin/sh
# Written by shifttui: run Claude Code in a process container that dies with shifttui (the
# parent, $PPID) and takes everything the CLI started with it (shifttui/shifts/agent/reaper.py).
exec {python} -I -S {reaper} "$PPID" -- {real} "$@"
"""


def contained(argv: list[str], parent: int | None = None) -> list[str]:
    """`argv` run inside a process container owned by this process (Linux); elsewhere `argv`
    unchanged. Stop it with SIGTERM: it kills everything below it and exits."""
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-I", "-S", REAPER_PATH,
            str(os.getpid() if parent is None else parent), "--", *argv]


def is_container(pid: int) -> bool:
    """Whether `pid` runs a process container (then SIGTERM is its clean stop)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return REAPER_PATH.encode() in f.read().split(b"\0")
    except OSError:
        return False


def bundled_cli() -> str | None:
    """The CLI inside the claude-agent-sdk wheel, as the SDK itself would find it."""
    import claude_agent_sdk

    path = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return str(path) if path.is_file() else None


def guarded_cli(cli_path: str | None, directory: Path) -> str | None:
    """A launcher for `cli_path` (None: the bundled CLI) in `directory` that runs it in a
    process container; elsewhere than Linux, or when there is no CLI to wrap, `cli_path`
    unchanged (the SDK then reports what is missing)."""
    if not sys.platform.startswith("linux") or not os.access("/bin/sh", os.X_OK):
        return cli_path
    real = cli_path or bundled_cli()
    if real is None:
        return cli_path
    script = _LAUNCHER.format(python=shlex.quote(sys.executable),
                              reaper=shlex.quote(REAPER_PATH), real=shlex.quote(real))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        launcher = directory / LAUNCHER_NAME
        launcher.write_text(script, encoding="utf-8")
        launcher.chmod(0o700)
    except OSError:
        return cli_path  # a launcher is a safety net, never a reason to fail the shift
    return str(launcher)
