"""The operator's tasks for a project: what a shift should work on, in priority order.

A task is numbered per project from 1 (numbers are never reused: a task is dropped, not
deleted), and a shift closes one by naming its number in `complete_shift`'s `tasks_done`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

TITLE_MAX = 200
BODY_MAX = 20_000
# Priorities a day file may spell in words (the Outward Sign format's `priority: high`).
PRIORITY_WORDS = {"high": 2, "medium": 1, "normal": 1, "low": 0}


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


def _clean_paths(v: list[str]) -> list[str]:
    out: list[str] = []
    for item in (i.strip() for i in v):
        if not item:
            continue
        if "\n" in item or "\x00" in item:
            raise ValueError("entries must be single lines")
        if item not in out:
            out.append(item)
    return out


_Paths = Annotated[list[str], Field(max_length=100), AfterValidator(_clean_paths)]


def parse_priority(value: Any) -> Any:
    """A number, or one of the words of PRIORITY_WORDS; anything else is left to pydantic."""
    if isinstance(value, str) and value.strip().lower() in PRIORITY_WORDS:
        return PRIORITY_WORDS[value.strip().lower()]
    return value


class TaskInput(BaseModel):
    """What the operator writes about a task (CLI flags, the app's form, a day file)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field(default="", max_length=BODY_MAX)
    # Higher goes first; ties go by number (the older first).
    priority: int = Field(default=0, ge=-1000, le=1000)
    context_files: _Paths = Field(default_factory=list)
    deliverables: _Paths = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("the title is empty")
        return v

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("the body contains a NUL byte")
        return v.strip()

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, v: Any) -> Any:
        return parse_priority(v)


class Task(TaskInput):
    """A stored task."""

    model_config = ConfigDict(extra="ignore")

    project_id: str
    number: int
    status: TaskStatus = TaskStatus.OPEN
    created_at: datetime
    closed_at: datetime | None = None
    done_by_shift: str | None = None
    # The day file's own id of the task ("task-001"): importing the file again skips it.
    ref: str | None = None
    # The latest note of a shift that worked on it without finishing (tasks_progress).
    progress: str | None = None
    # Deliverables that were not among the files the closing shift changed.
    missing_deliverables: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return f"#{self.number}"

    def to_json(self, project: str | None = None) -> dict[str, Any]:
        return {
            "id": self.number, "project": project or self.project_id,
            "project_id": self.project_id, "title": self.title, "body": self.body,
            "status": self.status.value, "priority": self.priority,
            "context_files": self.context_files, "deliverables": self.deliverables,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "done_by_shift": self.done_by_shift, "ref": self.ref, "progress": self.progress,
            "missing_deliverables": self.missing_deliverables,
        }
