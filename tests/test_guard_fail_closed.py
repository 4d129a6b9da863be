"""A guard that cannot decide denies: the hook once failed open when the path check raised."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shifttui.shifts.agent import deny
from shifttui.shifts.agent.guards import Guard

CANNOT = "the guard could not check this"


@pytest.fixture
def guard(tmp_path: Path) -> Guard:
    (tmp_path / "proj").mkdir()
    return Guard(str(tmp_path / "proj"), [], ["git push*"])


def test_a_symlink_loop_is_denied_and_logged(guard: Guard, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "proj" / "loop").symlink_to("loop")
    with caplog.at_level(logging.ERROR, logger="shifttui.shifts.agent.guards"):
        denial = guard.check("Write", {"file_path": str(tmp_path / "proj" / "loop" / "x.txt")})
    assert denial is not None and CANNOT in denial.reason and denial.tool == "Write"
    assert any("guard failed" in r.message and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("tool,key", [("Write", "file_path"), ("Edit", "file_path"),
                                      ("NotebookEdit", "notebook_path")])
def test_an_unknown_users_home_is_denied(guard: Guard, tool: str, key: str) -> None:
    denial = guard.check(tool, {key: "~nosuchuser-shifttui/x"})
    assert denial is not None and CANNOT in denial.reason


def test_a_command_check_that_raises_is_denied(guard: Guard,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: deny.CommandRules, command: str) -> str | None:
        raise ValueError("boom")

    monkeypatch.setattr(deny.CommandRules, "check", broken)
    denial = guard.check("Monitor", {"command": "ls"})
    assert denial is not None and CANNOT in denial.reason and "boom" in denial.reason
    assert denial.detail == "ls"


def test_what_the_guard_can_decide_is_still_allowed(guard: Guard, tmp_path: Path) -> None:
    assert guard.check("Write", {"file_path": str(tmp_path / "proj" / "ok.txt")}) is None
    assert guard.check("Bash", {"command": "git status"}) is None


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["command", "file_path", "notebook_path", "ws"]),
                       st.one_of(st.text(max_size=40), st.integers(), st.none(),
                                 st.lists(st.text(max_size=5), max_size=3)), max_size=3),
       st.sampled_from(["Bash", "Monitor", "Write", "Edit", "NotebookEdit", "Read", "Agent"]))
def test_the_guard_never_raises(tool_input: dict[str, Any], tool: str) -> None:
    guard = Guard("/tmp", [], ["git push*"])
    guard.check(tool, tool_input)
