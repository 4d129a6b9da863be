"""The SQLite store: the only place in shifttui that speaks SQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from shifttui.base.config import Home
from shifttui.store import payloads
from shifttui.store.changes import Changes
from shifttui.store.channels import Channels
from shifttui.store.control import Control
from shifttui.store.db import BUSY_TIMEOUT_S, Database
from shifttui.store.events import Events
from shifttui.store.handoffs import FeedbackStore, Handoffs
from shifttui.store.migrations import SCHEMA_VERSION
from shifttui.store.plan_windows import PlanWindows
from shifttui.store.projects import Projects
from shifttui.store.scheduling import Scheduling
from shifttui.store.shifts import Shifts
from shifttui.store.tasks import Tasks
from shifttui.system.procs import owner_alive

__all__ = ["SCHEMA_VERSION", "Store"]


class Store:
    """Repositories over one database connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.projects = Projects(db)
        self.shifts = Shifts(db)
        self.handoffs = Handoffs(db)
        self.events = Events(db)
        self.feedback = FeedbackStore(db)
        self.scheduling = Scheduling(db)
        self.control = Control(db)
        self.changes = Changes(db)
        self.tasks = Tasks(db)
        self.channels = Channels(db)
        self.plan = PlanWindows(db)
        self.recovered: list[str] = []

    @classmethod
    async def open(
        cls, path: Path, *, now: datetime | None = None, recover: bool = True,
        migrate_to: int = SCHEMA_VERSION, busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> Store:
        """Open (creating or upgrading) the database; recover shifts of dead owners."""
        store = cls(await Database.open(path, migrate_to=migrate_to,
                                        busy_timeout_s=busy_timeout_s))
        await payloads.register(store.db.conn)
        if recover and now is not None:
            try:
                store.recovered = await store.recover(now)
            except BaseException:
                # Unclosed, aiosqlite's thread kept the process alive after the error was said.
                await store.close()
                raise
        return store

    async def recover(self, now: datetime) -> list[str]:
        """Running shifts whose owning process is gone become `interrupted` (or `completed`,
        with the handoff they had stored); the events only their agent.log got are stored;
        their questions close and the requests waiting on them are refused. Returns their ids."""
        recovered = await self.shifts.recover(owner_alive, now)
        home = Home(self.db.path.parent)
        for shift_id in recovered:
            if home.db_path == self.db.path:  # (a database outside a home has no logs beside it)
                await self.events.import_log(shift_id, home.agent_log(shift_id))
            await self.control.release(shift_id, now)
        return recovered

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
