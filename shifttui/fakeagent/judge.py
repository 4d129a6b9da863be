"""The judge as a scripted model (shifttui/shifts/judge.py asks it): it reads the prompt it is
given, and fails a handoff that names a file the shift's diff does not change."""

from __future__ import annotations

import re

from shifttui.fakeagent.agent import Turn, TurnEnd
from shifttui.fakeagent.tools import use_tool

# The judge's prompt headings (shifts/judge.py; the fake CLI may not import shifttui's core).
_HANDOFF, _FILES, _DIFF = "## The handoff", "## Files the diff changes", "## The diff"
_CLAIMS = {"Summary", "Completed"}
# A file name as a handoff writes one: a path ending in a short extension ("notes.md").
_FILE = re.compile(r"(?<![\w./-])((?:[\w-]+/)*[\w-]+\.[A-Za-z][A-Za-z0-9]{0,5})(?![\w/-])")


def _between(text: str, start: str, end: str) -> str:
    _, found, rest = text.partition(start)
    return rest.partition(end)[0] if found else ""


def _claims(handoff: str) -> str:
    """The sections that say what was done (next steps and blockers name files not written)."""
    kept = []
    for part in handoff.split("\n### ")[1:]:
        title, _, body = part.partition("\n")
        if title.strip() in _CLAIMS:
            kept.append(body)
    return "\n".join(kept)


def judge(t: Turn) -> TurnEnd | None:
    claims = _claims(_between(t.prompt, _HANDOFF, _FILES))
    changed = {line[2:].strip() for line in _between(t.prompt, _FILES, _DIFF).splitlines()
               if line.startswith("- ")}
    named = list(dict.fromkeys(m.group(1) for m in _FILE.finditer(claims)))
    missing = [name for name in named
               if not any(f == name or f.endswith("/" + name) for f in changed)]
    reasons = ([f"the handoff names {name}, which the diff does not change" for name in missing]
               or ["the diff backs every file the handoff names"])
    use_tool(t, "mcp__judge__verdict",
             {"passed": not missing, "reasons": reasons, "claims_not_in_diff": missing},
             text="Comparing the handoff with the diff.")
    t.say("Verdict given.")
    return None


def judge_silent(t: Turn) -> TurnEnd | None:
    """A judge that answers in words and never calls the tool."""
    t.say("I think it is fine.")
    return None


JUDGE_FUNCS = {"judge": judge, "judge_silent": judge_silent}
