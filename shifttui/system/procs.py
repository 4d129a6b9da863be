"""Process facts the core needs: is a shift's owner alive, and killing an agent's process tree."""

from __future__ import annotations

import os
import signal

import psutil


def process_token(pid: int | None = None) -> str:
    """A token that names one process, not just a pid that may be reused later."""
    pid = os.getpid() if pid is None else pid
    try:
        created = psutil.Process(pid).create_time()
    except psutil.Error:
        created = 0.0
    return f"{pid}:{created:.3f}"


def owner_alive(pid: int | None, token: str | None) -> bool:
    """True when the process that recorded (pid, token) still runs."""
    if not pid or not token:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return process_token(pid) == token
    except psutil.Error:
        return False


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Kill a process and everything it started (the CLI may run tools as children)."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.send_signal(sig)
        except psutil.Error:
            pass
