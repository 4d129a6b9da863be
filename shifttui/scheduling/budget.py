"""The global daily budget: how much of today's `daily_budget_usd` the shifts have spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from shifttui.base.bus import Notice
from shifttui.base.config import Settings
from shifttui.base.text import money
from shifttui.store import Store

WARN_FRACTION = 0.75


class BudgetLevel(StrEnum):
    UNLIMITED = "unlimited"  # no daily_budget_usd configured
    OK = "ok"
    WARNING = "warning"  # at or above 75 %
    EXHAUSTED = "exhausted"  # at or above 100 %: no scheduled or triggered starts


@dataclass(frozen=True)
class BudgetState:
    spent_usd: float
    limit_usd: float | None
    level: BudgetLevel
    day_start: datetime  # local midnight (UTC-aware) the day's spending counts from

    @property
    def fraction(self) -> float | None:
        return None if not self.limit_usd else self.spent_usd / self.limit_usd

    @property
    def needs_confirmation(self) -> bool:
        """A manual start asks the operator first."""
        return self.level is BudgetLevel.EXHAUSTED

    def describe(self) -> str:
        if self.limit_usd is None:
            return f"{money(self.spent_usd)} today"
        pct = (self.fraction or 0.0) * 100
        return f"{money(self.spent_usd)} of {money(self.limit_usd)} today ({pct:.0f} %)"


def local_midnight(now: datetime, tz: tzinfo) -> datetime:
    """The start of `now`'s local day, as a UTC instant (a DST day has 23 or 25 hours)."""
    local = now.astimezone(tz)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    # A zone whose DST change happens at midnight has no 00:00 that day; fold=0 maps it
    # forward, which is still the first moment of the day.
    return midnight.astimezone(UTC)


def next_local_midnight(now: datetime, tz: tzinfo) -> datetime:
    local = now.astimezone(tz)
    tomorrow = (datetime(local.year, local.month, local.day) + timedelta(days=1)).replace(tzinfo=tz)
    return tomorrow.astimezone(UTC)


def level_for(spent: float, limit: float | None) -> BudgetLevel:
    if limit is None:
        return BudgetLevel.UNLIMITED
    if spent >= limit:
        return BudgetLevel.EXHAUSTED
    if spent >= limit * WARN_FRACTION:
        return BudgetLevel.WARNING
    return BudgetLevel.OK


async def daily_budget_state(
    store: Store, settings: Settings, now: datetime, tz: tzinfo
) -> BudgetState:
    """Today's spending against `daily_budget_usd`; ask before a manual start when exhausted."""
    start = local_midnight(now, tz)
    spent = await store.shifts.cost_since(start)
    limit = settings.daily_budget_usd
    return BudgetState(spent, limit, level_for(spent, limit), start)


class BudgetNotifier:
    """One notice per local day for each level reached: 75 % (warning), then 100 %."""

    def __init__(self) -> None:
        self._told: dict[datetime, BudgetLevel] = {}

    def check(self, budget: BudgetState) -> Notice | None:
        if budget.level not in (BudgetLevel.WARNING, BudgetLevel.EXHAUSTED):
            return None
        told = self._told.get(budget.day_start)
        if told is budget.level or told is BudgetLevel.EXHAUSTED:
            return None
        self._told = {budget.day_start: budget.level}
        exhausted = budget.level is BudgetLevel.EXHAUSTED
        return Notice(
            kind="daily_budget",
            title="daily budget reached" if exhausted else "daily budget at 75 %",
            message=budget.describe() + (
                "; no scheduled or triggered shifts until tomorrow" if exhausted else ""),
            severity="error" if exhausted else "warning",
            data={"spent_usd": budget.spent_usd, "limit_usd": budget.limit_usd,
                  "level": budget.level.value},
        )
