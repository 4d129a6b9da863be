"""States kept as enums, not strings compared in several files: a running shift's phase, and
what the scheduler decided and why (with the decision record that carries them).

How a shift ends is `models.ShiftStatus`; why it is stopped is `shifts.agent.endings.StopKind`
(only the shift layer uses it). The values here are stored or published, so they never change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class RunPhase(StrEnum):
    """Where a running shift is; its gauges show it when it is not WORKING."""

    STARTING = "starting"  # Claude Code is starting
    WORKING = "working"
    WRAPPING_UP = "wrapping_up"  # deadline or force-complete: the agent was asked for a handoff
    AWAITING_HANDOFF = "awaiting_handoff"  # none came: the operator's edit or the auto-draft
    TESTING = "testing"  # the agent has ended; the project's test command runs


class DecisionOutcome(StrEnum):
    """What the scheduler did about a run that was due or asked for."""

    STARTED = "started"
    SKIPPED = "skipped"
    DEFERRED = "deferred"  # waits for a free slot under max_concurrent_shifts
    PAUSED = "paused"  # the scheduler paused the project (auto-pause after failures)
    FAILED = "failed"  # starting it raised an error
    HELD = "held"  # the plan's window is exhausted or its reserve reached: one catch-up later


class DecisionReason(StrEnum):
    """Why the scheduler decided as it did; stored in its own column, `decisions.reason`.

    The value is also the one word a status cell shows after the outcome ("skipped: running").
    """

    FIRED = "fired"  # due or asked for, and nothing stood in the way
    MISSED = "missed"  # due while no scheduler ran (a catch-up, skipped or started)
    RUNNING = "running"  # the project's previous shift is still running
    LIMIT = "limit"  # max_concurrent_shifts shifts are running: deferred
    WAITING = "waiting"  # a deferred run of the project already waits for a slot
    BUDGET = "budget"  # the daily budget is spent
    PAUSED = "paused"  # the project is paused
    DISABLED = "disabled"  # policy.enabled is off
    REMOVED = "removed"  # the project was removed meanwhile
    FAILURES = "failures"  # consecutive failures paused the project
    ERROR = "error"  # starting the shift raised an error (the detail says which)
    OTHER = "other"  # a decision from before reasons were stored that the upgrade did not know
    PLAN_LIMIT = "plan_limit"  # a window of the subscription plan is exhausted until its reset
    PLAN_RESERVE = "plan_reserve"  # the 5-hour window reached plan_reserve_percent

    @property
    def word(self) -> str:
        """The word after the outcome, or "" where the outcome says it all ("▶ started",
        "✖ failed": the detail has the rest), in words: "held: plan limit"."""
        return "" if self in _UNSAID else self.value.replace("_", " ")


_UNSAID = frozenset({DecisionReason.FIRED, DecisionReason.FAILURES, DecisionReason.ERROR,
                     DecisionReason.OTHER})


class Decision(BaseModel):
    """A scheduler decision: a run that started, or one that could not and why.

    `detail` is the sentence shown to a person ("shift already running; due 2026-11-21 04:00");
    code reads `outcome` and `reason`, never the detail."""

    id: int
    project_id: str
    ts: datetime
    source: str
    outcome: DecisionOutcome
    reason: DecisionReason
    detail: str = ""
    shift_id: str | None = None
