"""The real bundled Claude Code CLI, driven through ClaudeSDKClient against tests/loopback_api.py.

These prove that the flags, tools, hooks, in-process MCP wiring, interrupt and error reporting
work with the CLI users actually run, offline. Each test starts one or two CLI processes
(~0.5 s each).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import claude_agent_sdk
import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ClaudeSDKClient,
    HookContext,
    HookInput,
    HookJSONOutput,
    HookMatcher,
    Message,
    PermissionResultAllow,
    ResultMessage,
    ToolPermissionContext,
    ToolUseBlock,
    UserMessage,
    create_sdk_mcp_server,
    tool,
)
from loopback_api import (
    TOOL_SEARCH,
    LoopbackAPI,
    Script,
    Turn,
    bash,
    call,
    cli_env,
    endless,
    fail,
    say,
)

from shifttui.base.models import HandoffInput

BUNDLED_CLI = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
PROTOCOL_MARKER = "SHIFT PROTOCOL: end every shift by calling complete_shift."
COMPLETE = "mcp__shift__complete_shift"

pytestmark = [
    pytest.mark.real_cli,
    pytest.mark.skipif(not BUNDLED_CLI.exists(), reason="the SDK wheel has no bundled CLI"),
]


class ShiftTools:
    """An in-process `shift` MCP server whose complete_shift records what the agent sent."""

    def __init__(self) -> None:
        self.handoffs: list[HandoffInput] = []

        @tool("complete_shift", "End the shift with a structured handoff.",
              HandoffInput.model_json_schema())
        async def complete_shift(args: dict[str, Any]) -> dict[str, Any]:
            self.handoffs.append(HandoffInput.model_validate(args))
            return {"content": [{"type": "text", "text": "Handoff stored; the shift is over."}]}

        self.server = create_sdk_mcp_server("shift", tools=[complete_shift])


class Permissions:
    """A can_use_tool callback that allows everything and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, name: str, tool_input: dict[str, Any],
                       context: ToolPermissionContext) -> PermissionResultAllow:
        self.asked.append(name)
        return PermissionResultAllow()


def options(api: LoopbackAPI, tmp_path: Path, project: Path, *,
            tool_search: bool | None = None, **kw: Any) -> ClaudeAgentOptions:
    stderr: list[str] = []
    return ClaudeAgentOptions(
        cwd=str(project),
        env=cli_env(api, tmp_path / "cli-home", tool_search=tool_search),
        setting_sources=[],
        stderr=stderr.append,
        permission_mode="acceptEdits",
        system_prompt={"type": "preset", "preset": "claude_code", "append": PROTOCOL_MARKER},
        **kw,
    )


@asynccontextmanager
async def connected(opts: ClaudeAgentOptions) -> AsyncIterator[tuple[ClaudeSDKClient, int]]:
    """A connected client and its CLI's pid; disconnects however the test ends."""
    client = ClaudeSDKClient(opts)
    started = time.monotonic()
    await client.connect()
    try:
        info = await client.get_server_info()
        assert info is not None
        print(f"CLI start {time.monotonic() - started:.2f}s")
        yield client, int(info["pid"])
    finally:
        await client.disconnect()


async def run_turn(client: ClaudeSDKClient, prompt: str) -> list[Message]:
    await client.query(prompt)
    return [m async for m in client.receive_response()]


def result_of(messages: Sequence[Message]) -> ResultMessage:
    assert isinstance(messages[-1], ResultMessage), messages[-1]
    return messages[-1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_gone(pid: int, within: float) -> bool:
    # Nothing to await for another process's exit: poll with a deadline.
    deadline = time.monotonic() + within
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


HANDOFF = {"summary": "Wrote out.txt.", "completed": ["out.txt says hi"],
           "next_steps": ["review out.txt"]}


@pytest.mark.timeout(45)
@pytest.mark.parametrize("tool_search", [None, False], ids=["deferred", "tool-search-off"])
async def test_a_shift_runs_bash_and_ends_with_complete_shift(
    tmp_path: Path, project_dir: Path, tool_search: bool | None
) -> None:
    shift = ShiftTools()
    allow = Permissions()
    script = Script([
        bash("echo hi > out.txt", text="Writing the file."),
        call(COMPLETE, HANDOFF),
        say("Shift complete."),
    ])
    async with LoopbackAPI(script) as api:
        opts = options(api, tmp_path, project_dir, tool_search=tool_search,
                       mcp_servers={"shift": shift.server}, can_use_tool=allow)
        async with connected(opts) as (client, _pid):
            messages = await run_turn(client, "Work on the project.")

    result = result_of(messages)
    assert (result.subtype, result.is_error) == ("success", False), result
    assert (project_dir / "out.txt").read_text() == "hi\n"
    assert shift.handoffs == [HandoffInput.model_validate(HANDOFF)]
    assert COMPLETE in allow.asked, "an MCP tool needs the permission callback in acceptEdits"
    assert script.exhausted and script.overruns == 0

    main = api.main_requests
    assert PROTOCOL_MARKER in main[0].system_text()
    bash_use = next(b for m in messages if isinstance(m, AssistantMessage)
                    for b in m.content if isinstance(b, ToolUseBlock) and b.name == "Bash")
    bash_result = main[1].tool_results()
    assert [r["tool_use_id"] for r in bash_result] == [bash_use.id]
    assert not bash_result[0].get("is_error")
    assert "Handoff stored" in main[-1].tool_result_text()

    if tool_search is False:
        assert COMPLETE in main[0].tool_names and TOOL_SEARCH not in main[0].tool_names
        assert script.tool_searches == 0
    else:
        # Deferred: the tool is only named in a system message until ToolSearch loads it.
        assert COMPLETE not in main[0].loaded_tools() and COMPLETE in main[0].system_text()
        assert script.tool_searches == 1
        search_results = [r for req in main for r in req.tool_results()
                          if any(c.get("type") == "tool_reference" for c in r["content"]
                                 if isinstance(r["content"], list))]
        assert len(search_results) == 1
    print(f"requests: {api.paths}")


DENY_REASON = "Pushing is not allowed during a shift; leave it to the operator."


@pytest.mark.timeout(45)
async def test_b_pre_tool_use_hook_denies_git_push(tmp_path: Path, project_dir: Path) -> None:
    seen: list[str] = []

    async def no_push(input_data: HookInput, tool_use_id: str | None,
                      context: HookContext) -> HookJSONOutput:
        assert input_data["hook_event_name"] == "PreToolUse"
        command = str(input_data["tool_input"]["command"])
        seen.append(command)
        if "git push" not in command:
            return {}
        return {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                       "permissionDecision": "deny",
                                       "permissionDecisionReason": DENY_REASON}}

    script = Script([
        bash("echo fine > allowed.txt"),
        bash("git push origin main; touch pushed.marker"),
        say("Understood, not pushing."),
    ])
    async with LoopbackAPI(script) as api:
        opts = options(api, tmp_path, project_dir, can_use_tool=Permissions(),
                       hooks={"PreToolUse": [HookMatcher(matcher="Bash", hooks=[no_push])]})
        async with connected(opts) as (client, _pid):
            messages = await run_turn(client, "Push the work.")

    assert seen == ["echo fine > allowed.txt", "git push origin main; touch pushed.marker"]
    assert (project_dir / "allowed.txt").exists(), "the hook must let other commands run"
    assert not (project_dir / "pushed.marker").exists(), "the denied command ran"
    denied = api.main_requests[2].tool_results()
    assert len(denied) == 1 and denied[0].get("is_error") is True
    assert DENY_REASON in api.main_requests[2].tool_result_text()
    assert result_of(messages).is_error is False


@pytest.mark.timeout(30)
async def test_c_abandon_mid_stream_leaves_no_process(tmp_path: Path, project_dir: Path) -> None:
    async with LoopbackAPI([endless("Thinking about it")]) as api:
        client = ClaudeSDKClient(options(api, tmp_path, project_dir))
        await client.connect()
        try:
            info = await client.get_server_info()
            assert info is not None
            pid = int(info["pid"])
            assert pid_alive(pid)
            await client.query("Work forever.")
            await asyncio.wait_for(api.streaming.wait(), 20)

            started = time.monotonic()
            await client.interrupt()
            messages = [m async for m in client.receive_response()]
            drained = time.monotonic() - started
        finally:
            await client.disconnect()
        stopped = time.monotonic() - started
        gone = await wait_gone(pid, within=1.0)

    assert gone, f"CLI pid {pid} still alive 1 s after disconnect"
    result = result_of(messages)
    assert result.subtype == "error_during_execution" and result.is_error
    assert result.terminal_reason == "aborted_streaming"
    assert any(isinstance(m, UserMessage) and "interrupted" in str(m.content) for m in messages)
    assert api.hung_up.is_set(), "the CLI kept the aborted stream open"
    print(f"interrupt→result {drained:.3f}s, →disconnected {stopped:.3f}s")


@pytest.mark.timeout(30)
async def test_wrap_up_after_interrupt_reaches_complete_shift(
    tmp_path: Path, project_dir: Path
) -> None:
    """Force-complete's path: interrupt a busy agent, then ask it for the handoff."""
    shift = ShiftTools()
    script = Script([endless("Still working"), call(COMPLETE, HANDOFF), say("Handed off.")])
    async with LoopbackAPI(script) as api:
        opts = options(api, tmp_path, project_dir, tool_search=False,
                       mcp_servers={"shift": shift.server}, can_use_tool=Permissions())
        async with connected(opts) as (client, _pid):
            await client.query("Work.")
            await asyncio.wait_for(api.streaming.wait(), 20)
            await client.interrupt()
            first = [m async for m in client.receive_response()]
            second = await run_turn(client, "Stop now and call complete_shift.")

    assert result_of(first).terminal_reason == "aborted_streaming"
    assert result_of(second).subtype == "success"
    assert shift.handoffs == [HandoffInput.model_validate(HANDOFF)]
    wrap_up = api.main_requests[1]
    assert "Stop now and call complete_shift." in json.dumps(wrap_up.json["messages"])


ERROR_KINDS = {401: "authentication_failed", 429: "rate_limit", 529: "server_error"}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("status", sorted(ERROR_KINDS))
async def test_e_http_error_becomes_an_error_result(
    tmp_path: Path, project_dir: Path, status: int
) -> None:
    async with LoopbackAPI([fail(status)]) as api:
        async with connected(options(api, tmp_path, project_dir)) as (client, pid):
            messages = await run_turn(client, "Hello.")
            alive_after_error = pid_alive(pid)

    result = result_of(messages)
    # A streaming client gets no exception: the run ends with an error result and the CLI stays up.
    assert alive_after_error
    assert result.is_error and result.subtype == "success"
    assert result.api_error_status == status and result.terminal_reason == "api_error"
    assert result.result is not None and str(status) in result.result
    errors = [m.error for m in messages if isinstance(m, AssistantMessage)]
    assert errors == [ERROR_KINDS[status]]
    assert len(api.main_requests) == 1, "CLAUDE_CODE_MAX_RETRIES=0 should stop retries"


@pytest.mark.timeout(40)
async def test_resume_continues_the_earlier_conversation(tmp_path: Path, project_dir: Path) -> None:
    """Resuming an interrupted shift: a new CLI process picks the session up from its home."""
    async with LoopbackAPI([say("First part done."), say("Second part done.")]) as api:
        async with connected(options(api, tmp_path, project_dir)) as (client, first_pid):
            first = await run_turn(client, "Do the first part.")
        session_id = result_of(first).session_id
        resumed = options(api, tmp_path, project_dir, resume=session_id)
        async with connected(resumed) as (client, second_pid):
            second = await run_turn(client, "Continue.")

    assert second_pid != first_pid
    assert result_of(second).session_id == session_id
    history = json.dumps(api.main_requests[1].json["messages"])
    assert "Do the first part." in history and "First part done." in history


@pytest.mark.timeout(40)
async def test_budget_cap_ends_the_run_after_the_call_that_crossed_it(
    tmp_path: Path, project_dir: Path
) -> None:
    # ~$0.005 a call at the CLI's default-model prices: a $0.01 cap is crossed on the 2nd or 3rd.
    costly = [Turn(bash("true").blocks, input_tokens=1000) for _ in range(6)]
    async with LoopbackAPI(costly) as api:
        opts = options(api, tmp_path, project_dir, can_use_tool=Permissions(), max_budget_usd=0.01)
        async with connected(opts) as (client, _pid):
            messages = await run_turn(client, "Spend.")

    result = result_of(messages)
    assert result.subtype == "error_max_budget_usd" and result.is_error
    assert result.total_cost_usd is not None and result.total_cost_usd >= 0.01
    assert 2 <= len(api.main_requests) < len(costly)
    print(f"budget stop after {len(api.main_requests)} calls at ${result.total_cost_usd:.4f}")
