"""What the command line prints for each entity: the `--json` shapes and the human text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shifttui.base.models import Handoff, Policy, Project, Shift, ShiftEvent, handoff_sections
from shifttui.base.policy_meta import describe
from shifttui.base.text import printable
from shifttui.cli import fmt
from shifttui.store import Store


def project_json(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def shift_json(shift: Shift, project_name: str | None = None) -> dict[str, Any]:
    data = shift.model_dump(mode="json", exclude={"owner_token"})
    data["project"] = project_name or shift.project_id
    data["duration_s"] = shift.duration_s
    # test_result stays where scripts found it before the checks grew
    data["checks"] = {"passed": shift.checks_passed, "test": data["test_result"],
                      "lint": data.pop("lint_result"), "judge": data.pop("judge_result")}
    return data


def handoff_json(handoff: Handoff, project_name: str | None = None) -> dict[str, Any]:
    data = handoff.model_dump(mode="json")
    data["project"] = project_name or handoff.project_id
    return data


def event_json(event: ShiftEvent) -> dict[str, Any]:
    return event.to_json()


def shift_table(shifts: list[Shift], names: dict[str, str], now: datetime) -> str:
    rows = []
    for s in shifts:
        seconds = s.duration_s if s.ended_at else (now - s.started_at).total_seconds()
        rows.append([
            s.id, names.get(s.project_id, s.project_id), _outcome(s), s.trigger.value,
            fmt.local_time(s.started_at), fmt.duration(seconds), fmt.cost(s.cost_usd),
            str(s.num_turns), _note(s),
        ])
    return fmt.table(
        ["ID", "PROJECT", "STATUS", "TRIGGER", "STARTED", "TIME", "COST", "TURNS", "NOTE"], rows
    )


def _outcome(shift: Shift) -> str:
    if shift.failure_kind and (shift.status.value == "failed" or shift.checks_failed):
        return f"{shift.status.value}:{shift.failure_kind.value}"
    return shift.status.value + (" (forced)" if shift.forced else "")


def _note(shift: Shift) -> str:
    parts = []
    if shift.test_result is not None:
        parts.append("tests passed" if shift.test_result.passed else "tests FAILED")
    if shift.lint_result is not None:
        parts.append("lint passed" if shift.lint_result.passed else "lint FAILED")
    if shift.judge_result is not None:
        parts.append(shift.judge_result.label)
    if shift.merge_state is not None:
        parts.append(shift.merge_state.value)
    if shift.error:
        parts.append(fmt.first_line(shift.error, 50))
    return "; ".join(parts)


async def project_details(
    store: Store, project: Project, shifts: int, now: datetime, work_repo: str | None = None
) -> dict[str, Any]:
    """Everything `project show` prints, as JSON-ready data; `work_repo`: where its isolated
    shifts work (None: they run in place, or none has run yet)."""
    history = await store.shifts.list(project.id, limit=shifts) if shifts else []
    running = await store.shifts.running_for(project.id)
    handoff = await store.handoffs.latest(project.id)
    reset = await store.projects.failures_reset_at(project.id)
    data = project_json(project)
    data["consecutive_failures"] = await store.shifts.consecutive_failures(project.id, reset)
    data["running_shift_id"] = running.id if running else None
    data["next_runs"] = (
        fmt.next_fires(project.policy.schedule, now, 3) if project.policy.schedule else []
    )
    data["shifts"] = [shift_json(s, project.name) for s in history]
    data["latest_handoff"] = handoff_json(handoff, project.name) if handoff else None
    data["work_repo"] = work_repo
    data["unmerged_shifts"] = [s.id for s in await store.shifts.unmerged(project.id)]
    return data


def print_project(project: Project, details: dict[str, Any], now: datetime) -> None:
    if project.paused:
        state = "paused" + (f": {project.paused_reason}" if project.paused_reason else "")
    else:
        state = "active" if project.policy.enabled else "disabled (manual starts only)"
    if details["running_shift_id"]:
        state += f"; shift {details['running_shift_id']} running"
    fails = details["consecutive_failures"]
    limit = project.policy.pause_after_failures
    print(f"{project.name}  (id {project.id})")
    print(fmt.pairs([
        ("path", project.path),
        ("work branch", _work_branch(project, details)),
        ("state", state),
        ("created", fmt.local_time(project.created_at)),
        ("failures", f"{fails} in a row" + (f" (pauses at {limit})" if limit else "")),
    ]))
    print("\npolicy")
    print(fmt.pairs(policy_lines(project.policy, details["next_runs"])))
    shifts = [Shift.model_validate(s) for s in details["shifts"]]
    print("\nrecent shifts")
    if shifts:
        print(_indent(shift_table(shifts, {project.id: project.name}, now)))
    else:
        print("  none yet")
    handoff = details["latest_handoff"]
    if handoff:
        print(f"\nlatest handoff (shift {handoff['shift_id']}, {handoff['author']}, "
              f"{fmt.local_time(Handoff.model_validate(handoff).created_at)})")
        print(_indent(handoff["summary"]))
        for step in handoff["next_steps"]:
            print(f"  next: {step}")


def _work_branch(project: Project, details: dict[str, Any]) -> str:
    where = details.get("work_repo")
    if not where:
        return "none (shifts run in the project folder, or none has run yet)"
    waiting = len(details.get("unmerged_shifts") or [])
    return (f"shifttui/{project.id} in {where}"
            + (f" ({waiting} shift{'s' if waiting != 1 else ''} to merge)" if waiting else ""))


def policy_lines(policy: Policy, next_runs: list[str]) -> list[tuple[str, str]]:
    """Every policy field by its label (PolicyMeta), "-" when it is not set."""
    lines = []
    for f in describe(Policy):
        value = f.text(policy) or "-"
        if f.key == "schedule" and next_runs:
            value += f"  (next {', '.join(next_runs)})"
        lines.append((f.meta.label, value))
    return lines


def handoff_markdown(handoff: Handoff, project_name: str, shift: Shift | None) -> str:
    lines = [f"# Handoff: {project_name}, shift {handoff.shift_id}", ""]
    meta = [f"by {handoff.author.value}", fmt.local_time(handoff.created_at)]
    if shift is not None:
        meta.append(_outcome(shift))
        if shift.ended_at:
            meta.append(fmt.duration(shift.duration_s))
        meta.append(fmt.cost(shift.cost_usd))
    lines += ["*" + " · ".join(meta) + "*"]
    for section in handoff_sections():
        value = getattr(handoff, section.name)
        if not section.is_list:
            lines += ["", value]  # the summary reads as the document's first paragraph
        elif value:
            lines += ["", f"## {section.title}", "", *(f"- {section.item(v)}" for v in value)]
    if shift is not None and shift.test_result is not None:
        r = shift.test_result
        verdict = "passed" if r.passed else ("timed out" if r.timed_out else "failed")
        lines += ["", "## Tests", "", f"`{r.command}` {verdict} (exit {r.exit_code})"]
    return printable("\n".join(lines))  # the agent wrote most of it


def event_line(event: ShiftEvent) -> str:
    # One event, one line, whatever the summary holds: `grep` and `tail` rely on it.
    summary = " ↵ ".join(printable(event.summary).splitlines())
    return f"{fmt.clock_time(event.ts)}  {event.kind.value:<11}  {summary}"


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
