"""The auto-drafted handoff, built from the transcript when the agent did not write one."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from shifttui.base.models import EventKind, HandoffInput
from shifttui.shifts.agent.guards import WRITE_TOOLS
from shifttui.shifts.agent.normalize import one_line, short_tool_name

COMMANDS_KEPT = 5


@dataclass
class Transcript:
    """What the runner remembers of a shift to draft a handoff: bounded, whatever its length."""

    texts: deque[str] = field(default_factory=lambda: deque(maxlen=5))
    tools: Counter[str] = field(default_factory=Counter)
    files_touched: dict[str, None] = field(default_factory=dict)
    commands: dict[str, int] = field(default_factory=dict)  # the last few, with run counts
    violations: list[str] = field(default_factory=list)
    errors: deque[str] = field(default_factory=lambda: deque(maxlen=3))

    @property
    def empty(self) -> bool:
        return not (self.texts or self.tools)

    def add(self, kind: EventKind, summary: str, payload: dict[str, object]) -> None:
        if kind is EventKind.TEXT:
            text = payload.get("text")
            if isinstance(text, str) and text.strip() and text.strip() not in self.texts:
                self.texts.append(text.strip())
        elif kind is EventKind.TOOL_USE:
            name = str(payload.get("name", ""))
            self.tools[short_tool_name(name)] += 1
            args = payload.get("input")
            if isinstance(args, dict):
                key = WRITE_TOOLS.get(name)
                if key and isinstance(args.get(key), str):
                    self.files_touched[str(args[key])] = None
                if name == "Bash" and isinstance(args.get("command"), str):
                    command = one_line(str(args["command"]), 120)
                    # A command run again moves to the end and counts: "sleep 1" five times
                    # was five identical lines of the draft.
                    self.commands[command] = self.commands.pop(command, 0) + 1
                    while len(self.commands) > COMMANDS_KEPT:
                        del self.commands[next(iter(self.commands))]
        elif kind is EventKind.TOOL_RESULT and payload.get("is_error"):
            self.errors.append(summary)
        elif kind is EventKind.VIOLATION:
            self.violations.append(summary)
        elif kind is EventKind.ERROR:
            self.errors.append(summary)

    def draft(self, why: str, files_changed: list[str]) -> HandoffInput:
        last = self.texts[-1] if self.texts else ""
        summary = f"[auto-drafted by shifttui: {why}] " + (
            one_line(last, 600) if last else "The agent left no handoff and no final message."
        )
        completed = []
        if self.tools:
            used = ", ".join(f"{name} ×{n}" for name, n in self.tools.most_common(8))
            completed.append(f"Tool calls: {used}")
        completed += [f"Ran: {c}" + (f" (×{n})" if n > 1 else "")
                      for c, n in self.commands.items()]
        touched = list(self.files_touched) or files_changed
        in_progress = [f"Touched: {f}" for f in touched[:30]]
        blockers = [*self.violations[:10], *self.errors]
        next_steps = [
            "Review this shift's log and diff: the agent did not write its own handoff.",
            # The last message is the summary already; the two before it, each once.
            *(f"Agent's earlier words: {one_line(t, 300)}" for t in list(self.texts)[-3:-1]),
        ]
        return HandoffInput(
            summary=summary, completed=completed, in_progress=in_progress,
            blockers=blockers, next_steps=next_steps,
        )
