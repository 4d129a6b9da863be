"""What the projects view shows per project, read from the store in one pass (no Textual)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shifttui.base.models import Project, Shift
from shifttui.store import Store


@dataclass(frozen=True)
class ProjectRow:
    project: Project
    last: Shift | None
    running: Shift | None
    failures: int


async def load_project_rows(store: Store) -> list[ProjectRow]:
    projects = await store.projects.list()
    latest = await store.shifts.latest_per_project()
    running = {s.project_id: s for s in await store.shifts.running()}
    # One query for all projects: two per project (400 round trips to the database thread,
    # each waiting for the busy start-up loop) took most of the time to fill the table.
    failures = await store.shifts.consecutive_failures_all()
    rows = []
    for project in projects:
        last = latest.get(project.id)
        # The "last shift" column is about finished shifts; a running one has its own glyph.
        if last is not None and project.id in running and last.id == running[project.id].id:
            ended = [
                s for s in await store.shifts.list(project.id, limit=2) if s.status.ended
            ]
            last = ended[0] if ended else None
        rows.append(ProjectRow(project, last, running.get(project.id),
                               failures.get(project.id, 0)))
    return rows


def project_glyph(row: ProjectRow) -> tuple[str, str]:
    """(glyph, style) for the status column."""
    if row.running is not None:
        return "▶", "bold cyan"
    if row.project.paused:
        return "‖", "yellow"
    if row.failures:
        return "✖", "red"
    if not row.project.policy.enabled:
        return "○", "dim"
    return "●", "green"


def limits_text(project: Project) -> str:
    p = project.policy
    return f"${p.max_budget_usd:g}/{p.max_duration_minutes:g}m"


def age(now: datetime, when: datetime | None) -> float | None:
    return None if when is None else (now - when).total_seconds()
