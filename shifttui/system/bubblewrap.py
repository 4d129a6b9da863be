"""Whether Claude Code's sandbox can run here: bubblewrap (and socat, its network relay) on Linux.

Claude Code with `failIfUnavailable` refuses to start without them, but only after its own start
(~0.5 s) and with a message meant for an interactive user. Asking first costs one `bwrap` run
(a few ms) and gives the shift one sentence that says what to install.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import Mapping

INSTALL = "apt-get install bubblewrap socat"
PROBE_TIMEOUT_S = 5.0


def _which(name: str, env: Mapping[str, str]) -> str | None:
    # The CLI looks the tools up on its own PATH, which the policy's env may set.
    return shutil.which(name, path=env.get("PATH", os.defpath))


async def sandbox_problem(env: Mapping[str, str] | None = None) -> str | None:
    """None when bubblewrap runs a command here; else one sentence saying what is wrong and what
    to install. `env` is the environment the CLI will have (default: this process's)."""
    if not sys.platform.startswith("linux"):
        return None  # macOS has Seatbelt built in; elsewhere Claude Code says what it needs
    env = os.environ if env is None else env
    bwrap = _which("bwrap", env)
    if bwrap is None:
        return (f"the sandbox is on but bubblewrap is not installed ({INSTALL}), "
                "or set the project's sandbox to off")
    if _which("socat", env) is None:
        return (f"the sandbox is on but socat, its network relay, is not installed ({INSTALL}), "
                "or set the project's sandbox to off")
    failure = await _probe(bwrap)
    if failure is not None:
        return (f"the sandbox is on but bubblewrap does not work here ({failure}); reinstall "
                f"it ({INSTALL}) or allow unprivileged user namespaces, or set the project's "
                "sandbox to off")
    return None


async def _probe(bwrap: str) -> str | None:
    """None when `bwrap --ro-bind / / true` succeeds; else the first line of what went wrong."""
    try:
        proc = await asyncio.create_subprocess_exec(
            bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "true",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), PROBE_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return f"it did not answer within {PROBE_TIMEOUT_S:.0f} s"
    if proc.returncode == 0:
        return None
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return (lines[0][:200] if lines else f"it exited with status {proc.returncode}")
