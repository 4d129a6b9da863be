"""ClaudeAgentOptions for a shift: CLI, prompt, tools, permissions and guards from the policy."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_agent_sdk import (
    ClaudeAgentOptions,
    HookMatcher,
    McpSdkServerConfig,
    PermissionResultAllow,
    PermissionResultDeny,
    ToolPermissionContext,
)
from claude_agent_sdk.types import HookContext, HookInput

from shifttui.base.config import CLI_ENV, Settings
from shifttui.base.errors import InvalidInput
from shifttui.base.models import PermissionMode, Project
from shifttui.shifts.agent import containment
from shifttui.shifts.agent.git_backstop import git_push_blocker_env
from shifttui.shifts.agent.process import SHIFT_ID_ENV

MAX_LINE_BYTES = 32 * 1024 * 1024


class CliMissing(Exception):
    """The Claude Code CLI to use cannot be found; the message says what to do."""


def resolve_cli(explicit: str | None, settings: Settings) -> str | None:
    """`explicit`, then the claude_cli setting (flag > env > config.toml, see base.config), else
    None (the SDK's bundled CLI)."""
    chosen = explicit or settings.claude_cli
    if not chosen:
        return None
    found = shutil.which(chosen) if os.sep not in chosen else chosen
    path = Path(found or chosen).expanduser()
    if not path.is_file():
        raise CliMissing(
            f"Claude Code CLI {chosen!r} not found (from {_source(explicit, settings)}); fix that "
            "setting, or unset it to use the CLI bundled with claude-agent-sdk "
            "(pip install claude-agent-sdk)"
        )
    if not os.access(path, os.X_OK):
        raise CliMissing(f"Claude Code CLI {path} is not executable (chmod +x it)")
    return str(path)


def _source(explicit: str | None, settings: Settings) -> str:
    if explicit:
        return "the supervisor"
    if settings.claude_cli == os.environ.get(CLI_ENV):
        return CLI_ENV
    return "--claude-cli or claude_cli in config.toml"


def check_permission_mode(project: Project) -> None:
    """Claude Code refuses bypassPermissions as root unless IS_SANDBOX=1: say so up front."""
    policy = project.policy
    if policy.permission_mode is not PermissionMode.BYPASS:
        return
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    sandbox = policy.env.get("IS_SANDBOX") or os.environ.get("IS_SANDBOX")
    if is_root and sandbox != "1":
        raise InvalidInput(
            f"project {project.name}: permission_mode bypassPermissions is refused by Claude Code "
            "when running as root; use acceptEdits (the default: shifttui approves tool calls "
            "after its guards), or set IS_SANDBOX=1 in the policy's env if this machine is a "
            "disposable sandbox"
        )


def build_options(
    project: Project,
    *,
    shift_id: str,
    system_append: str,
    server: McpSdkServerConfig,
    guard_hook: Callable[[HookInput, str | None, HookContext], Any],
    stderr: Callable[[str], None],
    cli_path: str | None,
    resume: str | None = None,
    home: Path | None = None,
) -> ClaudeAgentOptions:
    """`home` is shifttui's own: the agent may neither read nor write it (containment.py)."""
    policy = project.policy
    env = {
        **containment.inherited_env_cover(os.environ, policy.env),
        # Keep the shift tools in the prompt instead of behind ToolSearch.
        "ENABLE_TOOL_SEARCH": "false",
        **policy.env,
        # Names the CLI's process for the pid lookup (process.py); a shift id, no path.
        SHIFT_ID_ENV: shift_id,
    }
    env.update(git_push_blocker_env({**os.environ, **env}))  # every git push fails
    writable = [Path(project.path), *map(Path, policy.add_dirs)]
    sandbox = containment.sandbox_settings(policy, home=home, writable=writable,
                                           env=[*os.environ, *env])
    settings = containment.settings_for(policy, home=home, writable=writable)

    async def allow_after_guard(
        tool_name: str, tool_input: dict[str, Any], context: ToolPermissionContext
    ) -> PermissionResultAllow | PermissionResultDeny:
        if tool_name == containment.NETWORK_TOOL:
            # A sandboxed command asks for a host outside network_hosts (those are allowed
            # without asking): allowing it here would open the network to every host.
            host = tool_input.get("host", "this host")
            return PermissionResultDeny(message=f"network access to {host} is not allowed in "
                                        "this project (its policy's network_hosts)")
        # The PreToolUse guard already ran for this call; an unattended shift must never
        # block on a permission prompt nobody will answer.
        return PermissionResultAllow()

    mcp_servers: dict[str, Any] = {"shift": server, **policy.mcp_servers}
    with warnings.catch_warnings():
        # A user's allowed_tools entry may shadow can_use_tool; that is their choice, and a
        # warning printed to the terminal would corrupt the TUI.
        warnings.simplefilter("ignore")
        return ClaudeAgentOptions(
            cwd=project.path,
            cli_path=cli_path,
            system_prompt={"type": "preset", "preset": "claude_code", "append": system_append},
            # The project's own settings and CLAUDE.md apply; the user's personal settings (hooks,
            # permission rules written for interactive use) do not leak into unattended shifts.
            setting_sources=["project"],
            model=policy.model,
            permission_mode=policy.permission_mode.value,
            # The shift tools are approved by can_use_tool like everything else; listing them in
            # allowed_tools would only shadow the callback.
            allowed_tools=list(policy.allowed_tools),
            disallowed_tools=list(policy.disallowed_tools),
            mcp_servers=mcp_servers,
            add_dirs=list(policy.add_dirs),
            max_turns=policy.max_turns,
            # The SDK's own cap is a backstop only: it is checked after each API call and
            # overshoots; the supervisor stops the shift itself from the live figure.
            max_budget_usd=policy.max_budget_usd * 1.5,
            hooks={"PreToolUse": [HookMatcher(matcher=None, hooks=[guard_hook])]},
            can_use_tool=allow_after_guard,
            stderr=stderr,
            env=env,
            resume=resume,
            # The SDK's default 1 MB line limit ends the whole session on one big message (a
            # large tool result, or a 1 MB complete_shift call that should get a tool error).
            max_buffer_size=MAX_LINE_BYTES,
            # Both on the command line: the agent can edit the project's settings files.
            sandbox=sandbox,  # type: ignore[arg-type]  # failIfUnavailable: not in the TypedDict
            settings=json.dumps(settings),
        )
