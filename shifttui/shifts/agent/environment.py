"""What a shift's Claude Code would run with, for `shifttui status`: which CLI and its version,
the kind of credentials it will find (never the secret itself), and whether bubblewrap is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shifttui.base.config import Settings
from shifttui.shifts.agent.lifeline import bundled_cli
from shifttui.shifts.agent.options import CliMissing, resolve_cli

# `claude --version` answers in ~10 ms; a CLI that hangs must not hang `status`.
VERSION_TIMEOUT_S = 5.0
UNKNOWN = "unknown"

# Claude Code's own order, first match wins: a cloud provider, a gateway's bearer token, an API
# key, then an OAuth token, then the login stored by `claude /login`. A stray
# ANTHROPIC_API_KEY therefore outranks a subscription token.
_CLOUD = {
    "CLAUDE_CODE_USE_BEDROCK": "Amazon Bedrock",
    "CLAUDE_CODE_USE_VERTEX": "Google Vertex AI",
    "CLAUDE_CODE_USE_FOUNDRY": "Microsoft Foundry",
}
_AUTH_VARS = ("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN",
              *_CLOUD)


@dataclass(frozen=True)
class AgentEnvironment:
    cli: str | None  # the executable shifts run; None when there is none
    cli_source: str  # where that choice came from
    cli_version: str  # its own `--version` line, or "unknown"
    cli_problem: str | None  # why no shift could start, if so
    auth: str
    bwrap: str | None  # bubblewrap's path (the CLI's sandbox for Bash on Linux)


def auth_kind(env: Mapping[str, str], home: Path | None = None) -> str:
    """The credentials Claude Code would use with this environment, named, never shown."""
    for var, provider in _CLOUD.items():
        if env.get(var, "").strip() not in ("", "0", "false"):
            return f"{provider} ({var})"
    if env.get("ANTHROPIC_AUTH_TOKEN"):
        return "bearer token (ANTHROPIC_AUTH_TOKEN)"
    if env.get("ANTHROPIC_API_KEY"):
        shadowed = " (it outranks CLAUDE_CODE_OAUTH_TOKEN, also set)" if env.get(
            "CLAUDE_CODE_OAUTH_TOKEN") else ""
        return f"API key (ANTHROPIC_API_KEY){shadowed}"
    if env.get("CLAUDE_CODE_OAUTH_TOKEN"):
        return "subscription (CLAUDE_CODE_OAUTH_TOKEN)"
    config_dir = env.get("CLAUDE_CONFIG_DIR")
    base = Path(config_dir).expanduser() if config_dir else (home or Path.home()) / ".claude"
    if (base / ".credentials.json").is_file():
        shown = config_dir or "~/.claude"
        return f"Claude Code login ({shown})"
    if sys.platform == "darwin":
        return "Claude Code login in the macOS Keychain, if any (not checked)"
    return "none found"


def auth_overrides(policy_env: Mapping[str, str]) -> list[str]:
    """The credential variables a project's policy env sets (they win for its shifts)."""
    return [var for var in _AUTH_VARS if var in policy_env]


async def cli_version(cli: str, timeout_s: float = VERSION_TIMEOUT_S) -> str:
    """The first line `<cli> --version` prints, or "unknown" (missing, failing or hanging)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            cli, "--version", stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return UNKNOWN
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return UNKNOWN
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines:
        return UNKNOWN
    return lines[0].strip()[:120]


async def agent_environment(
    settings: Settings, *, env: Mapping[str, str] | None = None, home: Path | None = None,
    timeout_s: float = VERSION_TIMEOUT_S,
) -> AgentEnvironment:
    """The CLI as the supervisor resolves it (resolve_cli, else the SDK's bundled one)."""
    env = os.environ if env is None else env
    problem = None
    try:
        chosen = resolve_cli(None, settings)
    except CliMissing as exc:
        chosen, source, problem = None, "the claude_cli setting", str(exc)
    else:
        source = "the claude_cli setting" if chosen else "bundled with claude-agent-sdk"
        if chosen is None:
            chosen = bundled_cli()
            if chosen is None:
                # The SDK then looks for `claude` on PATH itself.
                chosen, source = shutil.which("claude"), "claude on PATH"
                if chosen is None:
                    problem = ("no Claude Code CLI: neither the one bundled with "
                               "claude-agent-sdk nor `claude` on PATH")
    version = await cli_version(chosen, timeout_s) if chosen else UNKNOWN
    return AgentEnvironment(chosen, source, version, problem, auth_kind(env, home),
                            shutil.which("bwrap"))
