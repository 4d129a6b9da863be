"""What the benchmarks share: arguments, a throw-away home, a fake-CLI project, the output."""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shifttui.base.config import Home
from shifttui.base.models import Policy, Project
from shifttui.fakeagent import write_launcher
from shifttui.store import Store

GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b", "PATH": "/usr/bin:/bin:/usr/local/bin"}


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", action="store_true",
                   help="print the figures as one JSON object on the last line")
    return p


def report(figures: dict[str, float], targets: list[tuple[str, bool]], as_json: bool) -> None:
    """Human lines first; the JSON object (exactly `figures`) last."""
    for name, value in figures.items():
        print(f"{name:>24}: {value:.4g}")
    for text, met in targets:
        print(f"target {text}: {'met' if met else 'MISSED'}")
    if as_json:
        print(json.dumps({k: round(v, 6) for k, v in figures.items()}))


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"shifttui-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fake_cli(root: Path) -> Path:
    return write_launcher(root / "cli")


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True, env=GIT_ENV)
    (path / "README.md").write_text("# bench\n")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=GIT_ENV)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True, env=GIT_ENV)
    return path


async def add_project(home: Home, root: Path, name: str, scenario: str,
                      env: dict[str, str] | None = None, **policy: Any) -> Project:
    """A project on the fake agent, with a budget a flood can never reach."""
    store = await Store.open(home.db_path)
    try:
        pol = Policy(env={"SHIFTTUI_FAKE_SCENARIO": scenario, **(env or {})},
                     max_budget_usd=policy.pop("max_budget_usd", 1000), **policy)
        return await store.projects.add(name, str(git_repo(root / name)), pol,
                                        datetime.now(UTC))
    finally:
        await store.close()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a value that really happened)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
