"""Cron fire times in the operator's local time zone, with daylight-saving rules.

croniter is run over naive wall-clock times and each time is placed on the real time line here,
so a DST change neither skips nor doubles a run:
- a wall time that does not exist (spring forward) runs when it would have, shifted by the gap;
  a run that lands on an instant another wall time already names is the same run;
- a wall time that happens twice (fall back) runs once for a fixed-time schedule (`30 2 * * *`)
  and at both occurrences for one whose minute or hour is a wildcard (`0 * * * *`), because
  "every hour" means every real hour.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

# Wider than any daylight-saving shift in the tz database (at most two hours).
_MARGIN = timedelta(hours=3)
_HORIZONS = (timedelta(hours=1), timedelta(days=2), timedelta(days=40), timedelta(days=400),
             timedelta(days=366 * 8))


def local_tz() -> tzinfo:
    """The system's zone with its DST rules (not just today's fixed offset)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        with localtime.open("rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    fixed = datetime.now().astimezone().tzinfo
    return fixed if fixed is not None else UTC


def _is_wildcard(expr: str) -> bool:
    minute, hour = expr.split()[:2]
    return minute.startswith("*") or hour.startswith("*")


def _instants(wall: datetime, tz: tzinfo, wildcard: bool) -> list[datetime]:
    first = wall.replace(tzinfo=tz, fold=0)
    out = [first.astimezone(UTC)]
    if wildcard:
        second = wall.replace(tzinfo=tz, fold=1)
        # Different offsets for the two folds mean either a gap or a repeated hour; only in
        # the repeated hour does the second reading name a real moment of that wall time.
        if second.utcoffset() != first.utcoffset() and _exists(second, wall, tz):
            out.append(second.astimezone(UTC))
    return out


def _margin(when: datetime, tz: tzinfo) -> timedelta:
    """Wall time maps straight onto the time line unless the offset changes near `when`."""
    before = (when - _MARGIN).astimezone(tz).utcoffset()
    after = (when + _MARGIN).astimezone(tz).utcoffset()
    return timedelta(0) if before == after else _MARGIN


def _exists(aware: datetime, wall: datetime, tz: tzinfo) -> bool:
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def fire_times(expr: str, start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Every fire time t (UTC) of `expr` with start < t <= end, in order, each once."""
    if end <= start:
        return []
    wildcard = _is_wildcard(expr)
    wall = start.astimezone(tz).replace(tzinfo=None, fold=0) - _margin(start, tz)
    wall_end = end.astimezone(tz).replace(tzinfo=None) + _margin(end, tz)
    it = croniter(expr, wall)
    found: set[datetime] = set()
    while True:
        wall = it.get_next(datetime)
        if wall > wall_end:
            break
        for instant in _instants(wall, tz, wildcard):
            if start < instant <= end:
                found.add(instant)
    return sorted(found)


def next_fire(expr: str, after: datetime, tz: tzinfo) -> datetime | None:
    """The first fire time strictly after `after` (UTC), or None within eight years."""
    for horizon in _HORIZONS:
        times = fire_times(expr, after, after + horizon, tz)
        if times:
            return times[0]
    return None


def next_fires(expr: str, after: datetime, tz: tzinfo, count: int) -> list[datetime]:
    """The next `count` fire times (for the policy form's preview)."""
    out: list[datetime] = []
    cursor = after
    while len(out) < count:
        nxt = next_fire(expr, cursor, tz)
        if nxt is None:
            break
        out.append(nxt)
        cursor = nxt
    return out
