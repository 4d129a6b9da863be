"""Helpers for supervisor tests: a project wired to the fake CLI, and waiting on bus events."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shifttui.base.bus import BusEvent
from shifttui.base.config import Home, Settings
from shifttui.base.models import Handoff, Policy, Project, Shift, ShiftEvent
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store
from shifttui.system.procs import pid_alive

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True, env=env)
    (path / "README.md").write_text("# demo\n")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True, env=env)
    return path


@dataclass
class Harness:
    store: Store
    home: Home
    supervisor: Supervisor
    project_path: Path
    seen: list[BusEvent] = field(default_factory=list)

    async def add_project(self, scenario: str, name: str = "proj", **policy: Any) -> Project:
        env = {"SHIFTTUI_FAKE_SCENARIO": scenario, **policy.pop("env", {})}
        pol = Policy(env=env, **policy)
        return await self.store.projects.add(name, str(self.project_path), pol,
                                             self.supervisor.clock.now())

    async def run(self, scenario: str, *, timeout: float = 20.0, **policy: Any
                  ) -> tuple[Shift, Handoff | None, list[ShiftEvent]]:
        project = await self.add_project(scenario, **policy)
        shift = await self.supervisor.start_shift(project.name)
        final = await asyncio.wait_for(self.supervisor.wait(shift.id), timeout)
        return final, await self.store.handoffs.for_shift(final.id), await self.events(final.id)

    async def events(self, shift_id: str) -> list[ShiftEvent]:
        return await self.store.events.read(shift_id, 0, 1_000_000)

    async def wait_for(self, predicate: Callable[[BusEvent], bool],
                       timeout: float = 10.0) -> BusEvent:
        """The first bus event (already seen or future) that satisfies the predicate."""
        for ev in self.seen:
            if predicate(ev):
                return ev
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[BusEvent] = loop.create_future()

        def check(ev: BusEvent) -> None:
            if not fut.done() and predicate(ev):
                fut.set_result(ev)

        unsubscribe = self.supervisor.bus.subscribe(check)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            unsubscribe()

    def log_lines(self, shift_id: str) -> list[dict[str, Any]]:
        path = self.home.agent_log(shift_id)
        return [json.loads(line) for line in path.read_text().splitlines()]


async def wait_pid_gone(pid: int | None, timeout: float = 2.0) -> float:
    """Seconds until the process is gone (polling: nothing to await on a foreign pid)."""
    assert pid, "the agent's pid was never recorded"
    loop = asyncio.get_running_loop()
    start = loop.time()
    while pid_alive(pid):
        if loop.time() - start > timeout:
            raise AssertionError(f"agent process {pid} still alive after {timeout} s")
        await asyncio.sleep(0.02)
    return loop.time() - start


def make_settings(**kw: Any) -> Settings:
    return Settings(**kw)
