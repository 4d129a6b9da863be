"""The core's event bus: the supervisor and scheduler publish, the TUI and CLI subscribe.

Callbacks run synchronously on the event loop that publishes; they must be quick (a TUI posts
a message, a CLI prints a line). The core never calls the UI any other way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from shifttui.base.models import Handoff, HandoffInput, Shift, ShiftEvent
from shifttui.base.states import RunPhase

PROJECTION_MIN_S = 60.0
PROJECTION_MIN_TURNS = 3


@dataclass(frozen=True)
class ShiftStats:
    """Live figures of a running shift."""

    shift_id: str
    project_id: str
    cost_usd: float
    budget_usd: float
    tokens_in: int
    tokens_out: int
    num_turns: int
    elapsed_s: float
    max_duration_s: float
    model: str | None = None
    phase: RunPhase = RunPhase.WORKING

    @property
    def projected_cost_usd(self) -> float | None:
        """At this burn rate, the cost when the deadline is reached; None until there is enough
        to go on (a minute and three priced turns): one second in, the first turn's cost
        projected "$18.57 at the deadline"."""
        if (self.elapsed_s < PROJECTION_MIN_S or self.num_turns < PROJECTION_MIN_TURNS
                or self.cost_usd <= 0):
            return None
        return self.cost_usd / self.elapsed_s * self.max_duration_s


@dataclass(frozen=True)
class ShiftStarted:
    shift: Shift


@dataclass(frozen=True)
class ShiftEventsAdded:
    """A batch of new events of one shift, in seq order (already numbered)."""

    shift_id: str
    events: list[ShiftEvent]


@dataclass(frozen=True)
class ShiftProgress:
    stats: ShiftStats


@dataclass(frozen=True)
class ShiftEnded:
    shift: Shift
    handoff: Handoff | None = None


@dataclass(frozen=True)
class QuestionAsked:
    shift_id: str
    project_id: str
    question_id: str
    question: str
    timeout_s: float


@dataclass(frozen=True)
class QuestionClosed:
    shift_id: str
    question_id: str
    answer: str | None  # None: timed out or the shift ended


@dataclass(frozen=True)
class HandoffNeeded:
    """Force-complete: the agent did not deliver; the operator may edit this draft."""

    shift_id: str
    draft: HandoffInput


@dataclass(frozen=True)
class Notice:
    """Something the operator should hear about: toast, bell, notify_command."""

    kind: Literal[
        "shift_ended", "shift_failed", "auto_paused", "question", "budget_warning",
        "daily_budget", "scheduler", "error",
    ]
    title: str
    message: str
    project_id: str | None = None
    shift_id: str | None = None
    severity: Literal["information", "warning", "error"] = "information"
    data: dict[str, object] = field(default_factory=dict)


BusEvent = (
    ShiftStarted | ShiftEventsAdded | ShiftProgress | ShiftEnded | QuestionAsked
    | QuestionClosed | HandoffNeeded | Notice
)
Subscriber = Callable[[BusEvent], None]


class Bus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: BusEvent) -> None:
        for callback in list(self._subscribers):
            callback(event)
