"""Scenarios for the fault suite: an agent whose tools leave real processes behind, one killed
inside a tool, one that lingers after its handoff, one that hangs at start with a child.

Every process they start really runs (`sleep`), with SHIFTTUI_FAKE_MARK in its environment, so a
test can find what was left behind; nothing else on the machine is touched.
"""

from __future__ import annotations

import subprocess

from shifttui.fakeagent.agent import Turn, TurnEnd
from shifttui.fakeagent.config import Config
from shifttui.fakeagent.scenarios import Scenario, good_handoff
from shifttui.fakeagent.tools import shift_tool, use_tool

# What an agent's Bash tool may leave behind: each escaped the CLI's own death before issue 17.
BACKGROUND = "nohup sleep 300 >/dev/null 2>&1 & (sleep 301 >/dev/null 2>&1 &)"
TOOL_CHILD = "sleep 302"


def _spawn(t: Turn, command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["/bin/sh", "-c", command], cwd=t.config.cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def background(t: Turn) -> TurnEnd | None:
    """Starts `nohup … &` and `(… &)` jobs, then hands off normally: the shift's end must end
    them."""
    if t.index == 0:
        _spawn(t, BACKGROUND).wait()
        use_tool(t, "Bash", {"command": BACKGROUND, "description": "Start the dev servers"},
                 output="")
        t.pause()
    shift_tool(t, "complete_shift", good_handoff(t, "Started the servers in the background."))
    return None


def in_tool(t: Turn) -> TurnEnd | None:
    """A Bash tool that runs a real child for a long time (shifttui is killed meanwhile)."""
    child = _spawn(t, TOOL_CHILD)
    t.say("Running the long command.")
    use_tool(t, "Bash", {"command": TOOL_CHILD, "description": "A long command"},
             output="done", duration=120.0)
    child.kill()
    return None


def linger(t: Turn) -> TurnEnd | None:
    """Hands off, then keeps its turn open (shifttui is killed just after complete_shift)."""
    if t.index == 0:
        t.say("Handing off now.")
        shift_tool(t, "complete_shift", good_handoff(t, "Handed off, then lingered."))
        t.pause(120.0)
    return None


def before_start(cfg: Config) -> None:
    """hang_init_child: a child started before the CLI hangs without answering initialize."""
    if cfg.scenario == "hang_init_child":
        subprocess.Popen(["sleep", "303"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


FAULT_FUNCS: dict[str, Scenario] = {
    "background": background,
    "in_tool": in_tool,
    "linger": linger,
    "hang_init_child": linger,  # (never reached: it does not answer initialize)
}
HANGS_AT_START = ("hang_init", "hang_init_child")
