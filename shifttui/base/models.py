"""The data model of shifttui: projects, policies, shifts, handoffs, events (pydantic)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from croniter import croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from shifttui.base import policy_meta as pm
from shifttui.base.policy_meta import PolicyMeta

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
    # bubblewrap is missing or broken while the policy asks for the sandbox: the machine, not
    # the project, needs fixing, so it does not count toward auto-pause.
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"
    # A completed shift whose checks (test_command, lint_command) failed: the agent handed
    # off, but the work is not good; it counts toward auto-pause like a failure.
    CHECKS_FAILED = "checks_failed"

    @property
    def counts_toward_pause(self) -> bool:
        """Only failures that say something about the project count (SPEC §3.10)."""
        return self not in _NOT_COUNTED


_NOT_COUNTED = {FailureKind.RATE_LIMITED, FailureKind.SANDBOX_UNAVAILABLE}


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


class Isolation(StrEnum):
    """Where a shift works: its project's work branch in a repository of its own under the
    shifttui home (`worktree`), or the project's own folder (`none`)."""

    WORKTREE = "worktree"
    NONE = "none"


class AutoMerge(StrEnum):
    NEVER = "never"
    WHEN_CHECKS_PASS = "when_checks_pass"


class MergeState(StrEnum):
    """Whether an isolated shift's commits reached the user's branch."""

    UNMERGED = "unmerged"
    MERGED = "merged"
    DISCARDED = "discarded"


class Sandbox(StrEnum):
    """Claude Code's own sandbox (bubblewrap on Linux) around every command the agent runs."""

    ON = "on"
    OFF = "off"


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

    on_change: Annotated[list[str], PolicyMeta(
        "on change", "Trigger on change of", "--on-change",
        "start a shift when files matching this glob change (repeatable)", "GLOB",
        "comma-separated globs", code=True,
    )] = Field(default_factory=list, description="globs in the project")
    after: Annotated[list[str], PolicyMeta(
        "after", "Trigger after projects", "--after",
        "start a shift when a shift of PROJECT completes (repeatable)", "PROJECT",
        "comma-separated names",
    )] = Field(default_factory=list, description="project names")
    debounce_seconds: Annotated[float, PolicyMeta(
        "debounce", "Trigger debounce (seconds)", "--debounce-seconds",
        "quiet time before an --on-change trigger fires (default 5)", "S", show=pm.seconds,
    )] = Field(default=5.0, ge=0, le=3600)


DEFAULT_DENY = ["git push*"]
# Well-known secrets no shift needs to read (shifttui's own home is denied besides, always).
DEFAULT_DENY_READ = ["~/.ssh", "~/.aws", "~/.gnupg", "~/.config/gh", "~/.netrc",
                     "~/.claude/.credentials.json"]
_HOST_RE = re.compile(r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?")


class Policy(BaseModel):
    """How, when and within which limits shifts run on a project. Each field carries its
    PolicyMeta: the CLI flags, the form, the detail views and the context come from it."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: Annotated[bool, PolicyMeta(
        "enabled", "Enabled (scheduler, triggers)", "--enable",
        "let the scheduler and triggers start shifts",
        show=lambda v: "yes" if v else "no (manual starts only)",
        off_flag="--disable", off_help="only manual starts (no schedule or triggers)",
    )] = True
    schedule: Annotated[str | None, PolicyMeta(
        "schedule", "Schedule (cron, local time)", "--cron",
        "cron schedule in local time, e.g. '0 9 * * 1-5'", "EXPR", "e.g. 0 9 * * 1-5",
        off_flag="--no-cron", off_help="remove the schedule", code=True,
    )] = None
    catch_up: Annotated[CatchUp, PolicyMeta(
        "catch up", "Catch up missed runs", "--catch-up",
        "runs missed while shifttui was closed: skip them, or run once", "skip|once",
    )] = CatchUp.SKIP
    max_duration_minutes: Annotated[float, PolicyMeta(
        "max duration", "Max duration (minutes)", "--max-minutes",
        "longest a shift may run (default 120)", "N", show=pm.minutes,
    )] = Field(default=120, gt=0, le=24 * 60)
    wrap_up_seconds: Annotated[int, PolicyMeta(
        "wrap-up", "Wrap-up grace (seconds)", "--wrap-up-seconds",
        "grace after the deadline for the handoff (default 120)", "N", show=pm.seconds,
    )] = Field(default=120, ge=0, le=3600)
    max_budget_usd: Annotated[float, PolicyMeta(
        "budget", "Budget per shift (USD)", "--budget", "most a shift may cost (default 5.00)",
        "USD", show=pm.per_shift,
    )] = Field(default=5.0, gt=0, le=10_000)
    max_turns: Annotated[int | None, PolicyMeta(
        "max turns", "Max turns (blank: no limit)", "--max-turns",
        "turn limit per shift, or 'none'", "N", show=pm.or_text("no limit"),
    )] = Field(default=None, gt=0)
    pause_after_failures: Annotated[int, PolicyMeta(
        "pause after", "Pause after N failures", "--pause-after",
        "consecutive failures before the project is paused (default 3; 0 = never)", "N",
        show=lambda n: f"{n} failures" if n else "never",
    )] = Field(default=3, ge=0, le=1000)
    model: Annotated[str | None, PolicyMeta(
        "model", "Model (blank: default)", "--model", "the Claude model (default: the CLI's)",
        "M", show=pm.or_text("the CLI's default"),
    )] = None
    permission_mode: Annotated[PermissionMode, PolicyMeta(
        "permission mode", "Permission mode", "--permission-mode",
        "one of " + ", ".join(m.value for m in PermissionMode) + " (default acceptEdits)",
        "MODE",
    )] = PermissionMode.ACCEPT_EDITS
    allowed_tools: Annotated[list[str], PolicyMeta(
        "allowed tools", "Allowed tools", "--allow-tool",
        "tool allowed without asking (repeatable)", "T", "comma-separated",
    )] = Field(default_factory=list)
    disallowed_tools: Annotated[list[str], PolicyMeta(
        "disallowed tools", "Disallowed tools", "--disallow-tool",
        "tool the agent may not use (repeatable)", "T", "comma-separated",
    )] = Field(default_factory=list)
    deny_commands: Annotated[list[str], PolicyMeta(
        "deny commands", "Denied shell commands", "--deny-command",
        "shell pattern the agent may never run (repeatable)", "PATTERN",
        "comma-separated patterns", code=True,
    )] = Field(default_factory=lambda: list(DEFAULT_DENY))
    add_dirs: Annotated[list[str], PolicyMeta(
        "writable dirs", "Extra writable directories", "--add-dir",
        "extra directory the agent may write to (repeatable)", "DIR", "comma-separated",
        dirs=True, code=True,
    )] = Field(default_factory=list)
    sandbox: Annotated[Sandbox, PolicyMeta(
        "sandbox", "Sandbox (bubblewrap)", "--sandbox",
        "on (default): every command runs in Claude Code's sandbox, writing only in the "
        "project, its writable dirs and temp, with no network; off: commands run unconfined",
        "on|off",
    )] = Sandbox.ON
    network_hosts: Annotated[list[str], PolicyMeta(
        "network hosts", "Network hosts (sandboxed commands)", "--network-host",
        "host sandboxed commands may reach, e.g. pypi.org or *.npmjs.org (repeatable)", "HOST",
        "comma-separated hosts", code=True,
    )] = Field(default_factory=list)
    deny_read: Annotated[list[str], PolicyMeta(
        "deny read", "Paths the agent may not read", "--deny-read",
        "path or glob the agent may not read (repeatable; default ~/.ssh, ~/.aws, ~/.gnupg, "
        "~/.config/gh, ~/.netrc, Claude's credentials; shifttui's home always)", "PATH",
        "comma-separated paths", code=True,
    )] = Field(default_factory=lambda: list(DEFAULT_DENY_READ))
    context_files: Annotated[list[str], PolicyMeta(
        "context files", "Context files", "--context-file",
        "glob whose files go into the shift context (repeatable)", "GLOB",
        "comma-separated globs", code=True,
    )] = Field(default_factory=list)
    mcp_servers: Annotated[dict[str, dict[str, Any]], PolicyMeta(
        "mcp servers", "MCP servers (JSON object)", "--mcp-servers",
        'MCP servers as a JSON object (or @FILE), e.g. \'{"web": {"command": "npx", ...}}\'',
        "JSON", '{"name": {"command": "..."}}',
    )] = Field(default_factory=dict)
    prompt: Annotated[str, PolicyMeta(
        "prompt", "Prompt template", "--prompt",
        "prompt template in prompts/ (default shift_agent)", "NAME", context=False,
    )] = "shift_agent"
    instructions: Annotated[str, PolicyMeta(
        # The context gives the instructions a section of their own, in full.
        "instructions", "Instructions", "--instructions", "free instructions for every shift",
        "TEXT", widget="multiline", show=pm.one_line, context=False,
    )] = ""
    test_command: Annotated[str | None, PolicyMeta(
        "test command", "Test command", "--test-command",
        "shell command run after each shift ('' for none)", "CMD", code=True,
    )] = None
    lint_command: Annotated[str | None, PolicyMeta(
        "lint command", "Lint command", "--lint-command",
        "shell command run after each shift, beside the tests ('' for none)", "CMD", code=True,
    )] = None
    test_timeout_seconds: Annotated[int, PolicyMeta(
        "test timeout", "Test timeout (seconds)", "--test-timeout",
        "how long the test (and the lint) command may run (default 600)", "SECONDS",
        show=pm.seconds,
    )] = Field(default=600, gt=0, le=24 * 3600)
    isolation: Annotated[Isolation, PolicyMeta(
        "isolation", "Isolation", "--isolation",
        "worktree: shifts work on the branch shifttui/<project> in a copy of the repository, "
        "never in your checkout (default); none: in the folder itself (always, for a folder "
        "that is not a git repository)", "worktree|none",
    )] = Isolation.WORKTREE
    auto_merge: Annotated[AutoMerge, PolicyMeta(
        "auto merge", "Auto merge", "--auto-merge",
        "never (default): merge with `shifttui merge`; when_checks_pass: a shift whose checks "
        "pass merges into your branch by itself when that is safe", "never|when_checks_pass",
    )] = AutoMerge.NEVER
    judge_model: Annotated[str | None, PolicyMeta(
        "judge model", "Judge model (blank: no judge)", "--judge-model",
        "after the checks, this Claude model compares the shift's diff, the checks' output and "
        "the handoff, and fails a shift whose handoff claims work the diff lacks ('' for none)",
        "M", show=pm.or_text("no judge"), context=False,
    )] = None
    judge_budget_usd: Annotated[float, PolicyMeta(
        "judge budget", "Judge budget per shift (USD)", "--judge-budget",
        "most the judge may cost per shift (default 0.25)", "USD", show=pm.per_shift,
        context=False,
    )] = Field(default=0.25, gt=0, le=100)
    triggers: Triggers = Field(default_factory=Triggers)
    env: Annotated[dict[str, str], PolicyMeta(
        "environment", "Agent environment (JSON)", "--env",
        "environment variable for the agent (repeatable)", "KEY=VALUE", '{"NAME": "value"}',
    )] = Field(default_factory=dict, description="extra environment for the agent")

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

    @field_validator("model", "test_command", "lint_command", "judge_model")
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

    @field_validator("network_hosts", "deny_read")
    @classmethod
    def _containment_lists(cls, v: list[str], info: ValidationInfo) -> list[str]:
        out = []
        for item in (i.strip() for i in v):
            if not item:
                continue
            if "\x00" in item or "\n" in item:
                raise ValueError("entries must be single lines")
            if info.field_name == "network_hosts" and not _HOST_RE.fullmatch(item):
                raise ValueError(f"{item!r} is not a host name (a host, *.domain, or host:port)")
            if info.field_name == "deny_read" and not item.startswith(("/", "~")):
                raise ValueError(f"{item!r} must be an absolute path or start with ~")
            out.append(item)
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


class JudgeVerdict(BaseModel):
    """What the AI judge said about a shift (policy judge_model). `error` set: it gave no
    verdict (it failed or ran out of budget), `passed` is None and the shift is not failed."""

    passed: bool | None
    reasons: list[str] = Field(default_factory=list)
    claims_not_in_diff: list[str] = Field(default_factory=list)
    cost_usd: float = 0.0
    model: str = ""
    error: str | None = None

    @property
    def label(self) -> str:
        """'judge passed', 'judge FAILED' or 'judge error', wherever a shift's checks are listed."""
        if self.passed is None:
            return "judge error"
        return "judge passed" if self.passed else "judge FAILED"


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
    # An interrupted shift that continues by itself then (a plan window's reset).
    resume_at: datetime | None = None
    test_result: TestResult | None = None
    lint_result: TestResult | None = None
    judge_result: JudgeVerdict | None = None
    files_changed: list[str] = Field(default_factory=list)
    reviewed_at: datetime | None = None
    # Isolation (None: the shift ran in the project's folder): the work repository, its
    # branch, and the shift's own range of commits on it.
    workdir: str | None = None
    branch: str | None = None
    base_commit: str | None = None
    head_commit: str | None = None
    merge_state: MergeState | None = None

    @property
    def checks_passed(self) -> bool | None:
        """Every check that ran passed (the judge's verdict among them); None when none ran."""
        results = [r.passed for r in (self.test_result, self.lint_result) if r is not None]
        if self.judge_result is not None and self.judge_result.passed is not None:
            results.append(self.judge_result.passed)
        return all(results) if results else None

    @property
    def checks_failed(self) -> bool:
        return self.failure_kind is FailureKind.CHECKS_FAILED

    @property
    def duration_s(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


_ITEM_MAX = 4000


@dataclass(frozen=True, slots=True)
class Section:
    """A handoff section's title wherever a handoff is shown. The field's description is what
    the agent is asked to put in it (the complete_shift schema)."""

    title: str
    code: bool = False  # file paths: `quoted` where the text is markdown
    prefix: str = ""  # before each item where it is shown: "#3" for a task number


def _clean_items(v: list[str]) -> list[str]:
    out = []
    for item in v:
        if len(item) > _ITEM_MAX:
            raise ValueError(f"each item must be at most {_ITEM_MAX} characters")
        if item.strip():
            out.append(item.strip())
    return out


_Items = Annotated[list[str], Field(max_length=200), AfterValidator(_clean_items)]


def _task_numbers(v: list[int]) -> list[int]:
    if any(n < 1 for n in v):
        raise ValueError("task numbers start at 1")
    return list(dict.fromkeys(v))  # each once, in the agent's order


_TaskNumbers = Annotated[list[int], Field(max_length=200), AfterValidator(_task_numbers)]


class HandoffInput(BaseModel):
    """What the agent (or operator) writes; validated before a shift may complete. Its fields
    are the handoff's sections: the tool schema, the editor, the viewer, the CLI's markdown and
    the context are derived from them (handoff_sections)."""

    model_config = ConfigDict(extra="forbid")

    summary: Annotated[str, Section("Summary")] = Field(
        min_length=1, max_length=20_000, description="What this shift did and why (required).")
    completed: Annotated[_Items, Section("Completed")] = Field(
        default_factory=list, description="Things finished in this shift.")
    in_progress: Annotated[_Items, Section("In progress")] = Field(
        default_factory=list, description="Work started but not finished.")
    blockers: Annotated[_Items, Section("Blockers")] = Field(
        default_factory=list, description="What stopped you or will stop the next shift.")
    next_steps: Annotated[_Items, Section("Next steps")] = Field(
        default_factory=list, description="The most valuable next steps, in order.")
    decisions: Annotated[_Items, Section("Decisions")] = Field(
        default_factory=list, description="Decisions taken and why.")
    questions_for_operator: Annotated[_Items, Section("Questions for the operator")] = Field(
        default_factory=list, description="Questions for the human.")
    tasks_done: Annotated[_TaskNumbers, Section("Tasks done", prefix="#")] = Field(
        default_factory=list, description="Numbers of the operator's tasks (the context's "
        "task list) this shift finished, e.g. [3]; shifttui closes them.")
    tasks_progress: Annotated[_Items, Section("Task progress")] = Field(
        default_factory=list, description="A note on each task started but not finished, "
        'beginning with its number: "4: parser done, tests next".')

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("summary must say what the shift did")
        return v.strip()


class Handoff(HandoffInput):
    model_config = ConfigDict(extra="ignore")

    id: int
    shift_id: str
    project_id: str
    files_changed: Annotated[list[str], Section("Files changed", code=True)] = Field(
        default_factory=list, description="Filled in by shifttui from git, not by the agent.")
    author: Author = Author.AGENT
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HandoffSection:
    name: str  # the field: "next_steps"
    title: str  # "Next steps"
    hint: str  # what goes in it
    is_list: bool
    required: bool
    code: bool
    numbers: bool = False  # a list of whole numbers (task numbers), not of strings
    prefix: str = ""

    def item(self, text: str | int) -> str:
        """One entry as markdown: a file path in backticks, a task number as #3."""
        return f"`{text}`" if self.code else f"{self.prefix}{text}"


def handoff_sections(model: type[HandoffInput] = Handoff) -> list[HandoffSection]:
    """The sections of `model` in order: HandoffInput for what is written, Handoff (the
    default) for what is shown, files_changed included."""
    out = []
    for name, info in model.model_fields.items():
        section = next((m for m in info.metadata if isinstance(m, Section)), None)
        if section is not None:
            out.append(HandoffSection(name, section.title, info.description or "",
                                      info.annotation is not str, info.is_required(),
                                      section.code, info.annotation == list[int],
                                      section.prefix))
    return out


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


def first_error(exc: ValidationError) -> str:
    """One readable sentence for a pydantic error: 'field: message'."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
