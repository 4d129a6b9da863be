"""The Claude Code process behind an SDK client: its pid, and closing it without orphans."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sys

import psutil
from claude_agent_sdk import ClaudeSDKClient

from shifttui.shifts.agent.sdk_seam import CLI_PID, transport_pid
from shifttui.system.procs import kill_tree, pid_alive

SHIFT_ID_ENV = "SHIFTTUI_SHIFT_ID"

DISCONNECT_GRACE_S = 0.7  # then the process tree is killed: a stop must take about a second


def agent_pid(client: ClaudeSDKClient | None) -> int | None:
    """The CLI's pid: from the SDK transport's process (the initialize answer may lack it); if
    this SDK keeps that elsewhere, the child process started with the client's shift id."""
    if client is None:
        return None
    pid = transport_pid(client)
    if pid is None and CLI_PID.active is False:
        env = getattr(client.options, "env", None) or {}
        shift_id = env.get(SHIFT_ID_ENV)
        return _child_of_shift(shift_id) if shift_id else None
    return pid


def _child_of_shift(shift_id: str) -> int | None:
    # The SDK starts the CLI (through the lifeline launcher, which execs it under the same pid)
    # as a child of this process, with SHIFTTUI_SHIFT_ID in its environment (agent/options.py).
    for child in psutil.Process().children():
        try:
            if child.environ().get(SHIFT_ID_ENV) == shift_id:
                return int(child.pid)
        except psutil.Error:
            continue
    return None


# Linux: how much of the agent's output may wait in the pipe (the default is 64 KB, about 130
# messages). The app stops reading for a moment now and then (a screen layout, a collection, a
# batch of events to store); with 64 KB the agent then waits too, with 1 MB it writes on.
_F_SETPIPE_SZ = 1031
OUTPUT_PIPE_BYTES = 1 << 20


def widen_output_pipe(pid: int | None) -> int | None:
    """Give the agent's stdout pipe OUTPUT_PIPE_BYTES (best effort: Linux, and within the
    system's pipe-max-size); returns the new size, or None when it could not."""
    if not pid or not sys.platform.startswith("linux"):
        return None
    try:
        fd = os.open(f"/proc/{pid}/fd/1", os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        return fcntl.fcntl(fd, _F_SETPIPE_SZ, OUTPUT_PIPE_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)


async def close_client(client: ClaudeSDKClient, pid: int | None) -> None:
    """disconnect, and a kill of the process tree if it lingers (or if we are cancelled)."""
    disconnect = asyncio.ensure_future(client.disconnect())
    try:
        await asyncio.wait_for(asyncio.shield(disconnect), DISCONNECT_GRACE_S)
    except BaseException:
        if pid:
            kill_tree(pid)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(disconnect, 5.0)
    if pid and pid_alive(pid):
        kill_tree(pid)
