"""Claude Code must not outlive shifttui, even when shifttui is killed with SIGKILL.

Found by experiment with the bundled CLI 2.1.330: when its parent dies mid-turn, the CLI's stdin
closes but it keeps streaming the API response (and spending money) for as long as the turn lasts;
it only dies on its next write to the dead pipe. Nothing in shifttui runs after a SIGKILL, so on
Linux the CLI is started through a tiny launcher that asks the kernel to SIGKILL it when its parent
dies (PR_SET_PDEATHSIG survives the exec) and then execs the real CLI under the same pid.
"""

from __future__ import annotations

import sys
from pathlib import Path

LAUNCHER_NAME = "claude-lifeline"

_SCRIPT = '''#!{python} -IS
# Written by shifttui: run Claude Code so that it dies with shifttui (PR_SET_PDEATHSIG).
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except Exception:
    pass
if os.getppid() == 1:
    sys.exit(1)  # shifttui died before the line above took effect
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
'''


def bundled_cli() -> str | None:
    """The CLI inside the claude-agent-sdk wheel, as the SDK itself would find it."""
    import claude_agent_sdk

    path = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return str(path) if path.is_file() else None


def guarded_cli(cli_path: str | None, directory: Path) -> str | None:
    """A launcher for `cli_path` (None: the bundled CLI) in `directory`; elsewhere than Linux, or
    when there is no CLI to wrap, `cli_path` unchanged (the SDK then reports what is missing)."""
    if not sys.platform.startswith("linux") or " " in sys.executable:
        return cli_path  # (a shebang line cannot hold an interpreter path with a space)
    real = cli_path or bundled_cli()
    if real is None:
        return cli_path
    try:
        directory.mkdir(parents=True, exist_ok=True)
        launcher = directory / LAUNCHER_NAME
        launcher.write_text(_SCRIPT.format(python=sys.executable, real=real), encoding="utf-8")
        launcher.chmod(0o700)
    except OSError:
        return cli_path  # a launcher is a safety net, never a reason to fail the shift
    return str(launcher)
