"""Start-up: from launching the TUI to its projects table filled, on a big database vs an empty one.

The big database has 200 projects, 20,000 shifts and 1,000,000 events; it is generated with bulk
SQL (rows cloned from a few real ones written through the store, so every column is valid) and
cached in the temp directory between runs. Targets: ≤ 1.0 s, and ≤ 2× the empty start.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import parser, report, workdir
from benchmarks.tuikit import make_app
from shifttui.base.config import Home
from shifttui.base.models import EventKind, HandoffInput, Policy, Trigger
from shifttui.store import Store

PROJECTS, SHIFTS_PER_PROJECT, EVENTS_PER_SHIFT = 200, 100, 50
CACHE = Path(tempfile.gettempdir()) / "shifttui-bench-cache" / "startup-v1.db"


async def _seed(db_path: Path) -> None:
    """One project with one ended shift and one event, through the store."""
    from shifttui.base.models import ShiftEvent

    now = datetime.now(UTC) - timedelta(days=30)
    store = await Store.open(db_path, now=now)
    try:
        project = await store.projects.add("p0000", "/nonexistent/p0000", Policy(), now)
        shift = await store.shifts.claim(
            project.id, trigger=Trigger.MANUAL, now=now, deadline=now + timedelta(hours=1),
            owner_pid=1, owner_token="bench", model=None, reason=None, parent_shift_id=None,
            start_commit=None)
        await store.events.append([ShiftEvent(shift_id=shift.id, seq=1, ts=now,
                                              kind=EventKind.TEXT, summary="seed",
                                              payload={"text": "seed"})])
        await store.shifts.complete(shift.id, HandoffInput(summary="seeded shift"), now=now)
    finally:
        await store.close()


def build(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    asyncio.run(_seed(tmp))
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    (p0,) = conn.execute("SELECT id FROM projects").fetchone()
    (s0,) = conn.execute("SELECT id FROM shifts").fetchone()
    proj = "printf('p%04d', n)"
    pcols = [r[1] for r in conn.execute("PRAGMA table_info(projects)")]
    pover = {"id": proj, "name": proj, "path": f"'/nonexistent/' || {proj}"}
    conn.execute(
        "WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < ?) "
        f"INSERT INTO projects ({', '.join(pcols)}) "
        f"SELECT {', '.join(pover.get(c, 'src.' + c) for c in pcols)} "
        "FROM n, (SELECT * FROM projects WHERE id = ?) AS src", (PROJECTS - 1, p0))
    shift_id = "printf('s%04d-%03d', pn, k)"
    started = "strftime('%Y-%m-%dT%H:%M:%fZ', src.started_at, printf('+%d minutes', pn * 100 + k))"
    cols = [r[1] for r in conn.execute("PRAGMA table_info(shifts)")]
    over = {"id": shift_id, "project_id": "CASE pn WHEN 0 THEN src.project_id ELSE "
            "printf('p%04d', pn) END", "started_at": started, "ended_at": started,
            "parent_shift_id": "NULL"}
    exprs = [over.get(c, f"src.{c}") for c in cols]
    conn.execute(
        "WITH RECURSIVE pn(pn) AS (SELECT 0 UNION ALL SELECT pn + 1 FROM pn WHERE pn < ?), "
        "k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < ?) "
        f"INSERT INTO shifts ({', '.join(cols)}) SELECT {', '.join(exprs)} "
        "FROM pn, k, (SELECT * FROM shifts WHERE id = ?) AS src "
        "WHERE NOT (pn = 0 AND k = 0)",
        (PROJECTS - 1, SHIFTS_PER_PROJECT - 1, s0))
    ecols = [r[1] for r in conn.execute("PRAGMA table_info(events)")]
    eover = {"shift_id": "s.id", "seq": "k", "summary": "printf('event %d', k)"}
    eexprs = [eover.get(c, f"src.{c}") for c in ecols]
    conn.execute(
        "WITH RECURSIVE k(k) AS (SELECT 2 UNION ALL SELECT k + 1 FROM k WHERE k < ?) "
        f"INSERT INTO events ({', '.join(ecols)}) SELECT {', '.join(eexprs)} "
        "FROM shifts AS s, k, (SELECT * FROM events LIMIT 1) AS src ORDER BY s.id, k",
        (EVENTS_PER_SHIFT + 1,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("projects", "shifts", "events")]
    conn.close()
    print(f"built {path}: {counts[0]} projects, {counts[1]} shifts, {counts[2]} events")
    tmp.replace(path)


async def time_start(home: Home, expected_rows: int) -> float:
    """Seconds from constructing the app to the projects table showing `expected_rows` rows
    (for an empty database: to the first load of the table)."""
    import shifttui.tui.screens.main as main_module

    main_mod: Any = main_module  # patched below to time the first full render

    loaded: list[float] = []
    original = main_mod.MainScreen._render_rows

    def render(self: Any) -> None:
        original(self)
        if self.table.row_count == expected_rows and not loaded and getattr(self, "_bench", 0):
            loaded.append(time.perf_counter())

    async def rows(store: Store) -> Any:
        result = await original_load(store)
        for screen in app.screen_stack:
            screen._bench = 1
        return result

    original_load = main_mod.load_project_rows
    main_mod.MainScreen._render_rows = render
    main_mod.load_project_rows = rows
    try:
        start = time.perf_counter()
        app = make_app(home, None)
        async with app.run_test(size=(120, 40)) as pilot:
            while not loaded:
                if time.perf_counter() - start > 60:
                    raise SystemExit("the projects table never filled")
                await pilot.pause(0.001)
        return loaded[0] - start
    finally:
        main_mod.MainScreen._render_rows = original
        main_mod.load_project_rows = original_load


async def main_async(repeat: int, as_json: bool) -> None:
    with workdir("startup") as root:
        big, empty = Home(root / "big").ensure(), Home(root / "empty").ensure()
        shutil.copy(CACHE, big.db_path)
        await time_start(empty, 0)  # warm imports
        full_s, empty_s = [], []
        for _ in range(repeat):
            empty_s.append(await time_start(empty, 0))
            full_s.append(await time_start(big, PROJECTS))
            print(f"empty {empty_s[-1]:.3f} s, big {full_s[-1]:.3f} s")
    s, e = min(full_s), min(empty_s)
    report({"seconds": s, "empty_seconds": e, "ratio_to_empty": s / e},
           [("<= 1.0 s", s <= 1.0), ("<= 2x empty", s <= 2 * e)], as_json)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rebuild", action="store_true", help="regenerate the cached database")
    args = p.parse_args()
    if args.rebuild or not CACHE.exists():
        build(CACHE)
    asyncio.run(main_async(args.repeat, args.json))


if __name__ == "__main__":
    main()
