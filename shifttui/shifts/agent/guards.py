"""What the agent may never do: denied shell commands and writes outside the project."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shifttui.base.models import Project

# Tools that write the file named in their input.
WRITE_TOOLS = {"Edit": "file_path", "Write": "file_path", "MultiEdit": "file_path",
               "NotebookEdit": "notebook_path"}
_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\||\n|\$\(|`)\s*")
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_WRAPPERS = {"sudo", "env", "nohup", "time", "command", "exec", "nice", "xargs"}


@dataclass(frozen=True)
class Denial:
    tool: str
    reason: str
    detail: str


def simple_commands(command: str) -> list[str]:
    """Split a shell line into the simple commands it runs, wrappers and env stripped."""
    out = []
    for part in _SEPARATORS.split(command):
        part = part.strip().lstrip("(").rstrip(")").strip()
        if not part:
            continue
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and (_ENV_ASSIGN.match(words[0]) or words[0] in _WRAPPERS
                         or words[0].startswith("-")):
            words = words[1:]
        if words:
            words[0] = os.path.basename(words[0])
            out.append(" ".join(words))
    return out


def _command_variants(cmd: str) -> list[str]:
    # "git -C dir push" and "git --no-pager push" must still look like "git push".
    words = cmd.split()
    variants = [cmd]
    if words and words[0] == "git":
        rest, i = [], 1
        while i < len(words):
            w = words[i]
            if w in ("-C", "-c", "--git-dir", "--work-tree", "--namespace") and i + 1 < len(words):
                i += 2
                continue
            if w.startswith("-"):
                i += 1
                continue
            rest = words[i:]
            break
        variants.append(" ".join(["git", *rest]))
    return variants


class Guard:
    """Decides each tool call before it runs (PreToolUse)."""

    def __init__(self, project_path: str, add_dirs: list[str], deny_commands: list[str]) -> None:
        self.roots = [Path(project_path).resolve()]
        for d in add_dirs:
            p = Path(d).expanduser()
            self.roots.append((p if p.is_absolute() else self.roots[0] / p).resolve())
        self.deny_commands = deny_commands

    @classmethod
    def for_project(cls, project: Project) -> Guard:
        return cls(project.path, project.policy.add_dirs, project.policy.deny_commands)

    def check(self, tool_name: str, tool_input: dict[str, Any]) -> Denial | None:
        if tool_name == "Bash":
            command = str(tool_input.get("command", ""))
            return self._check_command(command)
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

    def _check_command(self, command: str) -> Denial | None:
        for cmd in simple_commands(command):
            for variant in _command_variants(cmd):
                for pattern in self.deny_commands:
                    if fnmatch.fnmatchcase(variant, pattern) or fnmatchcase_prefix(variant,
                                                                                   pattern):
                        return Denial(
                            "Bash",
                            f"The command `{cmd}` is denied by this project's policy "
                            f"(pattern {pattern!r}). Do not try to work around it; note in your "
                            "handoff what the operator should do instead.",
                            command,
                        )
        return None

    def _inside(self, target: str) -> bool:
        p = Path(target).expanduser()
        if not p.is_absolute():
            p = self.roots[0] / p
        resolved = Path(os.path.normpath(p))
        try:
            resolved = p.resolve()
        except OSError:
            pass
        return any(resolved == root or root in resolved.parents for root in self.roots)


def fnmatchcase_prefix(command: str, pattern: str) -> bool:
    """A pattern without wildcards denies the command and the command with arguments."""
    if any(ch in pattern for ch in "*?["):
        return False
    return command == pattern or command.startswith(pattern + " ")
