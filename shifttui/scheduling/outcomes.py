"""What the scheduler decides: the words of its decisions' reasons, and what it asks of the
supervisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from shifttui.base.models import Shift, Trigger
from shifttui.base.states import DecisionReason

# The sentence a decision's detail starts with, for the reasons that have a fixed one (the UI
# shows the detail as it is; code reads the reason).
REASON_TEXT: dict[DecisionReason, str] = {
    DecisionReason.RUNNING: "shift already running",
    DecisionReason.LIMIT: "concurrency limit",
    DecisionReason.BUDGET: "daily budget reached",
    DecisionReason.PAUSED: "paused",
    DecisionReason.DISABLED: "project disabled (policy.enabled is off)",
    DecisionReason.WAITING: "a deferred run is already waiting for a free slot",
    DecisionReason.REMOVED: "project no longer exists",
}


class Blocked(NamedTuple):
    """What keeps a run from starting: the reason, and the words the decision says."""

    reason: DecisionReason
    words: str

    @classmethod
    def by(cls, reason: DecisionReason, note: str | None = None) -> Blocked:
        """`note`, when given, follows the reason's sentence in brackets: "paused (why)"."""
        text = REASON_TEXT[reason]
        return cls(reason, f"{text} ({note})" if note else text)


class Starter(Protocol):
    """What the scheduler needs of the supervisor."""

    async def start_shift(
        self, project: str, *, trigger: Trigger = ..., reason: str | None = None,
        resume_of: str | None = None
    ) -> Shift: ...


@dataclass
class Deferred:
    """A run waiting for a free slot under max_concurrent_shifts."""

    project_id: str
    source: str
    reason: str
    since: datetime


@dataclass
class Held:
    """A run held by the plan (an exhausted window or the reserve) until the window opens."""

    project_id: str
    source: str
    trigger: Trigger
    reason: str
    since: datetime


@dataclass
class Attempt:
    """A run the scheduler wants to start, and how it will be described."""

    source: str
    trigger: Trigger
    reason: str
    detail: str = ""  # extra words for the decision, e.g. the due time
    # The decision's reason if it starts: a catch-up says it makes up for a missed run.
    fired: DecisionReason = DecisionReason.FIRED
    # Asked for by hand from a window that is not the scheduler (the app beside a daemon): a
    # manual start is always allowed, so only "already running" and the concurrency limit apply.
    manual: bool = False
    resume_of: str | None = None
