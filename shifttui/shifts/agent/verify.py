"""The policy's test_command, run after a shift so the morning review sees a verdict."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

from shifttui.base.models import TestResult

TAIL_CHARS = 4000


async def run_test_command(command: str, cwd: str, timeout_s: float) -> TestResult:
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_shell(
            command, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # so a timeout can kill everything the tests started
        )
    except OSError as exc:
        return TestResult(command=command, exit_code=None, passed=False,
                          output_tail=f"cannot run the test command: {exc}")
    timed_out = False
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except (TimeoutError, asyncio.CancelledError) as exc:
        timed_out = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = await proc.communicate()
        if isinstance(exc, asyncio.CancelledError):
            raise
    text = (out or b"").decode("utf-8", errors="replace")
    return TestResult(
        command=command, exit_code=proc.returncode, passed=proc.returncode == 0 and not timed_out,
        output_tail=text[-TAIL_CHARS:], duration_s=round(time.monotonic() - started, 3),
        timed_out=timed_out,
    )
