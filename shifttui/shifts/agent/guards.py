"""What the agent may never do: denied commands, in any tool that runs one, and writes outside
the project. A guard that cannot decide denies (it failed open once: a symlink loop raised)."""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shifttui.base.models import Project
from shifttui.shifts.agent.commands import parse
from shifttui.shifts.agent.deny import CommandRules

log = logging.getLogger(__name__)

# Tools that write the file named in their input.
WRITE_TOOLS = {"Edit": "file_path", "Write": "file_path", "MultiEdit": "file_path",
               "NotebookEdit": "notebook_path"}
# The input key of every tool that runs a command (Bash, Monitor, and whatever comes next):
# the guard goes by the input, not by the tool's name.
COMMAND_KEY = "command"


@dataclass(frozen=True)
class Denial:
    tool: str
    reason: str
    detail: str


def simple_commands(command: str) -> list[str]:
    """The simple commands a shell line runs, wrappers peeled (see commands.parse)."""
    out: list[str] = []
    for cmd in parse(command).commands:
        if cmd.text not in out:
            out.append(cmd.text)
    # the innermost layer only: `sudo git push` is reported as `git push`
    return [c for c in out if not any(o != c and c.endswith(" " + o) for o in out)]


class Guard:
    """Decides each tool call before it runs (PreToolUse)."""

    def __init__(self, project_path: str, add_dirs: list[str], deny_commands: list[str]) -> None:
        self.roots = [Path(project_path).resolve()]
        for d in add_dirs:
            p = Path(d).expanduser()
            self.roots.append((p if p.is_absolute() else self.roots[0] / p).resolve())
        self.rules = CommandRules(tuple(deny_commands))

    @classmethod
    def for_project(cls, project: Project) -> Guard:
        return cls(project.path, project.policy.add_dirs, project.policy.deny_commands)

    def check(self, tool_name: str, tool_input: dict[str, Any]) -> Denial | None:
        try:
            return self._check(tool_name, tool_input)
        except Exception as exc:
            log.exception("guard failed on %s %r", tool_name, tool_input)
            return Denial(tool_name, f"the guard could not check this ({type(exc).__name__}: "
                          f"{exc}), so it is denied. Try a plainer form of the call, or note "
                          "in your handoff what the operator should do.",
                          _detail(tool_input))

    def _check(self, tool_name: str, tool_input: dict[str, Any]) -> Denial | None:
        command = _command_of(tool_input)
        if command is not None:
            reason = self.rules.check(command)
            if reason is not None:
                return Denial(tool_name, reason, command)
        key = WRITE_TOOLS.get(tool_name)
        if key is not None:
            target = tool_input.get(key)
            if isinstance(target, str) and target and not self._inside(target):
                return Denial(
                    tool_name,
                    f"Writing {target} is denied: this shift may only write inside the project "
                    f"({self.roots[0]}) and its add_dirs.",
                    target,
                )
        return None

    def _inside(self, target: str) -> bool:
        # expanduser raises on ~nosuchuser and resolve on a symlink loop (RuntimeError, not
        # OSError): both reach check(), which denies.
        p = Path(target).expanduser()
        if not p.is_absolute():
            p = self.roots[0] / p
        try:
            resolved = p.resolve()
        except OSError:
            resolved = Path(os.path.normpath(p))
        return any(resolved == root or root in resolved.parents for root in self.roots)


def _command_of(tool_input: dict[str, Any]) -> str | None:
    value = tool_input.get(COMMAND_KEY)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return shlex.join(value)  # an argv, as a later tool might take it
    return None


def _detail(tool_input: dict[str, Any]) -> str:
    for key in (COMMAND_KEY, *WRITE_TOOLS.values()):
        if isinstance(tool_input.get(key), str):
            return str(tool_input[key])
    return repr(tool_input)[:500]
