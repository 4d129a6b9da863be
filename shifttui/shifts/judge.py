"""The optional AI judge (policy judge_model, SPEC §7 "Checks and judge"): after the checks, a
short query with a budget of its own reads the shift's diff, the checks' output and the handoff,
and gives its verdict through one tool. It must name what the handoff claims and the diff lacks.

A judge that fails or runs out of budget gives no verdict (JudgeVerdict.error): the shift is
judged by its checks alone, never failed by the judge's own trouble."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from claude_agent_sdk import (
    ClaudeAgentOptions,
    ClaudeSDKClient,
    PermissionResultAllow,
    PermissionResultDeny,
    ResultMessage,
    ToolPermissionContext,
    create_sdk_mcp_server,
    tool,
)
from pydantic import BaseModel, Field, ValidationError

from shifttui.base.models import (
    EventKind,
    HandoffInput,
    JudgeVerdict,
    Project,
    Shift,
    TestResult,
    handoff_sections,
)
from shifttui.base.text import money
from shifttui.shifts.agent import containment
from shifttui.shifts.agent.lifeline import guarded_cli
from shifttui.shifts.agent.runner import ShiftRun
from shifttui.shifts.checks import Checks, run_checks
from shifttui.store import Store
from shifttui.system.git import run_git

SERVER_NAME = "judge"
VERDICT_TOOL = f"mcp__{SERVER_NAME}__verdict"
# Headings the prompt is built from (the fake CLI's judge finds the sections by them).
HANDOFF_HEADING = "## The handoff"
FILES_HEADING = "## Files the diff changes"
DIFF_HEADING = "## The diff"
DIFF_CHARS = 60_000  # about 15k tokens: a judge's read, not a second shift
TAIL_CHARS = 3_000
MAX_TURNS = 3  # the verdict, and a retry when the first call was malformed
JUDGE_TIMEOUT_S = 180.0

_SYSTEM = """You are the judge of an unattended coding shift. You get the shift's handoff (what
the agent says it did), the files and the diff of what it actually changed, and the output of
the project's checks. Compare them. Call the `verdict` tool exactly once:
- passed: false when the handoff claims work (files written, features added, tests fixed) that
  the diff does not contain, when the change is clearly broken, or when the checks failed;
  true otherwise. Be strict about claims, lenient about style.
- reasons: one short sentence each, the most important first.
- claims_not_in_diff: each claim of the handoff the diff does not back, quoted briefly (a file
  name when it names one).
You have no other tools; do not ask questions."""


class _VerdictArgs(BaseModel):
    passed: bool
    reasons: list[str] = Field(default_factory=list, max_length=50)
    claims_not_in_diff: list[str] = Field(default_factory=list, max_length=100)


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "passed": {"type": "boolean", "description": "false: the shift should not be merged"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "claims_not_in_diff": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["passed", "reasons", "claims_not_in_diff"],
}


async def checks_and_judge(run: ShiftRun, store: Store, project: Project,
                           handoff: HandoffInput | None, files: list[str]) -> Checks:
    """The policy's checks, then the judge's verdict on them when the policy names a judge
    and the agent left a handoff to judge."""
    checks = await run_checks(run, project)
    if not project.policy.judge_model or handoff is None:
        return checks
    shift = await store.shifts.get(run.shift.id)  # its range, recorded when the agent stopped
    run.sink.add(EventKind.INFO, f"judge {project.policy.judge_model} reading the shift",
                 {"check": "judge"})
    verdict = await judge_shift(run, project, shift, handoff, files, checks)
    if verdict.error is not None:
        run.sink.add(EventKind.ERROR, verdict.error, {**verdict.model_dump(), "check": "judge"})
    else:
        said = "passed" if verdict.passed else "failed"
        why = f": {verdict.reasons[0]}" if verdict.reasons else ""
        run.sink.add(EventKind.INFO if verdict.passed else EventKind.ERROR,
                     f"judge {said}{why}", {**verdict.model_dump(), "check": "judge"})
    return replace(checks, judge=verdict)


async def judge_shift(run: ShiftRun, project: Project, shift: Shift, handoff: HandoffInput,
                      files: list[str], checks: Checks) -> JudgeVerdict:
    """The judge's verdict; any failure of its own is a verdict with `error` set."""
    policy = project.policy
    model = policy.judge_model or ""
    verdicts: list[_VerdictArgs] = []
    try:
        diff = await shift_diff_text(shift, Path(project.path))
        prompt = judge_prompt(handoff, files, diff, checks)
        options = _options(run, project, _server(verdicts))
        result = await asyncio.wait_for(_ask(options, prompt), JUDGE_TIMEOUT_S)
    except TimeoutError:
        return _error(f"it gave no verdict within {JUDGE_TIMEOUT_S:.0f} s", model, 0.0)
    except Exception as exc:  # the CLI's start, the connection: the judge's trouble only
        return _error(str(exc) or type(exc).__name__, model, 0.0)
    cost = (result.total_cost_usd or 0.0) if result is not None else 0.0
    if not verdicts:
        if result is not None and result.subtype == "error_max_budget_usd":
            return _error(f"it ran out of its budget ({money(policy.judge_budget_usd)}) "
                          "before a verdict", model, cost)
        detail = f" ({result.subtype})" if result is not None and result.is_error else ""
        return _error(f"it ended without a verdict{detail}", model, cost)
    said = verdicts[-1]
    return JudgeVerdict(passed=said.passed, reasons=said.reasons,
                        claims_not_in_diff=said.claims_not_in_diff, cost_usd=cost, model=model)


def _error(text: str, model: str, cost: float) -> JudgeVerdict:
    return JudgeVerdict(passed=None, error=f"judge error: {text}", cost_usd=cost, model=model)


async def shift_diff_text(shift: Shift, path: Path) -> str:
    """The shift's own diff, at most DIFF_CHARS: its range when isolated, else everything since
    the commit it started on; "" for a folder that is not a repository."""
    if shift.base_commit and shift.head_commit:
        args = [shift.base_commit, shift.head_commit]
    elif shift.start_commit:
        args = [shift.start_commit]
    else:
        return ""
    res = await run_git(path, "diff", "--no-color", "--no-ext-diff", *args, "--",
                        limit=DIFF_CHARS)
    if res.code != 0:
        return ""
    cut = f"\n[… {res.cut} more characters of the diff not shown]" if res.cut else ""
    return res.out + cut


def judge_prompt(handoff: HandoffInput, files: list[str], diff: str, checks: Checks) -> str:
    """The judge's one message: the handoff's claims, then the evidence."""
    lines = [HANDOFF_HEADING, ""]
    for section in handoff_sections(HandoffInput):
        value = getattr(handoff, section.name)
        if not value:
            continue
        if section.is_list:
            lines += [f"### {section.title}", *(f"- {section.item(v)}" for v in value), ""]
        else:
            lines += [f"### {section.title}", str(value), ""]
    lines += [FILES_HEADING, ""]
    lines += [f"- {f}" for f in files] or ["(none: the shift changed no file)"]
    lines += ["", DIFF_HEADING, ""]
    lines += ["```diff", diff.rstrip(), "```"] if diff.strip() else ["(no diff)"]
    lines += ["", "## The checks", ""]
    ran = [(n, r) for n, r in (("tests", checks.test), ("lint", checks.lint)) if r is not None]
    for name, result in ran:
        lines += [f"### {name}: {_verdict(result)} (`{result.command}`)", "```",
                  result.output_tail[-TAIL_CHARS:].rstrip(), "```", ""]
    if not ran:
        lines.append("(no checks are configured)")
    return "\n".join(lines)


def _verdict(result: TestResult) -> str:
    if result.passed:
        return "passed"
    return "timed out" if result.timed_out else f"failed (exit {result.exit_code})"


def _server(verdicts: list[_VerdictArgs]) -> Any:
    @tool("verdict", "Give your verdict on the shift. Call it exactly once.", _SCHEMA)
    async def verdict(args: dict[str, Any]) -> dict[str, Any]:
        try:
            verdicts.append(_VerdictArgs.model_validate(args))
        except ValidationError as exc:
            return {"content": [{"type": "text", "text": f"Not accepted: {exc.errors()[0]['msg']}"
                                 ". Call verdict again."}], "is_error": True}
        return {"content": [{"type": "text", "text": "Verdict recorded. You are done."}]}

    return create_sdk_mcp_server(SERVER_NAME, tools=[verdict])


def _options(run: ShiftRun, project: Project, server: Any) -> ClaudeAgentOptions:
    policy = project.policy
    home = run.sink.log_path.parents[2]  # <home>/shifts/<id>/agent.log, as the run has it
    env = {**containment.inherited_env_cover(os.environ, policy.env),
           "ENABLE_TOOL_SEARCH": "false", **policy.env}
    settings = containment.settings_for(policy, home=home, writable=[Path(project.path)])

    async def only_the_verdict(tool_name: str, tool_input: dict[str, Any],
                               context: ToolPermissionContext
                               ) -> PermissionResultAllow | PermissionResultDeny:
        if tool_name == VERDICT_TOOL:
            return PermissionResultAllow()
        return PermissionResultDeny(message="the judge has only the verdict tool")

    return ClaudeAgentOptions(
        # No built-in tool at all, so no command runs and the sandbox has nothing to contain;
        # the read rules still keep shifttui's home and the user's secrets out of reach.
        tools=[],
        # (not in allowed_tools: that would approve it before can_use_tool is asked)
        mcp_servers={SERVER_NAME: server},
        system_prompt=_SYSTEM,
        # Nobody's settings, hooks or CLAUDE.md: the project's files are what is being judged.
        setting_sources=[],
        cwd=project.path,
        cli_path=guarded_cli(run.cli_path, run.sink.log_path.parent),
        model=policy.judge_model,
        permission_mode="default",
        can_use_tool=only_the_verdict,
        max_turns=MAX_TURNS,
        max_budget_usd=policy.judge_budget_usd,
        env=env,
        settings=json.dumps(settings),
    )


async def _ask(options: ClaudeAgentOptions, prompt: str) -> ResultMessage | None:
    result: ResultMessage | None = None
    async with ClaudeSDKClient(options) as client:  # leaving it ends the CLI, on a stop too
        await client.query(prompt)
        async for message in client.receive_response():
            if isinstance(message, ResultMessage):
                result = message
    return result
