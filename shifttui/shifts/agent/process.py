"""The Claude Code process behind an SDK client: its pid, and closing it without orphans.

The pid the SDK started is the shift's process container (agent/lifeline.py, agent/reaper.py):
a SIGTERM to it ends everything the agent started; a SIGKILL of its tree is the fallback."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import sys

import psutil
from claude_agent_sdk import ClaudeSDKClient

from shifttui.shifts.agent.lifeline import is_container
from shifttui.shifts.agent.sdk_seam import CLI_PID, transport_pid
from shifttui.system.procs import kill_tree, pid_alive

SHIFT_ID_ENV = "SHIFT_AGENT_ID"  # not SHIFTTUI_*: the agent sees no variable of ours

DISCONNECT_GRACE_S = 0.7  # then the process tree is killed: a stop must take about a second
# How long a container gets to kill its subtree after SIGTERM (it takes a few ms) before its tree
# is SIGKILLed from here.
CONTAINER_GRACE_S = 0.25


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
    # The SDK starts the CLI (through the lifeline launcher: its container, with the CLI below)
    # as a child of this process, with SHIFT_ID_ENV in its environment (agent/options.py).
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


def end_tree(pid: int) -> None:
    """Synchronous (cancellation, interpreter exit): a container is told to stop and kills its
    whole subtree, orphans included, even after we are gone; any other process's tree is
    SIGKILLed. (A SIGKILL to a container first would hand its orphans to init.)"""
    if is_container(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    else:
        kill_tree(pid)


async def stop_tree(pid: int) -> None:
    """end_tree, then wait (briefly) for the end; what still lives is SIGKILLed."""
    end_tree(pid)
    if not await wait_exit(pid, CONTAINER_GRACE_S):
        kill_tree(pid)


async def wait_exit(pid: int, within: float) -> bool:
    """Whether `pid` has ended within `within` seconds (a pidfd when the kernel has them;
    else polled, as nothing else can be awaited on a process someone else started)."""
    if not pid_alive(pid):
        return True
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    if fd >= 0:
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ended.done():
                ended.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ended, within)
            return True
        except TimeoutError:
            return not pid_alive(pid)
        finally:
            loop.remove_reader(fd)
            os.close(fd)
    deadline = asyncio.get_running_loop().time() + within
    while pid_alive(pid):
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def close_client(client: ClaudeSDKClient, pid: int | None) -> None:
    """disconnect, and a stop of the container if it lingers (or if we are cancelled); the
    container ends with its CLI, taking the agent's background jobs with it."""
    disconnect = asyncio.ensure_future(client.disconnect())
    try:
        await asyncio.wait_for(asyncio.shield(disconnect), DISCONNECT_GRACE_S)
    except BaseException:
        if pid:
            end_tree(pid)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(disconnect, 5.0)
    if pid and pid_alive(pid):
        await stop_tree(pid)
