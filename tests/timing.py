"""Wall-clock bounds in tests, scaled for slow machines.

A test that asserts how long something took is marked `@pytest.mark.wallclock` (deselect them
with `-m "not wallclock"`) and writes its bound as `wall(seconds)`: the bound measured on a
developer machine, times SHIFTTUI_TEST_TIME_FACTOR (default 1; a loaded CI box may set 3).
"""

from __future__ import annotations

import os

FACTOR_ENV = "SHIFTTUI_TEST_TIME_FACTOR"


def time_factor() -> float:
    try:
        factor = float(os.environ.get(FACTOR_ENV, "1"))
    except ValueError:
        return 1.0
    return factor if factor >= 1 else 1.0


def wall(seconds: float) -> float:
    """`seconds`, scaled for this machine."""
    return seconds * time_factor()
