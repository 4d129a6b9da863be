"""What crosses processes: the agent's stored questions and the operator's requests.

Any shifttui process (the app, `run`, the daemon, a CLI command) may ask for an action on a
shift; the process that owns the shift carries it out. Both travel through the database, so a
window that did not start a shift can still act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class QuestionStatus(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    CLOSED = "closed"  # the shift ended while the question waited


class RequestKind(StrEnum):
    ABANDON = "abandon"
    FINISH = "finish"  # force-complete


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"  # the owner took it and is carrying it out
    DONE = "done"
    REFUSED = "refused"

    @property
    def final(self) -> bool:
        return self in (RequestStatus.DONE, RequestStatus.REFUSED)


@dataclass(frozen=True)
class Question:
    id: str
    shift_id: str
    project_id: str
    question: str
    asked_at: datetime
    timeout_at: datetime
    status: QuestionStatus
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None

    def to_json(self, project: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "shift_id": self.shift_id, "project": project or self.project_id,
            "question": self.question, "asked_at": self.asked_at.isoformat(),
            "timeout_at": self.timeout_at.isoformat(), "status": self.status.value,
            "answer": self.answer,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "answered_by": self.answered_by,
        }


@dataclass(frozen=True)
class OperatorRequest:
    id: int
    shift_id: str
    kind: RequestKind
    requested_by: str
    created_at: datetime
    status: RequestStatus
    args: dict[str, Any] = field(default_factory=dict)
    result: str | None = None
    handled_at: datetime | None = None
