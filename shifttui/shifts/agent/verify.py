"""The policy's checks (test_command), run after a shift so the morning review sees a verdict;
each in a process container, so a stop or a timeout ends everything it started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

from shifttui.base.models import TestResult
from shifttui.shifts.agent.lifeline import contained

TAIL_CHARS = 4000


STOP_GRACE_S = 1.0  # a stopped check's container gets this long before SIGKILL of its group


async def run_test_command(command: str, cwd: str, timeout_s: float) -> TestResult:
    started = time.monotonic()
    try:
        proc = await start_contained(["/bin/sh", "-c", command], cwd)
    except OSError as exc:
        return TestResult(command=command, exit_code=None, passed=False,
                          output_tail=f"cannot run the test command: {exc}")
    timed_out = False
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        timed_out = True
        out = await stop_contained(proc)
    except asyncio.CancelledError:
        # A stop (abandon, SIGTERM, SIGINT) during the checks: nothing of them may go on.
        await stop_contained(proc)
        raise
    text = (out or b"").decode("utf-8", errors="replace")
    return TestResult(
        command=command, exit_code=proc.returncode, passed=proc.returncode == 0 and not timed_out,
        output_tail=text[-TAIL_CHARS:], duration_s=round(time.monotonic() - started, 3),
        timed_out=timed_out,
    )


async def start_contained(argv: list[str], cwd: str) -> asyncio.subprocess.Process:
    """`argv` in a process container of its own (agent/lifeline.py): everything it starts
    dies with it, on a stop and when shifttui dies, even by SIGKILL. Output: stdout, with
    stderr merged."""
    return await asyncio.create_subprocess_exec(
        *contained(argv), cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        # Its own process group too: the fallback kill where there is no container.
        start_new_session=True,
    )


async def stop_contained(proc: asyncio.subprocess.Process) -> bytes:
    """Stop a started command and everything below it (within about a second; at once, but
    for the output, when the caller is being cancelled); returns what it printed."""
    # Sent before any await: a second cancellation must not leave the checks running.
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)  # the container kills its subtree, then exits
    try:
        out, _ = await asyncio.wait_for(asyncio.shield(proc.communicate()), STOP_GRACE_S)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        out, _ = await proc.communicate()
    return out
