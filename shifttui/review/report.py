"""The day report (markdown): what the shifts of one local day did, cost and left behind.

Deterministic for a given database and day: no "generated at", times in the given zone, shifts
in start order, so a report can be compared or committed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

from shifttui.base.errors import InvalidInput
from shifttui.base.models import Project, Shift, ShiftStatus
from shifttui.base.states import Decision, DecisionOutcome
from shifttui.base.text import duration, first_line, money, printable
from shifttui.review.inbox import unreviewed_count
from shifttui.store import Store

SUMMARY_CHARS = 120
MAX_DAY_SHIFTS = 10_000
MAX_DAY_DECISIONS = 10_000
NOT_STARTED_SHOWN = 30

_Fmt = Callable[[datetime], str]


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--date {text!r} is not a date like 2026-11-21") from None


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local day starts and ends (23 or 25 hours on DST days)."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    # In UTC: arithmetic between two datetimes of the same zone ignores the DST change.
    return start.astimezone(UTC), end.astimezone(UTC)


async def day_report(
    store: Store, day: date, tz: tzinfo, *, daily_budget_usd: float | None
) -> str:
    start, end = day_bounds(day, tz)
    shifts = await store.shifts.list(since=start, until=end, limit=MAX_DAY_SHIFTS)
    shifts.sort(key=lambda s: (s.started_at, s.id))
    decisions = [
        d for d in await store.scheduling.decisions(since=start, limit=MAX_DAY_DECISIONS)
        if d.ts < end
    ]
    decisions.sort(key=lambda d: (d.ts, d.id))
    projects = {p.id: p for p in await store.projects.list()}
    names = {pid: p.name for pid, p in projects.items()}

    def hm(when: datetime) -> str:
        return when.astimezone(tz).strftime("%H:%M")

    lines = [f"# shifttui day report: {day.isoformat()}", ""]
    lines += _totals(shifts, daily_budget_usd, await unreviewed_count(store))
    summaries = {}
    for s in shifts:
        handoff = await store.handoffs.for_shift(s.id) if s.handoff_id is not None else None
        summaries[s.id] = handoff.summary if handoff else ""
    lines += _per_project(shifts, names, summaries, hm)
    lines += _failures(shifts, decisions, names, hm)
    lines += _not_started(decisions, names, hm)
    lines += _paused(list(projects.values()))
    # Handoffs and errors are the agent's words: a report printed to a terminal shows them.
    return printable("\n".join(lines).rstrip("\n") + "\n")


def _totals(shifts: list[Shift], budget: float | None, unreviewed: int) -> list[str]:
    spent = sum(s.cost_usd for s in shifts)
    counts = Counter(s.status.value for s in shifts)
    by_status = ", ".join(f"{counts[st.value]} {st.value}" for st in ShiftStatus
                          if counts[st.value])
    if budget is None:
        spent_text = f"{money(spent)} (no daily budget set)"
    else:
        spent_text = (f"{money(spent)} of the {money(budget)} daily budget "
                      f"({spent / budget * 100:.0f} %)")
        if spent >= budget:
            spent_text += ", reached"
    return [
        "## Totals",
        "",
        f"- Shifts: {len(shifts)}" + (f" ({by_status})" if by_status else ""),
        f"- Cost: {spent_text}",
        f"- Waiting for review (all days): {unreviewed}",
        "",
    ]


def _per_project(shifts: list[Shift], names: dict[str, str], summaries: dict[str, str],
                 hm: _Fmt) -> list[str]:
    if not shifts:
        return ["No shifts on this day.", ""]
    by_project: dict[str, list[Shift]] = {}
    for s in shifts:
        by_project.setdefault(s.project_id, []).append(s)
    lines: list[str] = []
    def order(pid: str) -> tuple[str, str]:
        return names.get(pid, pid).lower(), pid

    for pid in sorted(by_project, key=order):
        group = by_project[pid]
        total = sum(s.cost_usd for s in group)
        n = len(group)
        lines += [f"## {names.get(pid, pid)}", "",
                  f"{n} shift{'s' if n != 1 else ''}, {money(total)}", ""]
        lines += [_shift_line(s, summaries.get(s.id, ""), hm) for s in group]
        lines.append("")
    return lines


def _shift_line(s: Shift, summary: str, hm: _Fmt) -> str:
    status = s.status.value + (" (forced)" if s.forced else "")
    facts = [s.trigger.value, duration(s.duration_s, unknown="running"), money(s.cost_usd)]
    if s.failure_kind is not None:
        facts.insert(0, s.failure_kind.value)
    if s.test_result is not None:
        facts.append("tests passed" if s.test_result.passed else "tests FAILED")
    if s.lint_result is not None:
        facts.append("lint passed" if s.lint_result.passed else "lint FAILED")
    if s.judge_result is not None:
        facts.append(s.judge_result.label)
    if s.merge_state is not None:
        facts.append(s.merge_state.value)
    line = f"- **{hm(s.started_at)}** {status} · " + " · ".join(facts) + f" · `{s.id}`"
    # The handoff says what a shift did; without one, its error says why not.
    text = first_line(summary, SUMMARY_CHARS) if summary else first_line(s.error, SUMMARY_CHARS)
    return line + (f" — {text}" if text else "")


def _failures(shifts: list[Shift], decisions: list[Decision], names: dict[str, str],
              hm: _Fmt) -> list[str]:
    events: list[tuple[datetime, str, str]] = []
    for s in shifts:
        if s.status in (ShiftStatus.FAILED, ShiftStatus.EXPIRED) or s.checks_failed:
            kind = s.failure_kind.value if s.failure_kind else s.status.value
            error = first_line(s.error, SUMMARY_CHARS)
            when = s.ended_at or s.started_at
            events.append((when, s.id, f"{names.get(s.project_id, s.project_id)}: shift "
                           f"`{s.id}` {s.status.value} ({kind})" + (f": {error}" if error
                                                                    else "")))
    for d in decisions:
        name = names.get(d.project_id, d.project_id)
        if d.outcome is DecisionOutcome.PAUSED:
            events.append((d.ts, f"~{d.id:012d}", f"{name}: {d.detail or 'paused'}"))
        elif d.outcome is DecisionOutcome.FAILED:
            events.append((d.ts, f"~{d.id:012d}",
                           f"{name}: a {d.source} run could not start: "
                           f"{first_line(d.detail, SUMMARY_CHARS)}"))
    if not events:
        return []
    events.sort()
    return ["## Failures and auto-pauses", "",
            *(f"- {hm(when)} {text}" for when, _, text in events), ""]


def _not_started(decisions: list[Decision], names: dict[str, str], hm: _Fmt) -> list[str]:
    missed = [d for d in decisions
              if d.outcome in (DecisionOutcome.SKIPPED, DecisionOutcome.DEFERRED,
                               DecisionOutcome.HELD)]
    if not missed:
        return []
    lines = ["## Runs that did not start (or waited)", ""]
    for d in missed[:NOT_STARTED_SHOWN]:
        name = names.get(d.project_id, d.project_id)
        lines.append(f"- {hm(d.ts)} {name}: {d.source} {d.outcome}"
                     + (f": {first_line(d.detail, SUMMARY_CHARS)}" if d.detail else ""))
    if len(missed) > NOT_STARTED_SHOWN:
        lines.append(f"- … and {len(missed) - NOT_STARTED_SHOWN} more")
    return [*lines, ""]


def _paused(projects: list[Project]) -> list[str]:
    paused = [p for p in projects if p.paused]
    if not paused:
        return []
    return ["## Paused now", "",
            *(f"- {p.name}" + (f": {p.paused_reason}" if p.paused_reason else "")
              for p in paused), ""]


