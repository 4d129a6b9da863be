"""Shared by the fault suite: `shifttui` as a separate process, what a shift left running, and
the checks made after every fault (integrity, events, status)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

MARK_ENV = "SHIFTTUI_FAKE_MARK"


def shifttui(home: Path, *args: str, env: dict[str, str] | None = None,
             timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def start_shifttui(home: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def marked(mark: str) -> list[psutil.Process]:
    """The live processes whose environment carries MARK_ENV=`mark` (what one test started)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get(MARK_ENV) == mark:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def marked_running(mark: str, command: str) -> bool:
    for proc in marked(mark):
        try:
            if " ".join(proc.cmdline()) == command:
                return True
        except psutil.Error:
            continue
    return False


def wait_until(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll `condition` (another process's state: nothing here can be awaited)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {within} s"
        time.sleep(0.02)


def none_left(mark: str, within: float) -> None:
    deadline = time.monotonic() + within
    while left := marked(mark):
        if time.monotonic() > deadline:
            names = []
            for proc in left:
                try:
                    names.append(" ".join(proc.cmdline()))
                except psutil.Error:
                    continue
            raise AssertionError(f"left behind after {within} s: {names}")
        time.sleep(0.02)


def query(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read another process's database (read-only, never waiting on its lock for long)."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # not created yet
    finally:
        conn.close()


def integrity_ok(db: Path) -> None:
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def logged_seqs(home: Path, shift_id: str) -> set[int]:
    log = home / "shifts" / shift_id / "agent.log"
    seqs: set[int] = set()
    if not log.exists():
        return seqs  # killed before the shift's first event
    for line in log.read_text().splitlines():
        try:
            seqs.add(int(json.loads(line)["seq"]))
        except (ValueError, KeyError):
            continue  # a line torn by the kill
    return seqs


def stored_seqs(db: Path, shift_id: str) -> set[int]:
    return {int(str(r[0])) for r in query(db, "SELECT seq FROM events WHERE shift_id = ?",
                                          (shift_id,))}


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "Exception ignored" not in text, text[-3000:]


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def mount_tmpfs(where: Path, size: str) -> bool:
    """A small real filesystem (root only); False when mounting is not possible here."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True,
                   capture_output=True)


def unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)
