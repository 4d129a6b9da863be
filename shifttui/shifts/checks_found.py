"""What the last shift's checks found, for the next shift's context: which check failed, the
tail of its output, and the judge's reasons (the claims its diff did not back)."""

from __future__ import annotations

from shifttui.base.models import Shift, TestResult

TAIL_LINES = 30


def last_checks_section(shift: Shift | None) -> str:
    """Markdown when the newest ended shift's checks or judge failed; "" otherwise."""
    if shift is None or shift.checks_passed is not False:
        return ""
    lines = ["## What the last shift's checks found", "",
             f"Shift `{shift.id}` ended {shift.status.value}, but its checks failed; its work "
             "is not ready to merge. Fix this first.", ""]
    for name, result in (("tests", shift.test_result), ("lint", shift.lint_result)):
        if result is not None and not result.passed:
            lines += [f"- {name} `{result.command}` {_failed(result)}; the end of its output:",
                      "", "```", _tail(result.output_tail), "```", ""]
    judge = shift.judge_result
    if judge is not None and judge.passed is False:
        lines.append(f"- The judge ({judge.model}) failed it:")
        lines += [f"  - {reason}" for reason in judge.reasons]
        lines += [f"  - claimed in the handoff, not in the diff: {claim}"
                  for claim in judge.claims_not_in_diff]
    return "\n".join(lines).rstrip()


def _failed(result: TestResult) -> str:
    return "timed out" if result.timed_out else f"failed (exit {result.exit_code})"


def _tail(text: str) -> str:
    # The fence must survive whatever the output holds.
    body = "\n".join(text.rstrip().splitlines()[-TAIL_LINES:]).replace("```", "`\u200b``")
    return body or "(no output)"
