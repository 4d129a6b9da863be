"""A subscription's plan windows (the 5-hour and weekly limits) as Claude Code reports them.

With subscription auth the CLI turns the API's `anthropic-ratelimit-unified-*` headers into
rate-limit events; `windows_from_raw` reads one event's raw dict (the SDK's
`RateLimitInfo.raw`), `PlanState` is the latest of every window and answers what the scheduler
and the views ask: is a window exhausted, until when, is the reserve reached.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class WindowStatus(StrEnum):
    ALLOWED = "allowed"
    WARNING = "allowed_warning"  # past a warning threshold of the window
    REJECTED = "rejected"  # the window is exhausted until it resets


# The windows Claude Code names; another name it may add later is kept as it comes.
FIVE_HOUR = "five_hour"
SEVEN_DAY = "seven_day"
OVERAGE = "overage"
_LABELS = {FIVE_HOUR: "5h", SEVEN_DAY: "7d", "seven_day_opus": "7d opus",
           "seven_day_sonnet": "7d sonnet", OVERAGE: "overage"}
_LONG = {FIVE_HOUR: "5-hour", SEVEN_DAY: "weekly", "seven_day_opus": "weekly Opus",
         "seven_day_sonnet": "weekly Sonnet", OVERAGE: "overage"}
_ORDER = list(_LABELS)


def window_label(kind: str) -> str:
    """The short name a gauge shows: 5h, 7d, 7d opus."""
    return _LABELS.get(kind, kind.replace("_", " "))


def window_name(kind: str) -> str:
    """The name a sentence uses: the 5-hour window, the weekly window."""
    return _LONG.get(kind, kind.replace("_", " "))


class PlanWindow(BaseModel):
    """The latest state of one window, and when it was seen."""

    type: str
    status: WindowStatus
    utilization: float | None = None  # 0..1
    resets_at: datetime | None = None
    seen_at: datetime
    shift_id: str | None = None  # the shift whose agent reported it

    def exhausted(self, now: datetime) -> bool:
        """Rejected and not yet reset (a window whose reset passed is open again)."""
        return self.status is WindowStatus.REJECTED and (
            self.resets_at is None or self.resets_at > now)


class PlanState(BaseModel):
    """Every window seen so far; empty with API-key auth, where the CLI reports none."""

    windows: list[PlanWindow] = []

    @property
    def updated_at(self) -> datetime | None:
        return max((w.seen_at for w in self.windows), default=None)

    @property
    def seen(self) -> bool:
        return bool(self.windows)

    def window(self, kind: str) -> PlanWindow | None:
        return next((w for w in self.windows if w.type == kind), None)

    def sorted(self) -> list[PlanWindow]:
        def key(w: PlanWindow) -> tuple[int, str]:
            return (_ORDER.index(w.type) if w.type in _ORDER else len(_ORDER), w.type)
        return sorted(self.windows, key=key)

    def exhausted(self, now: datetime) -> PlanWindow | None:
        """The exhausted window that resets last (the one to wait for), or None.

        The overage window is not a limit of the plan itself: its rejection only means no
        extra usage is bought, so it holds nothing."""
        out = [w for w in self.windows if w.type != OVERAGE and w.exhausted(now)]
        return max(out, key=lambda w: w.resets_at or datetime.max.replace(tzinfo=UTC),
                   default=None)

    def reserve_reached(self, reserve_percent: float, now: datetime) -> PlanWindow | None:
        """The 5-hour window when its utilization is at or above 1 - reserve (and it has not
        reset since it was seen); None when the reserve is 0 or not reached."""
        five = self.window(FIVE_HOUR)
        if reserve_percent <= 0 or five is None or five.utilization is None:
            return None
        if five.resets_at is not None and five.resets_at <= now:
            return None
        # Compared in whole per-mille: 0.9 + 0.1 reserve must count as reached.
        if round(five.utilization * 1000) >= round(1000 - reserve_percent * 10):
            return five
        return None

    def to_json(self) -> dict[str, Any]:
        """What `shifttui usage --json` prints."""
        return {
            "windows": [{"type": w.type, "status": w.status.value,
                         "utilization": w.utilization,
                         "resets_at": iso(w.resets_at), "seen_at": iso(w.seen_at)}
                        for w in self.sorted()],
            "updated_at": iso(self.updated_at),
        }


def iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def percent(utilization: float | None) -> str:
    return "?%" if utilization is None else f"{math.floor(utilization * 100 + 0.5):.0f}%"


def gauge(window: PlanWindow, now: datetime, tz: tzinfo | None = None) -> str:
    """One window as the header shows it: `5h 91% ↻20:12` (the reset only while it matters:
    past a warning, or for the 5-hour window)."""
    text = f"{window_label(window.type)} {percent(window.utilization)}"
    if window.status is WindowStatus.REJECTED:
        text = f"{window_label(window.type)} limit"
    if window.resets_at is not None and window.resets_at > now and (
        window.status is not WindowStatus.ALLOWED or window.type == FIVE_HOUR
    ):
        text += f" ↻{clock_time(window.resets_at, now, tz)}"
    return text


def clock_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """20:12 today, or `Mon 20:12` when the day differs."""
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def summary(state: PlanState, now: datetime, tz: tzinfo | None = None) -> str:
    """`5h 91% ↻20:12 · 7d 40%`: the 5-hour and weekly windows, plus any other that warns."""
    shown = [w for w in state.sorted()
             if w.type in (FIVE_HOUR, SEVEN_DAY) or w.status is not WindowStatus.ALLOWED]
    return " · ".join(gauge(w, now, tz) for w in shown if w.type != OVERAGE or
                      w.status is WindowStatus.REJECTED)


def plan_question(state: PlanState, reserve_percent: float, now: datetime,
                  tz: tzinfo | None = None) -> tuple[str, str] | None:
    """What a start by hand asks first (title, sentence), or None when the plan allows it."""
    window = state.exhausted(now)
    if window is not None:
        until = f" until {clock_time(window.resets_at, now, tz)}" if window.resets_at else ""
        return ("Plan limit reached", f"The plan's {window_name(window.type)} window is "
                f"exhausted{until}: a shift now stops at its first request.")
    window = state.reserve_reached(reserve_percent, now)
    if window is not None:
        return ("Plan reserve reached", f"The 5-hour window is at "
                f"{percent(window.utilization)}; {reserve_percent:g}% is kept for your own "
                "use (plan_reserve_percent), so scheduled shifts wait.")
    return None


NO_WINDOWS = ("no plan windows seen: with an API key Claude Code reports none (with a "
              "subscription they appear after the first shift)")


def windows_from_raw(raw: dict[str, Any], seen_at: datetime,
                     shift_id: str | None = None) -> list[PlanWindow]:
    """Every window one rate-limit event reports: its own (with the event's status) and the
    others in `unifiedWindows` (a warning where they passed a threshold), plus overage."""
    status = _status(raw.get("status"))
    own = raw.get("rateLimitType")
    unified = raw.get("unifiedWindows")
    windows: dict[str, PlanWindow] = {}
    if isinstance(unified, dict):
        for kind, info in unified.items():
            if not isinstance(info, dict):
                continue
            passed = info.get("surpassedThreshold") is not None
            windows[str(kind)] = PlanWindow(
                type=str(kind),
                status=status if kind == own and status else (
                    WindowStatus.WARNING if passed else WindowStatus.ALLOWED),
                utilization=_fraction(info.get("utilization")),
                resets_at=_epoch(info.get("resetsAt")), seen_at=seen_at, shift_id=shift_id)
    if isinstance(own, str) and status is not None:
        mine = windows.get(own)
        utilization = _fraction(raw.get("utilization"))
        windows[own] = PlanWindow(
            type=own, status=status,
            utilization=utilization if utilization is not None else (
                mine.utilization if mine else None),
            resets_at=_epoch(raw.get("resetsAt")) or (mine.resets_at if mine else None),
            seen_at=seen_at, shift_id=shift_id)
    overage = _status(raw.get("overageStatus"))
    if overage is not None:
        windows[OVERAGE] = PlanWindow(type=OVERAGE, status=overage,
                                      resets_at=_epoch(raw.get("overageResetsAt")),
                                      seen_at=seen_at, shift_id=shift_id)
    return list(windows.values())


def _status(value: object) -> WindowStatus | None:
    try:
        return WindowStatus(str(value)) if value is not None else None
    except ValueError:
        return None


def _fraction(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, float(value))


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None
