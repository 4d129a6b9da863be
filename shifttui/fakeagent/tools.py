"""Tool calls as the real CLI makes them: hooks, permission rules, `can_use_tool`, in-process MCP.

Nothing here runs a shell command: Bash output is scripted. Write and Edit really change files,
but only inside the working directory, so `git status` has something to find and a scenario can
never touch the rest of the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shifttui.fakeagent.agent import Agent, Turn
from shifttui.fakeagent.wire import Interrupted

READ_ONLY_TOOLS = {"Read", "Glob", "Grep", "ToolSearch", "TodoWrite", "LS"}
EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}


@dataclass
class ToolOutcome:
    text: str
    is_error: bool
    content: Any = None


@dataclass
class _Decision:
    allowed: bool
    message: str = ""
    tool_input: dict[str, Any] | None = None


def use_tool(
    t: Turn,
    name: str,
    tool_input: dict[str, Any],
    *,
    text: str | None = None,
    output: str = "ok",
    duration: float = 0.0,
) -> ToolOutcome:
    """Emit a tool_use (after `text`, in the same API response), run it, emit its tool_result.

    `duration` is how long the tool "runs" before its result (a test suite takes a while).
    """
    if name.startswith("mcp__") and t.config.tool_search and name not in t.agent.discovered:
        _search_for(t, name)
    tool_use_id = t.agent.next_id("toolu")
    blocks: list[dict[str, Any]] = []
    if text:
        blocks.append({"type": "text", "text": text})
    blocks.append({"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input})
    t.message(blocks)
    try:
        decision = _permit(t, name, tool_input, tool_use_id)
        if not decision.allowed:
            t.denials.append(
                {"tool_name": name, "tool_use_id": tool_use_id, "tool_input": tool_input}
            )
            outcome = ToolOutcome(decision.message, True, decision.message)
        else:
            if duration > 0:
                t.pause(duration)
            outcome = _execute(t, name, decision.tool_input or tool_input, tool_use_id, output)
            _post_hooks(t, name, tool_input, tool_use_id, outcome)
    except Interrupted:
        _emit_result(
            t, tool_use_id, ToolOutcome("[Request interrupted by user for tool use]", True)
        )
        raise
    _emit_result(t, tool_use_id, outcome)
    return outcome


def shift_tool(t: Turn, tool: str, args: dict[str, Any], *, text: str | None = None) -> ToolOutcome:
    """Call a tool of the in-process `shift` MCP server."""
    return use_tool(t, f"mcp__shift__{tool}", args, text=text)


def _search_for(t: Turn, name: str) -> None:
    # With tool search on (the CLI's default), MCP tools are deferred until the model asks.
    tool_use_id = t.agent.next_id("toolu")
    t.message(
        [
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": "ToolSearch",
                "input": {"query": f"select:{name}", "max_results": 1},
            }
        ]
    )
    t.agent.discovered.add(name)
    _emit_result(
        t, tool_use_id, ToolOutcome(name, False, [{"type": "tool_reference", "tool_name": name}])
    )


def _emit_result(t: Turn, tool_use_id: str, outcome: ToolOutcome) -> None:
    content = outcome.content if outcome.content is not None else outcome.text
    block: dict[str, Any] = {"type": "tool_result", "content": content, "tool_use_id": tool_use_id}
    if outcome.is_error:
        block["is_error"] = True
    t.emit_user([block], tool_use_result=f"Error: {outcome.text}" if outcome.is_error else content)


# ---- guards --------------------------------------------------------------------------------------


def _matching_callbacks(agent: Agent, event: str, name: str) -> list[str]:
    ids: list[str] = []
    for matcher in agent.wire.init.hooks.get(event) or []:
        pattern = matcher.get("matcher")
        if pattern in (None, "", "*") or _matches(str(pattern), name):
            ids.extend(str(i) for i in matcher.get("hookCallbackIds") or [])
    return ids


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return pattern == name


def _hook_input(
    t: Turn, event: str, name: str, tool_input: dict[str, Any], tool_use_id: str
) -> dict[str, Any]:
    slug = re.sub(r"[^A-Za-z0-9]", "-", t.config.cwd)
    return {
        "session_id": t.config.session_id,
        "transcript_path": str(
            Path.home() / ".claude" / "projects" / slug / f"{t.config.session_id}.jsonl"
        ),
        "cwd": t.config.cwd,
        "permission_mode": t.agent.permission_mode,
        "hook_event_name": event,
        "tool_name": name,
        "tool_input": tool_input,
        "tool_use_id": tool_use_id,
    }


def _permit(t: Turn, name: str, tool_input: dict[str, Any], tool_use_id: str) -> _Decision:
    agent = t.agent
    for callback_id in _matching_callbacks(agent, "PreToolUse", name):
        try:
            answer = agent.wire.request(
                {
                    "subtype": "hook_callback",
                    "callback_id": callback_id,
                    "input": _hook_input(t, "PreToolUse", name, tool_input, tool_use_id),
                    "tool_use_id": tool_use_id,
                }
            )
        except RuntimeError as e:
            return _Decision(False, f"PreToolUse:{name} hook error: {e}")
        specific = answer.get("hookSpecificOutput") or {}
        decision = specific.get("permissionDecision")
        reason = specific.get("permissionDecisionReason") or answer.get("reason") or ""
        if decision == "deny" or answer.get("decision") == "block":
            return _Decision(False, f"PreToolUse:{name} hook error: {reason}")
        if isinstance(specific.get("updatedInput"), dict):
            tool_input = specific["updatedInput"]
        if decision == "allow":
            return _Decision(True, tool_input=tool_input)

    if name in t.config.disallowed_tools:
        return _Decision(False, f"Permission to use {name} has been denied.")
    if _allowed_by_rules(t, name, tool_input):
        return _Decision(True, tool_input=tool_input)
    if t.config.permission_prompt_tool == "stdio" and agent.permission_mode != "dontAsk":
        answer = agent.wire.request(
            {
                "subtype": "can_use_tool",
                "tool_name": name,
                "input": tool_input,
                "permission_suggestions": [],
                "tool_use_id": tool_use_id,
            }
        )
        if answer.get("behavior") == "allow":
            updated = answer.get("updatedInput")
            return _Decision(True, tool_input=updated if isinstance(updated, dict) else tool_input)
        return _Decision(
            False, str(answer.get("message") or f"Permission to use {name} was denied.")
        )
    message = f"Claude requested permissions to use {name}, but you haven't granted it yet."
    agent.wire.emit(
        {
            "type": "system",
            "subtype": "permission_denied",
            "tool_name": name,
            "tool_use_id": tool_use_id,
            "message": message,
            **agent.base(),
        }
    )
    return _Decision(False, message)


def _allowed_by_rules(t: Turn, name: str, tool_input: dict[str, Any]) -> bool:
    mode = t.agent.permission_mode
    if mode == "bypassPermissions" or name in READ_ONLY_TOOLS:
        return True
    if mode == "acceptEdits" and name in EDIT_TOOLS:
        return True
    server = name.split("__")[1] if name.startswith("mcp__") else None
    for rule in t.config.allowed_tools:
        if rule == name or (server and rule in (f"mcp__{server}", f"mcp__{server}__*")):
            return True
        scoped = re.fullmatch(r"(\w+)\((.*)\)", rule)
        if scoped and scoped.group(1) == name:
            pattern = scoped.group(2)
            subject = str(tool_input.get("command") or tool_input.get("file_path") or "")
            if pattern.endswith(":*") and subject.startswith(pattern[:-2]):
                return True
            if subject == pattern:
                return True
    return False


def _post_hooks(
    t: Turn, name: str, tool_input: dict[str, Any], tool_use_id: str, outcome: ToolOutcome
) -> None:
    for callback_id in _matching_callbacks(t.agent, "PostToolUse", name):
        payload = _hook_input(t, "PostToolUse", name, tool_input, tool_use_id)
        payload["tool_response"] = outcome.content if outcome.content is not None else outcome.text
        try:
            t.wire.request(
                {
                    "subtype": "hook_callback",
                    "callback_id": callback_id,
                    "input": payload,
                    "tool_use_id": tool_use_id,
                }
            )
        except RuntimeError:
            pass  # a failing PostToolUse hook does not undo the tool call


# ---- execution -----------------------------------------------------------------------------------


def _inside_cwd(t: Turn, raw: str) -> Path | None:
    cwd = Path(t.config.cwd).resolve()
    path = (cwd / raw).resolve()
    return path if path == cwd or cwd in path.parents else None


def _execute(
    t: Turn, name: str, tool_input: dict[str, Any], tool_use_id: str, output: str
) -> ToolOutcome:
    if name.startswith("mcp__"):
        return _call_mcp(t, name, tool_input, tool_use_id)
    raw_path = str(tool_input.get("file_path") or "")
    if name == "Write":
        path = _inside_cwd(t, raw_path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(tool_input.get("content") or ""), encoding="utf-8")
        return ToolOutcome(f"File created successfully at: {raw_path}", False)
    if name == "Edit":
        path = _inside_cwd(t, raw_path)
        if path is not None and path.is_file():
            text = path.read_text(encoding="utf-8")
            old = str(tool_input.get("old_string") or "")
            if old not in text:
                return ToolOutcome("String to replace not found in file.", True)
            path.write_text(
                text.replace(old, str(tool_input.get("new_string") or ""), 1), encoding="utf-8"
            )
        return ToolOutcome(f"The file {raw_path} has been updated successfully.", False)
    if name == "Read":
        path = _inside_cwd(t, raw_path)
        if path is not None and path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[:200]
            return ToolOutcome(
                "\n".join(f"{i:>6}\t{line}" for i, line in enumerate(lines, 1)), False
            )
        if path is None:
            return ToolOutcome(output, False)
        return ToolOutcome("File does not exist.", True)
    return ToolOutcome(output, False)


def _call_mcp(t: Turn, name: str, args: dict[str, Any], tool_use_id: str) -> ToolOutcome:
    _, server, tool = name.split("__", 2)
    if not t.agent.mcp_tools.get(server):
        return ToolOutcome(f"No such tool available: {name}", True)
    t.agent.state["jsonrpc_id"] = request_id = int(t.agent.state.get("jsonrpc_id", 1)) + 1
    answer = t.wire.request(
        {
            "subtype": "mcp_message",
            "server_name": server,
            "message": {
                "method": "tools/call",
                "params": {
                    "name": tool,
                    "arguments": args,
                    "_meta": {"claudecode/toolUseId": tool_use_id, "progressToken": request_id},
                },
                "jsonrpc": "2.0",
                "id": request_id,
            },
        }
    )
    reply = answer.get("mcp_response") or {}
    if "error" in reply:
        message = str((reply.get("error") or {}).get("message") or "MCP error")
        return ToolOutcome(f"MCP error: {message}", True)
    result = reply.get("result") or {}
    content = result.get("content") or []
    text = "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return ToolOutcome(text, bool(result.get("isError")), content)


def connect_mcp(agent: Agent) -> None:
    """The handshake the real CLI does with each in-process (`sdk`) server before the first turn."""
    if agent.mcp_ready:
        return
    agent.mcp_ready = True
    for server, spec in agent.config.mcp_servers.items():
        if spec.get("type") != "sdk":
            continue
        try:
            agent.wire.request(
                _rpc(
                    server,
                    "initialize",
                    0,
                    {
                        "protocolVersion": "2025-11-25",
                        "capabilities": {},
                        "clientInfo": {"name": "claude-code", "version": "2.1.330"},
                    },
                ),
                interruptible=False,
            )
            agent.wire.request(
                {
                    "subtype": "mcp_message",
                    "server_name": server,
                    "message": {"jsonrpc": "2.0", "method": "notifications/initialized"},
                },
                interruptible=False,
            )
            listed = agent.wire.request(_rpc(server, "tools/list", 1, None), interruptible=False)
            tools = ((listed.get("mcp_response") or {}).get("result") or {}).get("tools") or []
            agent.mcp_tools[server] = [str(tool.get("name")) for tool in tools]
        except RuntimeError:
            agent.mcp_tools[server] = None


def _rpc(
    server: str, method: str, request_id: int, params: dict[str, Any] | None
) -> dict[str, Any]:
    message: dict[str, Any] = {"method": method, "jsonrpc": "2.0", "id": request_id}
    if params is not None:
        message["params"] = params
    return {"subtype": "mcp_message", "server_name": server, "message": message}
