"""A violation reaches the morning review: the inbox (CLI and app) says how often the guards
refused the agent and what, not only the shift's log."""

from __future__ import annotations

import asyncio
import json

import pytest
from agent_support import Harness

from shifttui.base.models import EventKind
from shifttui.cli import main
from shifttui.review.inbox import inbox
from shifttui.tui.screens.inbox import detail_markdown


async def test_the_inbox_shows_what_the_guards_refused(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    shift, _, events = await harness.run("guard")
    refused = [e.summary for e in events if e.kind is EventKind.VIOLATION]
    assert len(refused) >= 2  # the scenario tries a push and a write outside the project
    [item] = [i for i in await inbox(harness.store, with_diff=False) if i.shift.id == shift.id]
    assert item.violations == len(refused) and item.blocked == refused[:5]
    assert any(f"refused the agent {len(refused)} times" in n and shift.id in n
               for n in item.notes)
    shown = detail_markdown(item, None)
    assert "**Blocked:**" in shown and refused[0] in shown
    # The CLI opens the same database itself, in its own event loop.
    assert await asyncio.to_thread(main, ["--home", str(harness.home.root), "inbox", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data if isinstance(data, list) else data["items"]
    [row] = [r for r in rows if r["shift_id"] == shift.id]
    assert row["violations"] == len(refused)
