"""The markdown a shift starts from (SPEC §3 step 2) and the prompts rendered from it."""

from __future__ import annotations

import asyncio
import functools
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shifttui.base.config import resource_dir
from shifttui.base.errors import InvalidInput
from shifttui.base.models import (
    Feedback,
    Handoff,
    Policy,
    Project,
    Shift,
    ShiftStatus,
    handoff_sections,
)
from shifttui.base.policy_meta import describe
from shifttui.base.text import ago, duration, first_line, money
from shifttui.shifts.checks_found import last_checks_section
from shifttui.shifts.tasks import tasks_section
from shifttui.store import Store
from shifttui.system import globs
from shifttui.system.git import git_changed_files, git_head, git_problem, run_git

PER_FILE_CHARS = 20_000
MAX_CONTEXT_FILES = 40
STATUS_LINES = 40
FILES_CHANGED_SHOWN = 60
EARLIER_HANDOFFS = 3
RECENT_SHIFTS = 8
FEEDBACK_SHOWN = 8
# git_head and git_changed_files are part of what this module offers its callers.
__all__ = ["TRUNCATED", "build_context", "check_prompt", "first_message", "git_changed_files",
           "git_head", "protocol_text", "render_prompt"]
TRUNCATED = "[truncated]"
_MIN_CHARS = 500


@dataclass
class _Section:
    text: str
    rank: int  # lower is more important; the highest rank is cut first


async def build_context(
    store: Store, project: Project, *, now: datetime, max_chars: int = 60_000,
    git_note: str | None = None,
) -> str:
    """Everything the agent should know before deciding what to do, capped at `max_chars`.
    `git_note`: how the work branch stands (isolation), at the head of the git section."""
    if max_chars < _MIN_CHARS:
        raise ValueError(f"max_chars must be at least {_MIN_CHARS}")
    root = Path(project.path)
    # All at once: git's processes and the file reads overlap the database's round trips.
    history, recent, feedback, git_text, files_text, tasks_text = await asyncio.gather(
        store.handoffs.history(project.id, limit=1 + EARLIER_HANDOFFS),
        store.shifts.list(project.id, limit=RECENT_SHIFTS + 1),
        store.feedback.for_project(project.id, limit=FEEDBACK_SHOWN),
        _git_section(root, git_note),
        asyncio.to_thread(_files_section, root, project.policy.context_files),
        _tasks_text(store, project, root),
    )
    shifts = [
        s for s in recent
        if s.status is not ShiftStatus.RUNNING  # the shift being started is not news
    ][:RECENT_SHIFTS]
    sections = [
        _Section(_project_section(project, root, now), 0),
        _Section(tasks_text, 1),  # the operator's tasks lead: they say what to work on
        _Section(_latest_handoff_section(history[0] if history else None), 1),
        _Section(last_checks_section(shifts[0] if shifts else None), 1),
        _Section(_feedback_section(feedback), 2),
        _Section(_shifts_section(shifts, now), 3),
        _Section(_earlier_handoffs_section(history[1:]), 4),
        _Section(git_text, 5),
        _Section(files_text, 6),
    ]
    return _fit(sections, max_chars)


# sections ------------------------------------------------------------------------------------


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _project_section(project: Project, root: Path, now: datetime) -> str:
    p = project.policy
    lines = [
        f"# Shift context: {project.name}",
        "",
        f"- Now: {_when(now)}",
        f"- Project: {project.name} (id `{project.id}`)",
        f"- Path: `{project.path}`",
    ]
    if not root.exists():
        lines.append(f"- **The project directory {project.path} does not exist.**")
    elif not root.is_dir():
        lines.append(f"- **The project path {project.path} is not a directory.**")
    lines += ["", "## Policy and limits", ""]
    lines += [f"- {f.meta.label}: {f.markdown(p) or 'none'}"
              for f in describe(Policy) if f.meta.context]
    lines.append("- Writes are allowed only inside the project"
                 + (" and the writable dirs" if p.add_dirs else ""))
    if p.instructions.strip():
        lines += ["", "## Operator instructions", "", p.instructions.strip()]
    return "\n".join(lines)


def _bullets(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    return ["", f"**{title}**", "", *(f"- {item}" for item in items)]


def _latest_handoff_section(handoff: Handoff | None) -> str:
    if handoff is None:
        return "## Latest handoff\n\nNone yet: this is the first shift on this project."
    lines = [
        "## Latest handoff",
        "",
        f"From shift `{handoff.shift_id}`, {_when(handoff.created_at)}, "
        f"written by {handoff.author.value}.",
        "",
        handoff.summary,
    ]
    for section in handoff_sections():
        values = getattr(handoff, section.name)
        if not section.is_list:
            continue  # the summary is above, in full
        shown = [section.item(v) for v in values[:FILES_CHANGED_SHOWN]]
        if len(values) > FILES_CHANGED_SHOWN:
            shown.append(f"… and {len(values) - FILES_CHANGED_SHOWN} more")
        lines += _bullets(section.title, shown)
    return "\n".join(lines)


def _earlier_handoffs_section(handoffs: list[Handoff]) -> str:
    if not handoffs:
        return ""
    lines = ["## Earlier handoffs", ""]
    lines += [f"- {_when(h.created_at)}: {first_line(h.summary, 200)}" for h in handoffs]
    return "\n".join(lines)


def _shifts_section(shifts: list[Shift], now: datetime) -> str:
    if not shifts:
        return "## Recent shifts\n\nNo earlier shifts."
    lines = ["## Recent shifts (newest first)", ""]
    for s in shifts:
        parts = [
            f"{_when(s.started_at)} ({ago(s.started_at, now)})",
            s.status.value,
            s.trigger.value,
            money(s.cost_usd),
            duration(s.duration_s),
        ]
        if s.failure_kind is not None:
            parts.append(s.failure_kind.value)
        if s.test_result is not None:
            parts.append("tests passed" if s.test_result.passed else "tests FAILED")
        if s.judge_result is not None:
            parts.append(s.judge_result.label)
        if s.error:
            parts.append(first_line(s.error, 200))
        lines.append("- " + " · ".join(parts))
    return "\n".join(lines)


def _feedback_section(feedback: list[Feedback]) -> str:
    if not feedback:
        return ""
    lines = ["## Operator feedback (newest first; take it into account)", ""]
    for f in feedback:
        note = f.note.strip().replace("\n", " ") or "(no note)"
        lines.append(f"- {f.rating}/5 on shift `{f.shift_id}` ({_when(f.created_at)}): {note}")
    return "\n".join(lines)


async def _tasks_text(store: Store, project: Project, root: Path) -> str:
    tasks = await store.tasks.open(project.id)
    if not tasks:
        return ""
    read = functools.partial(_file_body, real_root=root.resolve())
    return await asyncio.to_thread(tasks_section, root, tasks, read)


# git -----------------------------------------------------------------------------------------


async def _git_section(path: Path, note: str | None = None) -> str:
    branch, status, log = await asyncio.gather(
        run_git(path, "symbolic-ref", "--short", "-q", "HEAD"),
        run_git(path, "status", "--short"),
        run_git(path, "log", "--oneline", "--no-decorate", "-n", "10"),
    )
    # `git status` works only inside a work tree, so its success answers what git_problem
    # would; only a failure costs a second round, to say why (a timeout already says it).
    if status.code == 124:
        return f"## Git\n\n{status.first_error.capitalize()}."
    problem = None if status.code == 0 else await git_problem(path)
    if problem is not None:
        return f"## Git\n\n{problem.capitalize()}."
    if branch.code == 0:
        branch_text = branch.out.strip()
    else:
        head = await git_head(path)
        branch_text = f"detached HEAD at {head[:12]}" if head else "unknown"
    lines = ["## Git", ""]
    if note:
        lines += [note, ""]
    lines += [f"Branch: `{branch_text}`", "", "Status (`git status --short`):", ""]
    status_lines = status.out.rstrip("\n").splitlines() if status.code == 0 else []
    if status.code != 0:
        lines.append(f"    (git status failed: {first_line(status.err, 200)})")
    elif not status_lines:
        lines.append("    clean")
    else:
        lines += [f"    {line}" for line in status_lines[:STATUS_LINES]]
        if len(status_lines) > STATUS_LINES:
            lines.append(f"    … and {len(status_lines) - STATUS_LINES} more")
    lines += ["", "Last commits:", ""]
    commits = log.out.strip().splitlines() if log.code == 0 else []
    lines += [f"    {c}" for c in commits] if commits else ["    no commits yet"]
    return "\n".join(lines)


# context files -------------------------------------------------------------------------------


def _files_section(root: Path, patterns: list[str]) -> str:
    """The files named by the policy's globs, each under its own heading (runs in a thread)."""
    if not patterns:
        return ""
    lines = ["## Context files"]
    if not root.is_dir():
        return "\n".join([*lines, "", "Skipped: the project directory is missing."])
    real_root = root.resolve()
    # A dict keeps the first pattern's order and makes "seen before?" one lookup, not a scan.
    found: dict[Path, None] = {}
    for pattern in patterns:
        if (why := globs.problem(pattern)) is not None:
            lines += ["", f"(`{pattern}` skipped: {why})"]
            continue
        try:
            matches = globs.expand(root, [pattern])
        except OSError as exc:
            lines += ["", f"(`{pattern}` skipped: {exc.strerror or exc})"]
            continue
        if not matches:
            lines += ["", f"(no file matches `{pattern}`)"]
        found.update(dict.fromkeys(matches))
    seen = list(found)
    for match in seen[:MAX_CONTEXT_FILES]:
        rel = match.relative_to(root).as_posix()
        lines += ["", f"### {rel}", "", _file_body(match, real_root)]
    if len(seen) > MAX_CONTEXT_FILES:
        lines += ["", f"({len(seen) - MAX_CONTEXT_FILES} more matching files left out)"]
    return "\n".join(lines)


def _file_body(path: Path, real_root: Path) -> str:
    real = path.resolve()
    if not real.is_relative_to(real_root):
        return "(skipped: it links outside the project)"
    try:
        with real.open("rb") as fh:
            # UTF-8 needs at most 4 bytes a character; a little more tells us it was cut.
            raw = fh.read(PER_FILE_CHARS * 4 + 4)
    except OSError as exc:
        return f"(cannot read it: {exc.strerror})"
    if b"\0" in raw[:8192]:
        return "(binary file skipped)"
    text = raw.decode("utf-8", "replace")
    if len(text) > PER_FILE_CHARS or real.stat().st_size > len(raw):
        text = text[:PER_FILE_CHARS].rstrip() + f"\n\n{TRUNCATED} (the file is longer)"
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{text.rstrip()}\n{fence}"


# the cap -------------------------------------------------------------------------------------

_SEP = "\n\n"


def _fit(sections: list[_Section], max_chars: int) -> str:
    """Join the sections; cut the least important ones first until the whole fits."""
    parts = [s for s in sections if s.text]
    total = sum(len(s.text) for s in parts) + len(_SEP) * (len(parts) - 1)
    for section in sorted(parts, key=lambda s: -s.rank):
        if total <= max_chars:
            break
        before = len(section.text)
        section.text = _cut(section.text, before - (total - max_chars))
        total -= before - len(section.text)
    text = _SEP.join(s.text for s in parts)
    if len(text) > max_chars:
        text = _cut(text, max_chars)
    if len(text) > max_chars:  # only a pathological heading gets here
        text = text[: max_chars - len(TRUNCATED) - 1] + "\n" + TRUNCATED
    return text


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters (when possible) ending in a visible marker."""
    heading = text.split("\n", 1)[0] if text.startswith("#") else ""
    marker_tail = f"{TRUNCATED} {{}} characters left out to fit the context limit"
    room = limit - len(marker_tail.format(len(text))) - 2 - 5  # 5: a closing fence
    if room <= len(heading) + 2:
        kept = heading
    else:
        kept = text[:room]
        newline = kept.rfind("\n")
        if newline > room // 2:
            kept = kept[:newline]
        kept = kept.rstrip()
    fences = [line.strip() for line in kept.splitlines() if line.startswith("```")]
    if len(fences) % 2:  # keep the marker out of a code block cut in half
        kept += "\n" + fences[-1]
    marker = marker_tail.format(len(text) - len(kept))
    return f"{kept}\n\n{marker}" if kept else marker


# prompts -------------------------------------------------------------------------------------


def _load_prompt(name: str) -> str:
    path = resource_dir("prompts") / f"{name}.md"
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) or not path.is_file():
        raise InvalidInput(f"no prompt template named {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")


def render_prompt(project: Project, context: str, *, now: datetime, deadline: datetime) -> str:
    """The shift's first message: `prompts/<policy.prompt>.md` with its placeholders filled."""
    policy = project.policy
    values = {
        "project_name": project.name,
        "project_id": project.id,
        "project_path": project.path,
        "context": context.rstrip(),
        "now": _when(now),
        "deadline": _when(deadline),
        "max_minutes": f"{policy.max_duration_minutes:g}",
        "wrap_up_seconds": str(policy.wrap_up_seconds),
        "budget_usd": f"{policy.max_budget_usd:.2f}",
        "instructions": policy.instructions.strip() or "(none)",
        "test_command": policy.test_command or "(none)",
    }
    return string.Template(_load_prompt(policy.prompt)).safe_substitute(values)


async def first_message(store: Store, project: Project, *, now: datetime, deadline: datetime,
                        prefix: str = "", git_note: str | None = None) -> str:
    """The shift's first message: the context gathered now, in the prompt template."""
    context = await build_context(store, project, now=now, git_note=git_note)
    return prefix + render_prompt(project, context, now=now, deadline=deadline)


def check_prompt(project: Project) -> None:
    """Raises InvalidInput when the project's prompt template is not there."""
    _load_prompt(project.policy.prompt)


def protocol_text() -> str:
    """The shift protocol appended to Claude Code's own system prompt."""
    return _load_prompt("shift_protocol").strip() + "\n"
