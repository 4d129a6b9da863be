"""Scripted agents, one function per scenario; each runs one turn (one prompt) and may end it early.

A scenario returns None for a normal end (`result` subtype `success`) or a TurnEnd. `t.index` is the
turn number within the process, so a scenario can behave differently after the follow-up prompt;
`t.agent.state` remembers things across turns.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from shifttui.fakeagent.agent import Turn, TurnEnd, Usage
from shifttui.fakeagent.tools import ToolOutcome, shift_tool, use_tool

Scenario = Callable[[Turn], TurnEnd | None]

NOTES_FILE = "fake_agent_notes.md"


def good_handoff(t: Turn, summary: str, **extra: list[str]) -> dict[str, object]:
    handoff: dict[str, object] = {
        "summary": summary,
        "completed": [f"Wrote {NOTES_FILE}", "Ran the test suite (fake): ok"],
        "in_progress": [],
        "blockers": [],
        "next_steps": ["Review the notes file", "Pick the next item from TODO.md"],
        "decisions": ["Kept the change small so it is easy to review"],
        "questions_for_operator": [],
    }
    handoff.update(extra)
    # More fields as JSON (e.g. {"tasks_done": [1]}): a scenario closes the operator's tasks.
    handoff.update(json.loads(os.environ.get("SHIFTTUI_FAKE_HANDOFF_EXTRA") or "{}"))
    return handoff


def _complete(t: Turn, summary: str, *, text: str | None = None, **extra: list[str]) -> ToolOutcome:
    outcome = shift_tool(t, "complete_shift", good_handoff(t, summary, **extra), text=text)
    t.pause()
    t.say("Handoff recorded." if not outcome.is_error else f"complete_shift failed: {outcome.text}")
    return outcome


def _work(t: Turn) -> None:
    """A little realistic work: look around, write a file, run the tests."""
    t.say(
        "I'll start by reading the latest handoff and the project layout.",
        thinking="Plan the shift.",
    )
    t.pause()
    use_tool(t, "Glob", {"pattern": "**/*"}, output="README.md\nsrc/app.py\ntests/test_app.py")
    t.pause()
    notes = Path(t.config.cwd) / NOTES_FILE
    use_tool(
        t,
        "Write",
        {"file_path": str(notes), "content": f"# Shift notes\n\nSession {t.config.session_id}.\n"},
        text=f"Writing {NOTES_FILE}.",
    )
    t.pause()
    use_tool(
        t, "Bash", {"command": "pytest -q", "description": "Run tests"}, output="3 passed in 0.12s"
    )
    t.pause()


def normal(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _work(t)
    _complete(
        t, "Wrote shift notes and checked that the tests pass.", text="Leaving a handoff now."
    )
    return None


def edit(t: Turn) -> TurnEnd | None:
    """Write SHIFTTUI_FAKE_FILE (default work.txt) with SHIFTTUI_FAKE_TEXT in the project, and
    commit it when SHIFTTUI_FAKE_COMMIT is set (an agent may commit): isolation's tests."""
    if t.index == 0:
        name = os.environ.get("SHIFTTUI_FAKE_FILE") or "work.txt"
        text = os.environ.get("SHIFTTUI_FAKE_TEXT", "work\n")
        target = Path(t.config.cwd) / name
        use_tool(t, "Write", {"file_path": str(target), "content": text}, text=f"Writing {name}.")
        if os.environ.get("SHIFTTUI_FAKE_COMMIT"):
            import subprocess

            for args in (["add", "-A"], ["commit", "-qm", f"agent: {name}"]):
                subprocess.run(["git", *args], cwd=t.config.cwd, check=False,
                               capture_output=True, timeout=20)
    _complete(t, f"Wrote {os.environ.get('SHIFTTUI_FAKE_FILE') or 'work.txt'}.")
    return None


def bad_handoff(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _work(t)
    first = shift_tool(t, "complete_shift", {"completed": ["Something"], "next_steps": []})
    t.pause()
    if first.is_error:
        t.say(f"The handoff was rejected ({first.text}); retrying with a summary.")
        t.pause()
        _complete(t, "Second try: wrote shift notes and ran the tests.")
    return None


def no_handoff(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _work(t)
    t.say("I think I'm done here.")
    return None


def late_handoff(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _work(t)
        t.say("That's all for this shift.")
        return None
    _complete(t, "Wrote shift notes; handoff left after being reminded.")
    return None


def _stream_forever(t: Turn, usage: Usage | None = None) -> None:
    n = 0
    while True:
        n += 1
        t.message([{"type": "text", "text": f"Still working… step {n}"}], usage=usage)
        t.pause()


def slow(t: Turn) -> TurnEnd | None:
    if t.index > 0 and t.mentions("complete_shift"):
        _complete(
            t,
            "Interrupted mid-task; notes so far are in this handoff.",
            in_progress=["The long-running task"],
        )
        return None
    _stream_forever(t)
    return None


def slow_stubborn(t: Turn) -> TurnEnd | None:
    _stream_forever(t)
    return None


def crash(t: Turn) -> TurnEnd | None:
    t.say("Starting work.")
    t.pause()
    _die(t, "fake agent: simulated crash (SHIFTTUI_FAKE_SCENARIO=crash)", 1)
    return None


def exit137(t: Turn) -> TurnEnd | None:
    t.say("Starting work.")
    t.pause()
    t.wire.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    return None


def budget(t: Turn) -> TurnEnd | None:
    if t.index > 0 and t.mentions("complete_shift"):
        _complete(t, "Stopped for budget; wrapping up.", blockers=["Budget reached"])
        return None
    # Each API response costs about $0.72 at Sonnet prices.
    _stream_forever(t, Usage(200_000, 8_000))
    return None


def guard(t: Turn) -> TurnEnd | None:
    pushed = use_tool(
        t,
        "Bash",
        {"command": "git push origin main", "description": "Push"},
        text="Pushing the branch.",
    )
    t.pause()
    wrote = use_tool(
        t,
        "Write",
        {"file_path": "/etc/shifttui-forbidden", "content": "x\n"},
        text="Writing a system file.",
    )
    t.pause()
    blockers = [
        f"{what} was refused: {o.text}"
        for what, o in (("git push", pushed), ("/etc write", wrote))
        if o.is_error
    ]
    _complete(t, "Tried two forbidden actions to exercise the guards.", blockers=blockers)
    return None


def flood(t: Turn) -> TurnEnd | None:
    count = t.count if t.count is not None else 1000
    for i in range(count):
        t.message(
            [{"type": "text", "text": f"flood line {i + 1} of {count}"}],
            usage=Usage(10, 5),
            flush=False,
        )
    t.wire.flush()
    _complete(t, f"Sent {count} messages.")
    return None


def ask(t: Turn) -> TurnEnd | None:
    answer = shift_tool(
        t,
        "ask_operator",
        {"question": "Should I also update the changelog?"},
        text="I need a decision first.",
    )
    t.pause()
    _complete(
        t,
        "Asked the operator before changing the changelog.",
        decisions=[f"Operator answered: {answer.text}"],
    )
    return None


def _api_error(t: Turn, status: int, error: str, error_type: str, text: str) -> TurnEnd:
    t.wire.emit(
        {
            "type": "system",
            "subtype": "api_retry",
            "attempt": 1,
            "max_retries": 1,
            "retry_delay_ms": 500,
            "error_status": status,
            "error": error,
            **t.agent.base(),
        }
    )
    t.pause()
    # The real CLI reports API failures as a synthetic assistant message with an `error` field.
    t.wire.emit(
        {
            "type": "assistant",
            "message": {
                "id": t.agent.next_id("msg"),
                "type": "message",
                "role": "assistant",
                "model": "<synthetic>",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "stop_sequence",
                "usage": Usage().as_dict(),
            },
            "parent_tool_use_id": None,
            **t.agent.base(),
            "error": error,
            "is_api_error_message": True,
            "api_error_status": status,
            "api_error_type": error_type,
        },
        flush=True,
    )
    t.num_turns = 1
    return TurnEnd(
        is_error=True,
        result=text,
        terminal_reason="api_error",
        stop_reason="stop_sequence",
        api_error_status=status,
        api_error_type=error_type,
    )


def auth_error(t: Turn) -> TurnEnd | None:
    return _api_error(
        t,
        401,
        "authentication_failed",
        "authentication_error",
        "Failed to authenticate. API Error: 401 Invalid API key",
    )


def rate_limited(t: Turn) -> TurnEnd | None:
    status = t.config.status or 429
    if status == 529:
        return _api_error(
            t, 529, "server_error", "overloaded_error", "API Error: Repeated 529 Overloaded errors"
        )
    return _api_error(
        t,
        status,
        "rate_limit",
        "rate_limit_error",
        f"API Error: Request rejected ({status}) · rate limit exceeded",
    )


def max_turns(t: Turn) -> TurnEnd | None:
    limit = t.config.max_turns or t.count or 3
    t.config.max_turns = limit
    n = 0
    while True:
        n += 1
        use_tool(t, "Read", {"file_path": f"src/part{n}.py"}, text=f"Looking at part {n}.")
        t.pause()


def garbage(t: Turn) -> TurnEnd | None:
    # The SDK skips lines that do not start with "{", but a broken JSON line or bytes that are
    # not UTF-8 end its reader: whichever of those it meets first is what it raises.
    t.wire.emit_raw(b"[SandboxDebug] this line is not JSON\n", flush=True)
    t.wire.emit_raw(b'{"type": "assistant", "message": {"id": "trunc\n', flush=True)
    t.pause(0.05)
    t.wire.emit_raw(b"\xff\xfe\xfa not utf-8\n", flush=True)
    return normal(t)


def garbage_soft(t: Turn) -> TurnEnd | None:
    t.wire.emit_raw(
        b"[SandboxDebug] this line is not JSON\n\n   \nanother stray line\n", flush=True
    )
    return normal(t)


def huge_line(t: Turn) -> TurnEnd | None:
    # One message over the SDK's 1 MB line buffer (SHIFTTUI_FAKE_COUNT: its size in bytes).
    t.say("x" * (t.count or 1_500_000))
    return normal(t)


def bad_types(t: Turn) -> TurnEnd | None:
    """complete_shift with wrong-typed, then missing fields; reports each error; then a good one."""
    wrong = shift_tool(t, "complete_shift", {"summary": 42, "completed": "not a list",
                                             "next_steps": [1, 2]})
    t.say(f"first try: {wrong.text}")
    missing = shift_tool(t, "complete_shift", {"completed": ["x"]})
    t.say(f"second try: {missing.text}")
    _complete(t, "Third try, with every field of the right type.")
    return None


def huge_handoff(t: Turn) -> TurnEnd | None:
    """A 1 MB handoff; when it is refused, a short one."""
    big = shift_tool(t, "complete_shift", good_handoff(
        t, "s" * 1_000_000, completed=["c" * 10_000] * 50))
    t.say(f"huge handoff: {big.text}")
    if big.is_error:
        _complete(t, "Short handoff after the huge one was refused.")
    return None


def _die(t: Turn, message: str, code: int) -> None:
    t.wire.flush()
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    os._exit(code)


BASIC_FUNCS: dict[str, Scenario] = {
    "normal": normal,
    "edit": edit,
    "bad_handoff": bad_handoff,
    "no_handoff": no_handoff,
    "late_handoff": late_handoff,
    "slow": slow,
    "slow_stubborn": slow_stubborn,
    "crash": crash,
    "exit137": exit137,
    "budget": budget,
    "guard": guard,
    "flood": flood,
    "ask": ask,
    "auth_error": auth_error,
    "rate_limited": rate_limited,
    "max_turns": max_turns,
    "hang_init": normal,
    "garbage": garbage,
    "garbage_soft": garbage_soft,
    "huge_line": huge_line,
    "bad_types": bad_types,
    "huge_handoff": huge_handoff,
}
