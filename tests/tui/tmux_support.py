"""Driving the real app in tmux, on a private tmux server: nothing of the user's tmux (or of
another test's) is touched, its environment does not leak in, and killing the server at the end
takes everything the test started with it."""

from __future__ import annotations

import shlex
import subprocess
import time
import uuid
from pathlib import Path


class Tmux:
    def __init__(self) -> None:
        self.socket = f"shifttui-test-{uuid.uuid4().hex[:8]}"
        self.socket_path: str | None = None

    def __call__(self, *argv: str) -> str:
        # -u: UTF-8 whatever the locale, so the app's glyphs come back as written.
        return subprocess.run(["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *argv],
                              check=True, capture_output=True, text=True, timeout=10).stdout

    def start(self, session: str, env: dict[str, str], argv: list[str],
              size: tuple[int, int] = (120, 40)) -> int:
        """Run `argv` as the pane's own process (exec: no shell in between); returns its pid.
        The pane stays after the process dies, so what it printed last can still be read."""
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS and LINES (set in the test process by the test tooling) would fix the app's
        # size; the pane's own size must win.
        command = f"exec env -u COLUMNS -u LINES {assignments} {shlex.join(argv)}"
        self("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
             command, ";", "set-option", "-t", session, "remain-on-exit", "on")
        self.socket_path = self("display-message", "-p", "#{socket_path}").strip()
        return int(self("display-message", "-p", "-t", session, "#{pane_pid}").strip())

    def keys(self, session: str, *keys: str, literal: bool = False) -> None:
        self("send-keys", "-t", session, *(["-l"] if literal else []), *keys)

    def screen(self, session: str) -> str:
        return self("capture-pane", "-p", "-t", session)

    def wait_for(self, session: str, text: str, within: float = 20.0) -> str:
        deadline = time.monotonic() + within
        while True:
            screen = self.screen(session)
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.2)  # polling a terminal: there is nothing to await

    def kill_server(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)
        if self.socket_path:  # tmux leaves its socket file behind
            Path(self.socket_path).unlink(missing_ok=True)
