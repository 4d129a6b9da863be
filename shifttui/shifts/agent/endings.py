"""How a shift is asked to stop, how it ended, and what shifttui says to the agent then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shifttui.base.models import Author, FailureKind, HandoffInput, Shift, ShiftStatus

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

RESUME_AFTER_LIMIT_PROMPT = (
    "This shift resumes an earlier shift of this project that stopped because the plan's usage "
    "window was exhausted (a rate limit). The window has reset: carry on where you left off, "
    "within the limits below, and end by calling mcp__shift__complete_shift with an honest "
    "handoff.\n\n"
)


def resume_prompt(interrupted: Shift) -> str:
    """What a resume says first: why the earlier part stopped, so the agent knows it may go on."""
    if interrupted.failure_kind is FailureKind.RATE_LIMITED:
        return RESUME_AFTER_LIMIT_PROMPT
    return RESUME_PROMPT


# Called when force-complete found no handoff from the agent: gets the auto-draft, returns the
# operator's edited handoff, or None to store the auto-draft as it is.
DraftEditor = Callable[[HandoffInput], Awaitable[HandoffInput | None]]


class StopKind(StrEnum):
    """Why a shift is being stopped (stored in the stop's event)."""

    ABANDON = "abandon"  # the operator gave up on it (or its events can no longer be stored)
    SHUTDOWN = "shutdown"  # shifttui is quitting: the shift can be resumed
    BUDGET = "budget"  # the shift's cost reached its budget
    GUARD = "guard"  # too many denied tool calls
    DEADLINE = "deadline"  # its time is up: it is asked for a handoff
    FORCE = "force"  # the operator's force-complete: it is asked for a handoff now
    RESERVE = "reserve"  # the plan's 5-hour window reached plan_reserve_percent: hand off

    @property
    def hard(self) -> bool:
        """A hard stop ends the shift at once, without asking the agent for a handoff."""
        return self not in (StopKind.DEADLINE, StopKind.FORCE, StopKind.RESERVE)

    @property
    def by_operator(self) -> bool:
        return self in (StopKind.ABANDON, StopKind.FORCE, StopKind.SHUTDOWN)

    @property
    def overrides(self) -> bool:
        """The operator's hard stops replace any stop already under way."""
        return self in (StopKind.ABANDON, StopKind.SHUTDOWN)


@dataclass
class Stop:
    """Why the shift is being stopped; a hard kind ends it without asking for a handoff."""

    kind: StopKind
    reason: str
    handoff: HandoffInput | None = None
    editor: DraftEditor | None = None
    # The operator stopped waiting for the agent's handoff ("stop now" during a wrap-up).
    cut_short: bool = False

    @property
    def hard(self) -> bool:
        return self.kind.hard


@dataclass
class Ending:
    """How a run ended: the shift's final status, and what is stored with it."""

    status: ShiftStatus  # never RUNNING
    reason: str = ""
    failure_kind: FailureKind | None = None
    handoff: HandoffInput | None = None
    author: Author = Author.AGENT
    forced: bool = False
    # An interrupted shift the scheduler resumes by itself then (a plan window's reset).
    resume_at: datetime | None = None


# How each hard stop ends a shift: its status and, for a failure, its kind.
_HARD_ENDINGS: dict[StopKind, tuple[ShiftStatus, FailureKind | None]] = {
    StopKind.ABANDON: (ShiftStatus.ABANDONED, None),
    StopKind.SHUTDOWN: (ShiftStatus.INTERRUPTED, None),
    StopKind.BUDGET: (ShiftStatus.FAILED, FailureKind.BUDGET_EXHAUSTED),
    StopKind.GUARD: (ShiftStatus.FAILED, FailureKind.GUARD_HALT),
}


def hard_ending(stop: Stop) -> Ending:
    """The ending of a stop that does not wait for a handoff."""
    status, failure = _HARD_ENDINGS[stop.kind]
    return Ending(status, stop.reason, failure)
