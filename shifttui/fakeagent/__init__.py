"""A scripted stand-in for the Claude Code CLI (stream-json over stdio), for tests and the demo.

`python -m shifttui.fakeagent` speaks the protocol the claude-agent-sdk drives; the scenario comes
from SHIFTTUI_FAKE_SCENARIO (see config.SCENARIOS), pacing from SHIFTTUI_FAKE_DELAY, sizes from
SHIFTTUI_FAKE_COUNT. Also: SHIFTTUI_FAKE_TRACE (append every stdin line to this file),
SHIFTTUI_FAKE_PIDFILE (append our pid), SHIFTTUI_FAKE_EMITLOG
(append each stdout line with its flush time), SHIFTTUI_FAKE_STATUS (rate_limited: 429 or 529),
SHIFTTUI_FAKE_SEED (demo pacing). No Textual, no network, no API key.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from shifttui.fakeagent.config import SCENARIOS

__all__ = ["SCENARIOS", "write_launcher"]

LAUNCHER_NAME = "fake-claude"


def write_launcher(directory: Path) -> Path:
    """Write an executable that runs the fake CLI with this interpreter; pass it as `cli_path`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LAUNCHER_NAME
    # The package root goes on PYTHONPATH so the launcher works from a checkout that is not
    # installed; `exec` keeps the pid the SDK sees equal to the Python process's own.
    root = str(Path(__file__).resolve().parent.parent.parent)
    path.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(root)}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m shifttui.fakeagent "$@"\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path
