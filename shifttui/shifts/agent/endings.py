"""How a shift is asked to stop, how it ended, and what shifttui says to the agent then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shifttui.base.models import Author, FailureKind, HandoffInput

FOLLOW_UP = (
    "Your turn ended without calling mcp__shift__complete_shift. This shift must end with a "
    "handoff: call mcp__shift__complete_shift now with an honest summary of what you did, what "
    "is in progress, blockers and next steps. Do not start new work."
)
WRAP_UP = (
    "shifttui: time is up for this shift{why}. Stop working now and call "
    "mcp__shift__complete_shift immediately with an honest handoff (summary, completed, "
    "in_progress, blockers, next_steps, decisions, questions_for_operator). Do not start new work."
)
NO_OPERATOR = (
    "No operator is available right now. Proceed on your best judgment and note the assumption "
    "in your handoff (decisions / questions_for_operator)."
)

RESUME_PROMPT = (
    "This shift resumes an earlier shift of this project that was interrupted (shifttui stopped "
    "while it ran). Continue where you left off, within the limits below, and end by calling "
    "mcp__shift__complete_shift with an honest handoff.\n\n"
)

# Called when force-complete found no handoff from the agent: gets the auto-draft, returns the
# operator's edited handoff, or None to store the auto-draft as it is.
DraftEditor = Callable[[HandoffInput], Awaitable[HandoffInput | None]]


@dataclass
class Stop:
    """Why the shift is being stopped. `hard` stops end it without asking for a handoff."""

    kind: str  # abandon | shutdown | budget | guard | deadline | force
    reason: str
    hard: bool
    handoff: HandoffInput | None = None
    editor: DraftEditor | None = None


@dataclass
class Ending:
    status: str  # completed | abandoned | failed | interrupted | expired
    reason: str = ""
    failure_kind: FailureKind | None = None
    handoff: HandoffInput | None = None
    author: Author = Author.AGENT
    forced: bool = False



def hard_ending(stop: Stop) -> Ending:
    """The ending of a stop that does not wait for a handoff."""
    if stop.kind == "abandon":
        return Ending("abandoned", stop.reason)
    if stop.kind == "shutdown":
        return Ending("interrupted", stop.reason)
    if stop.kind == "budget":
        return Ending("failed", stop.reason, FailureKind.BUDGET_EXHAUSTED)
    return Ending("failed", stop.reason, FailureKind.GUARD_HALT)
