"""The data model of shifttui: projects, policies, shifts, handoffs, events (pydantic)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ShiftStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    EXPIRED = "expired"

    @property
    def ended(self) -> bool:
        return self is not ShiftStatus.RUNNING


class FailureKind(StrEnum):
    AGENT_ERROR = "agent_error"
    NO_HANDOFF = "no_handoff"
    BUDGET_EXHAUSTED = "budget_exhausted"
    MAX_TURNS = "max_turns"
    TIMEOUT = "timeout"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    CLI_MISSING = "cli_missing"
    GUARD_HALT = "guard_halt"

    @property
    def counts_toward_pause(self) -> bool:
        """Only failures that say something about the project count (SPEC §3.10)."""
        return self not in _NOT_COUNTED


_NOT_COUNTED = {FailureKind.RATE_LIMITED}


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    EVENT = "event"
    RESUME = "resume"


class CatchUp(StrEnum):
    SKIP = "skip"
    ONCE = "once"


class PermissionMode(StrEnum):
    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    BYPASS = "bypassPermissions"
    DONT_ASK = "dontAsk"
    AUTO = "auto"


class Author(StrEnum):
    AGENT = "agent"
    OPERATOR = "operator"
    AUTO = "auto"


class EventKind(StrEnum):
    SYSTEM = "system"
    TEXT = "text"
    THINKING = "thinking"
    TOOL_USE = "tool_use"
    TOOL_RESULT = "tool_result"
    RESULT = "result"
    STDERR = "stderr"
    VIOLATION = "violation"
    OPERATOR = "operator"
    QUESTION = "question"
    INFO = "info"
    ERROR = "error"


def validate_cron(expr: str) -> str:
    """Return the normalised cron expression or raise ValueError with a readable message."""
    expr = " ".join(expr.split())
    if not expr:
        raise ValueError("cron expression is empty")
    if len(expr.split()) != 5:
        raise ValueError(
            f"cron expression {expr!r} must have 5 fields (minute hour day month weekday)"
        )
    if not croniter.is_valid(expr):
        raise ValueError(f"{expr!r} is not a valid cron expression")
    return expr


class Triggers(BaseModel):
    """Event triggers of a project (SPEC §5)."""

    model_config = ConfigDict(extra="forbid")

    on_change: list[str] = Field(default_factory=list, description="globs in the project")
    after: list[str] = Field(default_factory=list, description="project names")
    debounce_seconds: float = Field(default=5.0, ge=0, le=3600)


DEFAULT_DENY = ["git push*"]


class Policy(BaseModel):
    """How, when and within which limits shifts run on a project."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = True
    schedule: str | None = None
    catch_up: CatchUp = CatchUp.SKIP
    max_duration_minutes: float = Field(default=120, gt=0, le=24 * 60)
    wrap_up_seconds: int = Field(default=120, ge=0, le=3600)
    max_budget_usd: float = Field(default=5.0, gt=0, le=10_000)
    max_turns: int | None = Field(default=None, gt=0)
    pause_after_failures: int = Field(default=3, ge=0, le=1000)
    model: str | None = None
    permission_mode: PermissionMode = PermissionMode.ACCEPT_EDITS
    allowed_tools: list[str] = Field(default_factory=list)
    disallowed_tools: list[str] = Field(default_factory=list)
    mcp_servers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    add_dirs: list[str] = Field(default_factory=list)
    deny_commands: list[str] = Field(default_factory=lambda: list(DEFAULT_DENY))
    context_files: list[str] = Field(default_factory=list)
    prompt: str = "shift_agent"
    instructions: str = ""
    test_command: str | None = None
    test_timeout_seconds: int = Field(default=600, gt=0, le=24 * 3600)
    triggers: Triggers = Field(default_factory=Triggers)
    env: dict[str, str] = Field(default_factory=dict, description="extra environment for the agent")

    @field_validator("env")
    @classmethod
    def _env(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise ValueError(f"environment variable name {key!r} is not valid")
            if "\x00" in value:
                raise ValueError(f"environment variable {key} contains a NUL byte")
        return v

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        return validate_cron(v)

    @field_validator("model", "test_command")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if "\n" in v or "\x00" in v:
            raise ValueError("must be a single line")
        return v.strip()

    @field_validator("prompt")
    @classmethod
    def _prompt_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", v):
            raise ValueError("prompt must be a template name like 'shift_agent'")
        return v

    @field_validator(
        "allowed_tools", "disallowed_tools", "deny_commands", "context_files", "add_dirs"
    )
    @classmethod
    def _clean_list(cls, v: list[str]) -> list[str]:
        out = []
        for item in v:
            if "\x00" in item or "\n" in item:
                raise ValueError("entries must be single lines")
            if item.strip():
                out.append(item.strip())
        return out

    @field_validator("mcp_servers")
    @classmethod
    def _mcp(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, conf in v.items():
            if name == "shift":
                raise ValueError("the MCP server name 'shift' is reserved for shifttui")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
                raise ValueError(f"MCP server name {name!r} must be letters, digits, - or _")
            if not ("command" in conf or "url" in conf):
                raise ValueError(f"MCP server {name!r} needs a 'command' or a 'url'")
        return v


class Project(BaseModel):
    id: str
    name: str
    path: str
    policy: Policy = Field(default_factory=Policy)
    paused: bool = False
    paused_reason: str | None = None
    created_at: datetime


def validate_project_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("project name is empty")
    if len(name) > 64 or "\n" in name or "\x00" in name:
        raise ValueError("project name must be one line of at most 64 characters")
    if not slugify(name):
        raise ValueError(f"project name {name!r} needs at least one letter or digit")
    return name


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]


class TestResult(BaseModel):
    command: str
    exit_code: int | None
    passed: bool
    output_tail: str = ""
    duration_s: float = 0.0
    timed_out: bool = False


class Shift(BaseModel):
    id: str
    project_id: str
    trigger: Trigger
    reason: str | None = None
    status: ShiftStatus
    started_at: datetime
    deadline: datetime
    ended_at: datetime | None = None
    cost_usd: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    num_turns: int = 0
    model: str | None = None
    session_id: str | None = None
    agent_pid: int | None = None
    owner_pid: int | None = None
    owner_token: str | None = None
    handoff_id: int | None = None
    failure_kind: FailureKind | None = None
    error: str | None = None
    forced: bool = False
    parent_shift_id: str | None = None
    start_commit: str | None = None
    test_result: TestResult | None = None
    files_changed: list[str] = Field(default_factory=list)
    reviewed_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


_ITEM_MAX = 4000


class HandoffInput(BaseModel):
    """What the agent (or operator) writes; validated before a shift may complete."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=20_000)
    completed: list[str] = Field(default_factory=list, max_length=200)
    in_progress: list[str] = Field(default_factory=list, max_length=200)
    blockers: list[str] = Field(default_factory=list, max_length=200)
    next_steps: list[str] = Field(default_factory=list, max_length=200)
    decisions: list[str] = Field(default_factory=list, max_length=200)
    questions_for_operator: list[str] = Field(default_factory=list, max_length=200)

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("summary must say what the shift did")
        return v.strip()

    @field_validator(
        "completed", "in_progress", "blockers", "next_steps", "decisions",
        "questions_for_operator",
    )
    @classmethod
    def _items(cls, v: list[str]) -> list[str]:
        out = []
        for item in v:
            if len(item) > _ITEM_MAX:
                raise ValueError(f"each item must be at most {_ITEM_MAX} characters")
            if item.strip():
                out.append(item.strip())
        return out


class Handoff(HandoffInput):
    model_config = ConfigDict(extra="ignore")

    id: int
    shift_id: str
    project_id: str
    files_changed: list[str] = Field(default_factory=list)
    author: Author = Author.AGENT
    created_at: datetime


@dataclass(slots=True)
class ShiftEvent:
    """One message of a shift. A plain dataclass, not pydantic and not frozen (a frozen
    dataclass sets each field through object.__setattr__: 3x the cost): a flood of thousands a
    second passes through here, and the store and the agent runner are the only producers."""

    shift_id: str
    seq: int
    ts: datetime
    kind: EventKind
    summary: str
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"shift_id": self.shift_id, "seq": self.seq, "ts": self.ts.isoformat(),
                "kind": self.kind.value, "summary": self.summary, "payload": self.payload}


class Feedback(BaseModel):
    id: int
    shift_id: str
    rating: int = Field(ge=1, le=5)
    note: str = ""
    created_at: datetime


class Decision(BaseModel):
    """A scheduler decision: a run that started, or one that could not and why."""

    id: int
    project_id: str
    ts: datetime
    source: str
    outcome: str
    detail: str = ""
    shift_id: str | None = None


def first_error(exc: ValidationError) -> str:
    """One readable sentence for a pydantic error: 'field: message'."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
