"""The fake Claude Code CLI, driven through the real claude-agent-sdk (no mocks of the SDK)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    PermissionResultDeny,
    ProcessError,
    ResultMessage,
    SystemMessage,
    TextBlock,
    ToolPermissionContext,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
    create_sdk_mcp_server,
    tool,
)
from timing import wall

from shifttui.fakeagent import SCENARIOS
from shifttui.system.procs import pid_alive

pytestmark = pytest.mark.timeout(20)

HANDOFF_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "completed": {"type": "array", "items": {"type": "string"}},
        "in_progress": {"type": "array", "items": {"type": "string"}},
        "blockers": {"type": "array", "items": {"type": "string"}},
        "next_steps": {"type": "array", "items": {"type": "string"}},
        "decisions": {"type": "array", "items": {"type": "string"}},
        "questions_for_operator": {"type": "array", "items": {"type": "string"}},
    },
}


@dataclass
class ShiftTools:
    """An in-process `shift` server like shifttui's: it validates handoffs itself."""

    handoffs: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer: str = "Yes, update it."

    def server(self) -> Any:
        @tool("complete_shift", "Leave the handoff and end the shift", HANDOFF_SCHEMA)
        async def complete_shift(args: dict[str, Any]) -> dict[str, Any]:
            if not str(args.get("summary") or "").strip():
                self.rejected.append(args)
                return {
                    "content": [{"type": "text", "text": "summary: field required"}],
                    "is_error": True,
                }
            self.handoffs.append(args)
            return {"content": [{"type": "text", "text": "Handoff stored; the shift is complete."}]}

        @tool("ask_operator", "Ask the operator a question", {"question": str})
        async def ask_operator(args: dict[str, Any]) -> dict[str, Any]:
            self.questions.append(args["question"])
            return {"content": [{"type": "text", "text": self.answer}]}

        return create_sdk_mcp_server("shift", tools=[complete_shift, ask_operator])


class Allow:
    """A can_use_tool callback: allows everything except the commands it was told to deny."""

    def __init__(self, deny: tuple[str, ...] = ()) -> None:
        self.deny = deny
        self.asked: list[tuple[str, dict[str, Any]]] = []

    async def __call__(
        self, name: str, tool_input: dict[str, Any], context: ToolPermissionContext
    ) -> PermissionResultAllow | PermissionResultDeny:
        self.asked.append((name, tool_input))
        text = str(tool_input.get("command") or tool_input.get("file_path") or "")
        if any(d in text for d in self.deny):
            return PermissionResultDeny(message=f"refused by test: {text}")
        return PermissionResultAllow()


def options(
    cli: Path,
    cwd: Path,
    scenario: str,
    *,
    tools: ShiftTools | None = None,
    env: dict[str, str] | None = None,
    stderr: list[str] | None = None,
    **kw: Any,
) -> ClaudeAgentOptions:
    err = stderr if stderr is not None else []
    kw.setdefault("can_use_tool", Allow())
    return ClaudeAgentOptions(
        cli_path=str(cli),
        cwd=str(cwd),
        setting_sources=[],
        mcp_servers={"shift": (tools or ShiftTools()).server()},
        stderr=err.append,
        env={"SHIFTTUI_FAKE_SCENARIO": scenario, "SHIFTTUI_FAKE_DELAY": "0", **(env or {})},
        **kw,
    )


async def turn(client: ClaudeSDKClient, prompt: str) -> list[Message]:
    await client.query(prompt)
    return [m async for m in client.receive_response()]


def results(messages: list[Message]) -> list[ResultMessage]:
    return [m for m in messages if isinstance(m, ResultMessage)]


def tool_uses(messages: list[Message], name: str) -> list[ToolUseBlock]:
    return [
        b
        for m in messages
        if isinstance(m, AssistantMessage)
        for b in m.content
        if isinstance(b, ToolUseBlock) and b.name == name
    ]


def tool_result(messages: list[Message], tool_use_id: str) -> ToolResultBlock:
    for m in messages:
        if isinstance(m, UserMessage) and isinstance(m.content, list):
            for b in m.content:
                if isinstance(b, ToolResultBlock) and b.tool_use_id == tool_use_id:
                    return b
    raise AssertionError(f"no tool_result for {tool_use_id}")


@pytest.fixture
async def connected(fake_cli: Path, project_dir: Path) -> AsyncIterator[Any]:
    """Connect a client for a scenario; disconnects (and checks the CLI is gone) afterwards."""
    clients: list[tuple[ClaudeSDKClient, int]] = []

    async def connect(scenario: str, **kw: Any) -> ClaudeSDKClient:
        client = ClaudeSDKClient(options(fake_cli, project_dir, scenario, **kw))
        await client.connect()
        info = await client.get_server_info()
        assert info is not None
        clients.append((client, int(info["pid"])))
        return client

    yield connect
    for client, pid in clients:
        await client.disconnect()
        assert not pid_alive(pid), "the fake CLI outlived disconnect()"


async def test_normal_calls_the_in_process_complete_shift(
    connected: Any, project_dir: Path
) -> None:
    tools = ShiftTools()
    client = await connected("normal", tools=tools)
    info = await client.get_server_info()
    assert pid_alive(info["pid"]) and info["pid"] != os.getpid()
    messages = await turn(client, "Start your shift.")

    init = next(m for m in messages if isinstance(m, SystemMessage) and m.subtype == "init")
    assert "mcp__shift__complete_shift" in init.data["tools"]
    assert {"name": "shift", "status": "connected"} in init.data["mcp_servers"]
    assert len(tools.handoffs) == 1 and tools.handoffs[0]["summary"].strip()
    # The shift's MCP tool result is in the transcript like any tool result.
    (use,) = tool_uses(messages, "mcp__shift__complete_shift")
    assert not tool_result(messages, use.id).is_error
    # One API response's blocks arrive as separate messages sharing an id, like the real CLI.
    ids = [m.message_id for m in messages if isinstance(m, AssistantMessage)]
    assert len(ids) > len(set(ids))
    (result,) = results(messages)
    assert result.subtype == "success" and not result.is_error
    assert result.session_id == init.data["session_id"]
    assert result.total_cost_usd and result.total_cost_usd > 0 and result.num_turns > 1
    assert (project_dir / "fake_agent_notes.md").is_file()


async def test_bad_handoff_is_retried_after_the_tool_error(connected: Any) -> None:
    tools = ShiftTools()
    client = await connected("bad_handoff", tools=tools)
    messages = await turn(client, "Start your shift.")
    first, second = tool_uses(messages, "mcp__shift__complete_shift")
    assert tool_result(messages, first.id).is_error
    assert not tool_result(messages, second.id).is_error
    assert len(tools.rejected) == 1 and "summary" not in tools.rejected[0]
    assert len(tools.handoffs) == 1


async def test_late_handoff_comes_after_the_follow_up_and_cost_is_cumulative(
    connected: Any,
) -> None:
    tools = ShiftTools()
    client = await connected("late_handoff", tools=tools)
    first = await turn(client, "Start your shift.")
    assert tools.handoffs == [] and tool_uses(first, "mcp__shift__complete_shift") == []
    second = await turn(client, "Your turn ended without a handoff: call complete_shift now.")
    assert len(tools.handoffs) == 1
    (r1,), (r2,) = results(first), results(second)
    assert r1.total_cost_usd is not None and r2.total_cost_usd is not None
    assert r2.total_cost_usd > r1.total_cost_usd
    # usage and num_turns are per turn, the cost is not.
    assert r2.usage is not None and r1.usage is not None
    assert r2.usage["input_tokens"] < r1.usage["input_tokens"] + r2.usage["input_tokens"]
    assert r2.session_id == r1.session_id


async def test_no_handoff_never_calls_it(connected: Any) -> None:
    tools = ShiftTools()
    client = await connected("no_handoff", tools=tools)
    await turn(client, "Start your shift.")
    await turn(client, "Call complete_shift now.")
    assert tools.handoffs == []


async def test_interrupting_slow_ends_the_turn_and_a_wrap_up_request_completes(
    connected: Any,
) -> None:
    tools = ShiftTools()
    client = await connected("slow", tools=tools, env={"SHIFTTUI_FAKE_DELAY": "0.02"})
    await client.query("Start your shift.")
    messages: list[Message] = []
    async for m in client.receive_response():
        messages.append(m)
        if sum(isinstance(x, AssistantMessage) for x in messages) == 5:
            await asyncio.wait_for(client.interrupt(), 2)
    (result,) = results(messages)
    assert result.subtype == "error_during_execution" and result.is_error
    assert result.terminal_reason == "aborted_streaming"
    assert any(
        isinstance(m, UserMessage)
        and any(isinstance(b, TextBlock) and "interrupted" in b.text for b in m.content)
        for m in messages
    )
    await turn(client, "Stop now and call complete_shift with a handoff.")
    assert len(tools.handoffs) == 1


@pytest.mark.wallclock
async def test_interrupt_under_a_flood_from_a_side_task_then_quick_disconnect(
    fake_cli: Path, project_dir: Path
) -> None:
    # Awaiting interrupt() inside the receive loop can deadlock when the CLI outruns the
    # consumer: the SDK's reader blocks on its full 100-message buffer and never reads the
    # interrupt's control_response. Sending it from a side task while draining is safe.
    client = ClaudeSDKClient(options(fake_cli, project_dir, "slow_stubborn"))
    await client.connect()
    info = await client.get_server_info()
    assert info is not None
    await client.query("Start.")
    interrupting: asyncio.Task[None] | None = None
    async for m in client.receive_messages():
        if isinstance(m, AssistantMessage) and interrupting is None:
            interrupting = asyncio.create_task(client.interrupt())
        if isinstance(m, ResultMessage):
            assert m.subtype == "error_during_execution"
            break
    assert interrupting is not None
    await asyncio.wait_for(interrupting, 2)
    started = time.monotonic()
    await client.disconnect()
    assert time.monotonic() - started < wall(2)
    assert not pid_alive(info["pid"])


async def test_guard_hook_sees_realistic_input_and_deny_is_honoured(
    connected: Any, project_dir: Path
) -> None:
    seen: list[dict[str, Any]] = []

    async def guard(
        hook_input: HookInput, tool_use_id: str | None, context: HookContext
    ) -> HookJSONOutput:
        seen.append(dict(hook_input))
        tool_input = seen[-1]["tool_input"]
        command = str(tool_input.get("command", ""))
        path = str(tool_input.get("file_path", ""))
        if command.startswith("git push") or path.startswith("/etc/"):
            return {
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": "forbidden by policy",
                }
            }
        return {}

    tools = ShiftTools()
    client = await connected(
        "guard",
        tools=tools,
        hooks={"PreToolUse": [HookMatcher(matcher="Bash|Write|Edit", hooks=[guard])]},
    )
    messages = await turn(client, "Start your shift.")

    assert [h["tool_name"] for h in seen] == ["Bash", "Write"]
    push = seen[0]
    assert push["hook_event_name"] == "PreToolUse"
    assert push["tool_input"]["command"] == "git push origin main"
    assert push["cwd"] == str(project_dir) and push["session_id"] and push["tool_use_id"]
    (bash,) = tool_uses(messages, "Bash")
    denied = tool_result(messages, bash.id)
    assert denied.is_error and "forbidden by policy" in str(denied.content)
    assert push["tool_use_id"] == bash.id
    assert not Path("/etc/shifttui-forbidden").exists()
    assert len(tools.handoffs) == 1 and len(tools.handoffs[0]["blockers"]) == 2
    (result,) = results(messages)
    assert [d["tool_name"] for d in result.permission_denials or []] == ["Bash", "Write"]


async def test_can_use_tool_is_asked_and_its_deny_reaches_the_transcript(connected: Any) -> None:
    allow = Allow(deny=("git push",))
    client = await connected("guard", can_use_tool=allow)
    messages = await turn(client, "Start your shift.")
    asked = [name for name, _ in allow.asked]
    assert "Bash" in asked and "mcp__shift__complete_shift" in asked
    (bash,) = tool_uses(messages, "Bash")
    assert "refused by test" in str(tool_result(messages, bash.id).content)


async def test_without_a_permission_rule_or_callback_tools_are_refused(
    fake_cli: Path, project_dir: Path
) -> None:
    tools = ShiftTools()
    opts = options(fake_cli, project_dir, "normal", tools=tools)
    opts.can_use_tool = None
    async with ClaudeSDKClient(opts) as client:
        messages = await turn(client, "Start.")
    (use,) = tool_uses(messages, "mcp__shift__complete_shift")
    assert "haven't granted it" in str(tool_result(messages, use.id).content)
    assert tools.handoffs == []
    opts.allowed_tools = ["mcp__shift__*"]
    async with ClaudeSDKClient(opts) as client:
        await turn(client, "Start.")
    assert len(tools.handoffs) == 1


@pytest.mark.wallclock
async def test_flood_delivers_every_message_quickly(connected: Any) -> None:
    count = 20_000
    client = await connected("flood", env={"SHIFTTUI_FAKE_COUNT": str(count)})
    started = time.monotonic()
    messages = await turn(client, "Go.")
    flood = [
        b.text
        for m in messages
        if isinstance(m, AssistantMessage)
        for b in m.content
        if isinstance(b, TextBlock) and b.text.startswith("flood line")
    ]
    assert len(flood) == count and flood[-1] == f"flood line {count} of {count}"
    assert time.monotonic() - started < wall(15)


@pytest.mark.parametrize(("scenario", "code"), [("crash", 1), ("exit137", -9), ("demo_fail", 1)])
async def test_a_dying_cli_raises_process_error_with_stderr(
    fake_cli: Path, project_dir: Path, scenario: str, code: int
) -> None:
    stderr: list[str] = []
    async with ClaudeSDKClient(options(fake_cli, project_dir, scenario, stderr=stderr)) as client:
        await client.query("Start.")
        with pytest.raises(ProcessError) as info:
            async for _ in client.receive_messages():
                pass
    assert info.value.exit_code == code
    if code == 1:
        assert any("simulated" in line for line in stderr)


async def test_hang_init_is_bounded_by_the_callers_timeout(
    fake_cli: Path, project_dir: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    client = ClaudeSDKClient(
        options(fake_cli, project_dir, "hang_init", env={"SHIFTTUI_FAKE_PIDFILE": str(pid_file)})
    )
    # The SDK itself waits at least 60 s for initialize; only the caller can shorten that.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.connect(), 1.5)
    await client.disconnect()
    pid = int(pid_file.read_text().split()[0])
    deadline = time.monotonic() + 5
    # Not our child to wait on (the SDK spawned it), so poll with a deadline.
    while pid_alive(pid) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    assert not pid_alive(pid)


@pytest.mark.parametrize(
    ("scenario", "env", "status", "error"),
    [
        ("auth_error", {}, 401, "authentication_failed"),
        ("rate_limited", {}, 429, "rate_limit"),
        ("rate_limited", {"SHIFTTUI_FAKE_STATUS": "529"}, 529, "server_error"),
    ],
)
async def test_api_errors_look_like_the_real_clis(
    connected: Any, scenario: str, env: dict[str, str], status: int, error: str
) -> None:
    client = await connected(scenario, env=env)
    messages = await turn(client, "Start.")
    (result,) = results(messages)
    assert result.is_error and result.subtype == "success"
    assert result.api_error_status == status and result.result
    assert [m.error for m in messages if isinstance(m, AssistantMessage)] == [error]


async def test_max_turns_and_budget_results(connected: Any) -> None:
    client = await connected("max_turns", max_turns=2)
    (result,) = results(await turn(client, "Start."))
    assert result.subtype == "error_max_turns" and result.num_turns == 2
    budget = await connected("budget", max_budget_usd=2.0)
    (over,) = results(await turn(budget, "Start."))
    assert over.subtype == "error_max_budget_usd"
    # Like the real CLI, the check comes after an API call, so the run overshoots the cap.
    assert over.total_cost_usd is not None and over.total_cost_usd >= 2.0


async def test_garbage_on_stdout(fake_cli: Path, project_dir: Path) -> None:
    tools = ShiftTools()
    async with ClaudeSDKClient(options(fake_cli, project_dir, "garbage_soft", tools=tools)) as c:
        await turn(c, "Start.")
    assert len(tools.handoffs) == 1, "lines that are not JSON are skipped"
    async with ClaudeSDKClient(options(fake_cli, project_dir, "garbage")) as client:
        await client.query("Start.")
        # A truncated JSON line or bytes that are not UTF-8 end the SDK's reader.
        with pytest.raises(Exception):  # noqa: B017 - the SDK raises different types for each
            async for _ in client.receive_messages():
                pass


async def test_resume_keeps_the_session_id(connected: Any) -> None:
    client = await connected("normal", resume="0b6f3c5e-resumed-session")
    messages = await turn(client, "Continue.")
    (result,) = results(messages)
    assert result.session_id == "0b6f3c5e-resumed-session"


async def test_ask_puts_the_operators_answer_in_the_handoff(connected: Any) -> None:
    tools = ShiftTools(answer="Only the changelog, please.")
    client = await connected("ask", tools=tools)
    await turn(client, "Start.")
    assert tools.questions and len(tools.handoffs) == 1
    assert any("Only the changelog" in d for d in tools.handoffs[0]["decisions"])


@pytest.mark.parametrize("scenario", ["demo", "demo_question"])
async def test_demo_scenarios_complete(connected: Any, project_dir: Path, scenario: str) -> None:
    (project_dir / "README.md").write_text("# demo project\n")
    tools = ShiftTools()
    client = await connected(scenario, tools=tools)
    messages = await turn(client, "Start your shift.")
    assert len(tools.handoffs) == 1 and (project_dir / "SHIFT_NOTES.md").is_file()
    assert "validated" in (project_dir / "SHIFT_NOTES.md").read_text()
    assert len([m for m in messages if isinstance(m, AssistantMessage)]) > 20
    assert bool(tools.questions) == (scenario == "demo_question")


async def test_bypass_permissions_as_root_is_refused_like_the_real_cli(
    fake_cli: Path, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("the refusal only applies to root")
    monkeypatch.delenv("IS_SANDBOX", raising=False)
    stderr: list[str] = []
    opts = options(
        fake_cli,
        project_dir,
        "normal",
        stderr=stderr,
        can_use_tool=None,
        permission_mode="bypassPermissions",
    )
    client = ClaudeSDKClient(opts)
    with pytest.raises(Exception):  # noqa: B017 - the SDK reports an early exit as it can
        await asyncio.wait_for(client.connect(), 10)
    await client.disconnect()
    assert any("root/sudo" in line for line in stderr)


def test_every_scenario_is_listed() -> None:
    from shifttui.fakeagent.main import SCENARIO_FUNCS

    assert set(SCENARIOS) == set(SCENARIO_FUNCS)


async def test_trace_records_what_the_sdk_sent(connected: Any, tmp_path: Path) -> None:
    trace = tmp_path / "stdin.jsonl"
    client = await connected("no_handoff", env={"SHIFTTUI_FAKE_TRACE": str(trace)})
    await turn(client, "First prompt.")
    await turn(client, "Second prompt.")
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert lines[0]["request"]["subtype"] == "initialize"
    prompts = [m["message"]["content"] for m in lines if m["type"] == "user"]
    assert prompts == ["First prompt.", "Second prompt."]
