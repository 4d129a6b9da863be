"""Claude Code must not outlive shifttui, even when shifttui is killed with SIGKILL.

Found by experiment with the bundled CLI 2.1.330: when its parent dies mid-turn, the CLI's stdin
closes but it keeps streaming the API response (and spending money) for as long as the turn lasts;
it only dies on its next write to the dead pipe. Nothing in shifttui runs after a SIGKILL, so on
Linux the CLI is started through a tiny launcher that asks the kernel to SIGKILL it when its parent
dies (PR_SET_PDEATHSIG survives the exec) and then execs the real CLI under the same pid.

The launcher also starts a new session for the CLI (setsid), so a Ctrl-C at the terminal of
`shifttui run` or `daemon`, which the terminal sends to its whole foreground process group, reaches
shifttui only: shifttui then stops the agent itself, instead of the agent dying of the signal
mid-write with a traceback among the shift's events.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

LAUNCHER_NAME = "claude-lifeline"

# Through util-linux's setpriv the launcher costs ~2 ms per shift; the Python one below ~20 ms
# (an interpreter start and ctypes), which was a tenth of a short shift's fixed cost.
_SETPRIV_SCRIPT = '''#!/bin/sh
# Written by shifttui: run Claude Code so that it dies with shifttui (PR_SET_PDEATHSIG), in a
# session of its own (setsid: the terminal's Ctrl-C is for shifttui). The inner shell runs with the
# signal armed; a parent of 1 means shifttui died before that.
exec {setpriv} --pdeathsig KILL -- {setsid}/bin/sh -c '[ "$PPID" = 1 ] && exit 1; exec "$0" "$@"' \\
    {real} "$@"
'''

_SCRIPT = '''#!{python} -IS
# Written by shifttui: run Claude Code so that it dies with shifttui (PR_SET_PDEATHSIG).
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL (9 on Linux)
except Exception:
    pass
try:
    os.setsid()  # a session of its own: the terminal's Ctrl-C is for shifttui
except OSError:
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


@functools.cache
def setpriv_path() -> str | None:
    """setpriv, when it can arm a parent-death signal on this machine (util-linux ≥ 2.33 and no
    seccomp rule against prctl); else None. Tried once per process (~3 ms)."""
    found = shutil.which("setpriv")
    if found is None or not os.access("/bin/sh", os.X_OK):
        return None
    try:
        probe = subprocess.run(
            [found, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", "exit 0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return os.path.abspath(found) if probe.returncode == 0 else None


@functools.cache
def setsid_path() -> str | None:
    """util-linux's setsid (it execs in place when its caller leads no process group, as the
    launcher never does), or None."""
    found = shutil.which("setsid")
    return os.path.abspath(found) if found else None


def guarded_cli(cli_path: str | None, directory: Path) -> str | None:
    """A launcher for `cli_path` (None: the bundled CLI) in `directory`; elsewhere than Linux, or
    when there is no CLI to wrap, `cli_path` unchanged (the SDK then reports what is missing)."""
    if not sys.platform.startswith("linux"):
        return cli_path
    real = cli_path or bundled_cli()
    if real is None:
        return cli_path
    setpriv = setpriv_path()
    if setpriv is not None:
        # An absolute setpriv: the policy's env may set another PATH for the CLI.
        setsid = setsid_path()
        script = _SETPRIV_SCRIPT.format(setpriv=shlex.quote(setpriv), real=shlex.quote(real),
                                        setsid=f"{shlex.quote(setsid)} -- " if setsid else "")
    elif " " in sys.executable:
        return cli_path  # (a shebang line cannot hold an interpreter path with a space)
    else:
        script = _SCRIPT.format(python=sys.executable, real=real)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        launcher = directory / LAUNCHER_NAME
        launcher.write_text(script, encoding="utf-8")
        launcher.chmod(0o700)
    except OSError:
        return cli_path  # a launcher is a safety net, never a reason to fail the shift
    return str(launcher)
