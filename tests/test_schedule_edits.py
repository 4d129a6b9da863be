"""An edited schedule counts its runs from the edit, not from the old schedule's last run: the
bug was "skipped: missed 13 runs" right after changing a project's cron while no scheduler ran.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Settings
from shifttui.base.models import CatchUp, Policy, Project
from shifttui.base.states import Decision
from shifttui.review.portfolio import export_portfolio, import_portfolio
from shifttui.scheduling.scheduler import Scheduler
from shifttui.store import Store
from tests.scheduler_support import FakeStarter

pytestmark = pytest.mark.timeout(30)

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


def scheduler(store: Store, clock: FakeClock) -> tuple[Scheduler, FakeStarter]:
    starter = FakeStarter(store, clock)
    return Scheduler(store, starter, Settings(max_concurrent_shifts=8), clock=clock,
                     tz=BERLIN), starter


async def hourly_project(store: Store, clock: FakeClock, **policy: object) -> Project:
    """A project whose hourly schedule fired at 09:00; then its scheduler stopped."""
    clock.set(berlin(2026, 11, 20, 8, 59, 50))
    project = await store.projects.add(
        "p", "/tmp/p", Policy(schedule="0 * * * *", **policy), clock.now())  # type: ignore[arg-type]
    sched, starter = scheduler(store, clock)
    clock.set(berlin(2026, 11, 20, 9, 0, 1))
    await sched.run_once()
    assert len(starter.calls) == 1
    await sched.close()
    return project


def missed(decisions: list[Decision]) -> list[str]:
    return [d.detail for d in decisions if "missed" in d.detail]


@pytest.mark.parametrize("catch_up", [CatchUp.SKIP, CatchUp.ONCE])
async def test_an_edit_while_no_scheduler_runs_counts_from_the_edit(
    store: Store, clock: FakeClock, catch_up: CatchUp
) -> None:
    project = await hourly_project(store, clock, catch_up=catch_up)
    # 13 hours later, `shifttui project set p --cron '30 * * * *'` (no app open)
    clock.set(berlin(2026, 11, 20, 22, 10))
    await store.projects.update_policy(
        project.id, project.policy.model_copy(update={"schedule": "30 * * * *"}), clock.now())
    # The app opens a little later: nothing was due under the new schedule before 22:30.
    sched, starter = scheduler(store, clock)
    clock.set(berlin(2026, 11, 20, 22, 20))
    await sched.run_once()
    assert missed(await store.scheduling.decisions(project.id)) == []
    assert starter.calls == []  # no catch-up either
    clock.set(berlin(2026, 11, 20, 22, 30, 1))
    await sched.run_once()
    assert [c.at for c in starter.calls] == [clock.now()]
    assert missed(await store.scheduling.decisions(project.id)) == []


async def test_runs_missed_after_the_edit_still_count(store: Store, clock: FakeClock) -> None:
    project = await hourly_project(store, clock)
    clock.set(berlin(2026, 11, 20, 12, 10))
    await store.projects.update_policy(
        project.id, project.policy.model_copy(update={"schedule": "30 * * * *"}), clock.now())
    # Closed until 15:45: 12:30, 13:30, 14:30 and 15:30 were due under the new schedule.
    sched, _ = scheduler(store, clock)
    clock.set(berlin(2026, 11, 20, 15, 45))
    await sched.run_once()
    [detail] = missed(await store.scheduling.decisions(project.id))
    assert detail.startswith("missed 4 runs while no scheduler ran (last due 2026-11-20 15:30)")


async def test_an_edit_seen_by_a_running_scheduler_and_other_fields(
    store: Store, clock: FakeClock
) -> None:
    project = await hourly_project(store, clock)
    sched, starter = scheduler(store, clock)
    clock.set(berlin(2026, 11, 20, 9, 30))
    await sched.run_once()  # this scheduler now caches the hourly schedule
    # A budget edit is not a schedule edit: the mark stays, so the missed runs are reported.
    await store.projects.update_policy(
        project.id, project.policy.model_copy(update={"max_budget_usd": 2.0}), clock.now())
    assert await store.scheduling.last_due(project.id) == berlin(2026, 11, 20, 9, 0)
    # The same schedule re-added after a pause without one: runs count from then too.
    await store.projects.update_policy(
        project.id, project.policy.model_copy(update={"schedule": None}), clock.now())
    clock.set(berlin(2026, 11, 21, 9, 30))
    await sched.run_once()
    await store.projects.update_policy(project.id, project.policy, clock.now())
    clock.set(berlin(2026, 11, 21, 9, 40))
    await sched.run_once()
    assert missed(await store.scheduling.decisions(project.id)) == []
    clock.set(berlin(2026, 11, 21, 10, 0, 1))
    await sched.run_once()
    assert [c.at for c in starter.calls] == [clock.now()]


async def test_the_mark_never_moves_back_and_imports_move_it_too(
    store: Store, clock: FakeClock
) -> None:
    project = await hourly_project(store, clock)
    # An edit stamped before the mark (another machine's clock) keeps the later mark.
    await store.projects.update_policy(
        project.id, project.policy.model_copy(update={"schedule": "5 * * * *"}),
        berlin(2026, 11, 20, 8, 0))
    assert await store.scheduling.last_due(project.id) == berlin(2026, 11, 20, 9, 0)

    clock.set(berlin(2026, 11, 21, 7, 0))
    exported = await export_portfolio(store)
    exported_text = exported.replace('"5 * * * *"', '"45 * * * *"')
    assert exported_text != exported
    await import_portfolio(store, exported_text, "test.toml", clock.now())
    assert await store.scheduling.last_due(project.id) == clock.now()
    # An import that leaves the schedule as it is leaves the mark too.
    clock.set(berlin(2026, 11, 21, 8, 0))
    await import_portfolio(store, exported_text, "test.toml", clock.now())
    assert await store.scheduling.last_due(project.id) == berlin(2026, 11, 21, 7, 0)
