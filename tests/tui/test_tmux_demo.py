"""The real `shifttui demo` in tmux, driven with keys like a user: start, watch, abandon."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _tmux(*argv: str) -> str:
    return subprocess.run(["tmux", *argv], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def session(tmp_path: Path) -> Iterator[str]:
    name = f"shifttui-test-{uuid.uuid4().hex[:8]}"
    shifttui = Path(sys.executable).with_name("shifttui")
    env = f"SHIFTTUI_HOME={tmp_path / 'unused-home'} TERM=xterm-256color"
    _tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40",
          f"cd {tmp_path} && env -u COLUMNS -u LINES {env} {shifttui} demo --delay 0.4; sleep 5")
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _screen(name: str) -> str:
    return _tmux("capture-pane", "-p", "-t", name)


def _wait_for(name: str, text: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    while True:
        screen = _screen(name)
        if text in screen:
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
        time.sleep(0.2)  # polling a terminal: there is nothing to await


@pytest.mark.timeout(90)
@pytest.mark.skipif(os.environ.get("SHIFTTUI_SKIP_TMUX") == "1", reason="asked to skip")
def test_demo_start_stream_abandon(session: str) -> None:
    screen = _wait_for(session, "3 projects")
    assert "billing" in screen and "parser" in screen and "webshop" in screen
    _tmux("send-keys", "-t", session, "Down")  # billing, parser, webshop: pick parser
    _tmux("send-keys", "-t", session, "s")
    screen = _wait_for(session, "▶ parser")
    _wait_for(session, "Reading the last handoff")  # the agent's text streams in
    # The gauges (the burn-rate projection waits for a minute of data: not asserted here).
    screen = _wait_for(session, "tokens ")
    assert "cost $" in screen and "1 running" in screen
    # Drill down: the live log has focus after Tab, Enter opens the shift's events, / searches.
    _tmux("send-keys", "-t", session, "Tab")
    _tmux("send-keys", "-t", session, "Enter")
    _wait_for(session, "filter: all")
    _tmux("send-keys", "-t", session, "/")
    _wait_for(session, "search this shift")  # the search line has focus: type into it
    _tmux("send-keys", "-t", session, "-l", "handoff")
    _tmux("send-keys", "-t", session, "Enter")
    screen = _wait_for(session, "/handoff")
    assert " of " in screen.split("/handoff", 1)[1].splitlines()[0], screen
    _tmux("send-keys", "-t", session, "Enter")  # the current match, whole
    _wait_for(session, "ctrl+c copies the JSON")
    _tmux("send-keys", "-t", session, "Escape")
    _tmux("send-keys", "-t", session, "Escape")  # back on the main screen
    _wait_for(session, "3 projects")
    _tmux("send-keys", "-t", session, "a")
    _wait_for(session, "Abandon the shift on parser?")
    _tmux("send-keys", "-t", session, "-l", "seen enough")
    _tmux("send-keys", "-t", session, "Enter")
    _wait_for(session, "abandoned")
    _wait_for(session, "0 running")
    _tmux("send-keys", "-t", session, "q")  # nothing runs now: quits without asking
    deadline = time.monotonic() + 10
    while "3 projects" in _screen(session):
        assert time.monotonic() < deadline, "the app did not quit"
        time.sleep(0.2)
