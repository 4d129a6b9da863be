"""Process-wide settings for a long-running shifttui process (the app, `run`, `daemon`)."""

from __future__ import annotations

import gc

# Collect the young generation every 10,000 allocations instead of 700.
GC_YOUNG_THRESHOLD = 10_000


def settle_gc() -> None:
    """Call once start-up is done. Everything alive then (imported modules, pydantic and SDK
    schemas, the app's widgets) lives as long as the process: keep it out of the cyclic
    collector, which otherwise rescans those ~150,000 objects in each full collection (100-150
    ms stalls of the app while shifts streamed: the lag benchmark's p99). A flood also keeps
    thousands of events in flight, waiting for SQLite: a young generation of 10,000 makes the
    collections that scan them ~14x rarer (the supervisor spent 5-10 % of a flood in them).
    Almost all of shifttui's garbage is freed by reference counting, not by these collections.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
