"""The Claude Code process behind an SDK client: its pid, and closing it without orphans."""

from __future__ import annotations

import asyncio
import contextlib

from claude_agent_sdk import ClaudeSDKClient

from shifttui.procs import kill_tree, pid_alive

DISCONNECT_GRACE_S = 0.7  # then the process tree is killed: a stop must take about a second


def agent_pid(client: ClaudeSDKClient | None) -> int | None:
    """The CLI's pid: from the transport's process (the initialize answer may lack it)."""
    if client is None:
        return None
    transport = getattr(client, "_transport", None)
    process = getattr(transport, "_process", None)
    pid = getattr(process, "pid", None)
    return int(pid) if isinstance(pid, int) else None


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
