"""What one shift's agent reports about the plan windows, and how a plan limit ends the shift.

Claude Code (with subscription auth) sends a RateLimitEvent whenever a window's state changes;
the windows go to the store, a `rejected` one is remembered, and a turn that then ends with the
API's 429 is a pause: the shift becomes `interrupted` (rate_limited) with `resume_at` at the
window's reset, which the scheduler honours. Crossing `plan_reserve_percent` asks for a handoff.
"""

from __future__ import annotations

import logging
import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from claude_agent_sdk import RateLimitEvent, ResultMessage

from shifttui.base.models import FailureKind, ShiftStatus
from shifttui.base.plan import (
    PlanState,
    PlanWindow,
    WindowStatus,
    clock_time,
    gauge,
    window_name,
    windows_from_raw,
)
from shifttui.shifts.agent.endings import Ending
from shifttui.store.plan_windows import PlanWindows

log = logging.getLogger(__name__)

# After the reset, a little later: every shift stopped by the same window would otherwise
# call the API in the same second the window opens.
JITTER_S = (20.0, 90.0)
# A 429 that names no reset (API-key auth: the CLI has already retried and shows no
# retry-after): try again this much later.
BACKOFF = timedelta(minutes=5)
_RESETS = re.compile(r"resets\s+(\d{1,2})(?::(\d{2}))?\s*([ap]m)?\s*\(([^)]+)\)", re.I)
_RETRY_AFTER = re.compile(r"retry.?after\D{0,5}(\d{1,6})", re.I)


class PlanWatch:
    """The plan windows one run has seen; `store` None keeps them in memory only."""

    def __init__(self, store: PlanWindows | None = None, reserve_percent: float = 0.0, *,
                 jitter: tuple[float, float] = JITTER_S) -> None:
        self.store = store
        self.reserve_percent = reserve_percent
        self.jitter = jitter
        self.seen: dict[str, PlanWindow] = {}
        self.rejected: PlanWindow | None = None
        self._reserve_told = False

    def on_event(self, event: RateLimitEvent, now: datetime,
                 shift_id: str | None = None) -> list[PlanWindow]:
        """The windows this event reports (also remembered here)."""
        info = event.rate_limit_info
        raw = dict(info.raw or {})
        # The raw dict is what the CLI sent; an older SDK may leave it empty.
        raw.setdefault("status", info.status)
        raw.setdefault("rateLimitType", info.rate_limit_type)
        raw.setdefault("resetsAt", info.resets_at)
        raw.setdefault("utilization", info.utilization)
        windows = windows_from_raw(raw, now, shift_id)
        for window in windows:
            self.seen[window.type] = window
            if window.status is WindowStatus.REJECTED and window.type != "overage":
                self.rejected = window
        return windows

    def describe(self, windows: list[PlanWindow], now: datetime) -> str:
        """`plan window: 5h 91% ↻20:12 (allowed_warning) · 7d 40%`."""
        return "plan window: " + " · ".join(
            gauge(w, now) + (f" ({w.status})" if w.status is not WindowStatus.ALLOWED else "")
            for w in PlanState(windows=windows).sorted())

    def reserve_crossed(self, now: datetime) -> PlanWindow | None:
        """The 5-hour window, the first time it is seen at or past the reserve."""
        if self._reserve_told:
            return None
        window = PlanState(windows=list(self.seen.values())).reserve_reached(
            self.reserve_percent, now)
        if window is not None:
            self._reserve_told = True
        return window

    async def save(self, windows: list[PlanWindow]) -> None:
        if self.store is None or not windows:
            return
        try:
            await self.store.record(windows)
        except Exception as exc:  # gauges are worth less than the shift that reports them
            log.warning("cannot store the plan windows: %s", exc)

    def pause(self, result: ResultMessage, now: datetime) -> Ending | None:
        """The ending of a turn that hit a rate limit: `interrupted` with `resume_at`, or None
        when the error is not one a wait cures (an overloaded API stays a failure)."""
        text = " ".join([*(result.errors or []), result.result or ""])
        window = self.rejected
        in_text = _reset_in_text(text, now)
        at: datetime
        if window is not None and window.resets_at is not None:
            at = window.resets_at
            why = f"the plan's {window_name(window.type)} window is exhausted"
        elif in_text is not None:
            at, why = in_text, "the plan's usage limit is reached"
        elif window is not None or result.api_error_status == 429:
            retry = _RETRY_AFTER.search(text)
            at = now + (timedelta(seconds=int(retry.group(1))) if retry else BACKOFF)
            why = "the API refused the request (HTTP 429, rate limited)"
        else:
            return None
        at = max(at, now) + timedelta(seconds=random.uniform(*self.jitter))
        return Ending(ShiftStatus.INTERRUPTED,
                      f"{why}; continues at {clock_time(at, now)} by itself",
                      FailureKind.RATE_LIMITED, resume_at=at)


def _reset_in_text(text: str, now: datetime) -> datetime | None:
    """"You've hit your 5-hour limit · resets 8:12pm (UTC)": the next such time after now."""
    match = _RESETS.search(text)
    if match is None:
        return None
    hour, minute, half, zone = match.groups()
    h = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
    try:
        tz = ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if h > 23:
        return None
    local = now.astimezone(tz)
    at = local.replace(hour=h, minute=int(minute or 0), second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at
