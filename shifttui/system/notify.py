"""The user's `notify_command`: each notice goes to it as JSON on stdin (the TUI and daemon use it).

A failing command must never break a shift or the UI: the caller gets one sentence back.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

from shifttui.base.bus import Notice

DEFAULT_TIMEOUT_S = 30.0


def notice_payload(notice: Notice) -> dict[str, Any]:
    data = asdict(notice)
    data["event"] = "notice"
    return data


async def run_notify_command(
    command: str, payload: dict[str, Any], *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> str | None:
    """Run `command` in a shell with `payload` as JSON on stdin; None on success, else why not."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    try:
        proc = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return f"notify_command could not start: {exc.strerror or exc}"
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(body), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return f"notify_command did not finish within {timeout_s:g} s and was stopped"
    if proc.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:] if stderr else []
        detail = f": {tail[0][:200]}" if tail else ""
        return f"notify_command exited with status {proc.returncode}{detail}"
    return None
