"""Scenarios for `shifttui demo`: a believable, paced shift to watch without an API key."""

from __future__ import annotations

from pathlib import Path

from shifttui.fakeagent.agent import Turn, TurnEnd
from shifttui.fakeagent.scenarios import Scenario, _complete, _die
from shifttui.fakeagent.tools import shift_tool, use_tool

DEMO_NOTES = "SHIFT_NOTES.md"


def _project_files(t: Turn, limit: int = 3) -> list[str]:
    """A few real, small text files of the project, so the demo reads what is actually there."""
    root = Path(t.config.cwd)
    found: list[str] = []
    try:
        candidates = sorted(root.rglob("*"))
    except OSError:
        return found
    for path in candidates:
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if (
            path.suffix in {".md", ".py", ".toml", ".txt", ".cfg", ".json"}
            and path.stat().st_size < 50_000
        ):
            found.append(str(rel))
        if len(found) >= limit:
            break
    return found


def _orient(t: Turn) -> None:
    t.say(
        "Reading the last handoff and the current state of the project.",
        thinking="The context lists the previous shift's next steps; start with the first one.",
    )
    t.pause()
    files = _project_files(t)
    use_tool(t, "Glob", {"pattern": "**/*"}, output="\n".join(files) or "(empty)")
    t.pause()
    for rel in files:
        use_tool(t, "Read", {"file_path": str(Path(t.config.cwd) / rel)}, duration=0.5)
        t.pause()
    use_tool(
        t,
        "Bash",
        {"command": "git log --oneline -5", "description": "Recent commits"},
        output="a1b2c3d Add parser\n9f8e7d6 Initial commit",
        duration=0.3,
    )
    t.pause()
    use_tool(
        t,
        "Bash",
        {"command": "git status --short", "description": "Uncommitted changes"},
        output="",
        duration=0.2,
    )
    t.pause()
    use_tool(
        t,
        "Grep",
        {"pattern": "TODO", "output_mode": "content"},
        output="src/parser.py:42: # TODO: validate empty input",
    )
    t.pause()
    t.say("The previous handoff's first next step is the parser's empty-input TODO. Taking it.")
    t.pause()
    t.say(
        "Plan: reproduce with the test suite, validate empty input at the parser's entry point, "
        "add a regression test, re-run everything, leave notes.",
        thinking="Keep the change reviewable in one sitting.",
    )
    t.pause()


def _fix(t: Turn) -> None:
    use_tool(
        t,
        "Bash",
        {"command": "pytest -q", "description": "Run the tests"},
        output="F..........\n1 failed, 11 passed in 0.44s",
        duration=3.0,
        text="First, the current state of the test suite.",
    )
    t.pause()
    t.say(
        "One test fails on empty input, which matches the TODO. I'll note the plan first.",
        thinking="Small, reviewable change: validate empty input, add a test, record it.",
    )
    t.pause()
    notes = str(Path(t.config.cwd) / DEMO_NOTES)
    use_tool(
        t,
        "Write",
        {"file_path": notes, "content": "# Shift notes\n\n- Empty input: to validate\n"},
        text=f"Recording the plan in {DEMO_NOTES}.",
    )
    t.pause()
    for chunk in (
        "The tokenizer indexes the first character before checking the length.",
        "Validating at the parser's entry point keeps the tokenizer simple.",
        "Empty input now raises a clear error instead of an IndexError deep in the tokenizer.",
        "I added a regression test for it next to the existing parser tests.",
    ):
        t.say(chunk)
        t.pause()
    use_tool(
        t,
        "Edit",
        {"file_path": notes, "old_string": "to validate", "new_string": "validated"},
    )
    t.pause()
    use_tool(
        t,
        "Bash",
        {"command": "pytest -q", "description": "Run the tests"},
        output="............\n12 passed in 0.41s",
        duration=3.0,
        text="Re-running the suite to make sure nothing else moved.",
    )
    t.pause()
    use_tool(
        t,
        "TodoWrite",
        {
            "todos": [
                {
                    "content": "Validate empty input",
                    "status": "completed",
                    "activeForm": "Validating",
                },
                {
                    "content": "Document parser errors",
                    "status": "pending",
                    "activeForm": "Documenting",
                },
            ]
        },
    )
    t.pause()
    use_tool(
        t,
        "Bash",
        {"command": "git diff --stat", "description": "What changed"},
        output=f" {DEMO_NOTES} | 3 +++\n 1 file changed, 3 insertions(+)",
        duration=0.2,
    )
    t.pause()


def demo(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _orient(t)
        _fix(t)
        t.say("All tests pass. Writing the handoff for the next shift.")
        t.pause()
    _complete(
        t,
        "Fixed the parser's empty-input crash and added a regression test; all 12 tests pass.",
        completed=["Empty input raises a clear error", "Regression test added"],
        next_steps=["Document the parser's error messages in README.md"],
    )
    return None


def demo_question(t: Turn) -> TurnEnd | None:
    if t.index == 0:
        _orient(t)
        answer = shift_tool(
            t,
            "ask_operator",
            {
                "question": "The parser change alters an error message users may match "
                "on. Should I keep the old wording for compatibility?"
            },
            text="Before changing user-visible behaviour I want the operator's call.",
        )
        t.pause()
        t.agent.state["answer"] = answer.text
        t.say(f"Operator's answer: {answer.text}")
        t.pause()
        _fix(t)
    _complete(
        t,
        "Fixed the empty-input crash after checking the wording with the operator.",
        decisions=[f"Error wording: {t.agent.state.get('answer', 'no answer')}"],
    )
    return None


def demo_fail(t: Turn) -> TurnEnd | None:
    _orient(t)
    t.say("Running the full test suite.")
    t.pause()
    _die(t, "Error: simulated agent failure: connection to the model API was reset (ECONNRESET)", 1)
    return None


DEMO_FUNCS: dict[str, Scenario] = {
    "demo": demo,
    "demo_question": demo_question,
    "demo_fail": demo_fail,
}
