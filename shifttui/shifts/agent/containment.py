"""What a shift's agent is kept from: Claude Code's sandbox settings, its permission deny rules,
and the environment it inherits (docs/CONTAINMENT.md says what that adds up to).

Found by experiment with the bundled CLI 2.1.330 (tests/test_containment*.py hold the proof):
- The sandbox must come through the SDK's option (the command line): one in the project's
  settings can be switched off by the agent, which may write that file.
- Paths in `sandbox.filesystem` are absolute or start with `~/` (the agent's HOME); in a
  permission rule an absolute path is spelled `//path`. A denied read is an empty tmpfs inside
  the sandbox, so a write there never reaches the real file.
- A Bash command that names a path of a `Read(...)` deny rule is refused by the CLI itself.
- A host not in `network.allowedDomains` reaches `can_use_tool` as the tool
  `SandboxNetworkAccess`: it must be denied there, or allowing every call would open the network.
- `sandbox.credentials.envVars` with mode `deny` unsets a variable inside the sandbox. The CLI's
  own CLAUDE_CODE_SUBPROCESS_ENV_SCRUB is not used: it forces the `default` permission mode and
  then Bash ran outside the sandbox, writing where the sandbox forbids it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shifttui.base.models import Policy, Sandbox

ENV_PREFIX = "SHIFTTUI_"
# The scripted fake CLI's knobs (tests and the demo) travel through the environment; a real
# Claude Code never reads them and they name no part of shifttui's home.
FAKE_PREFIX = "SHIFTTUI_FAKE_"
NETWORK_TOOL = "SandboxNetworkAccess"
# The credentials Claude Code itself uses: the agent's commands never need them.
CREDENTIAL_VARS = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_CUSTOM_HEADERS",
    "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CODE_OAUTH_REFRESH_TOKEN", "ANTHROPIC_FOUNDRY_API_KEY",
    "AWS_BEARER_TOKEN_BEDROCK",
)
_GLOB = set("*?[")


def inherited_env_cover(inherited: Mapping[str, str], policy_env: Mapping[str, str]
                        ) -> dict[str, str]:
    """Empty values for shifttui's own variables in the environment the CLI inherits
    (SHIFTTUI_HOME names the database and config.toml). The SDK merges its `env` over
    os.environ and has no way to remove a variable: an empty one is the closest, and the
    sandbox unsets it for commands (sandbox_settings). The policy's env is the operator's own
    choice and stays."""
    return {key: "" for key in inherited
            if key.startswith(ENV_PREFIX) and not key.startswith(FAKE_PREFIX)
            and key not in policy_env}


def hidden_vars(env: Iterable[str]) -> list[str]:
    """The variables of the CLI's environment that its commands must not see."""
    return sorted({k for k in env if k.startswith(ENV_PREFIX) or k in CREDENTIAL_VARS})


def shielded_paths(home: Path, writable: Iterable[Path]) -> list[Path]:
    """`home`, or, when a writable root lies inside it (a shift's own worktree under the home),
    every other part of it: the parts that hold a writable root are opened, the rest stay shut.
    What appears in the home after the shift starts is not covered (only such parts: a new
    worktree of another shift, under a part that is itself opened)."""
    home = _real(home)
    inside = [w for w in map(_real, writable) if w == home or home in w.parents]
    if not inside:
        return [home]
    if home in inside:
        return []  # the operator made the whole home writable (add_dirs): theirs to decide
    out: list[Path] = []
    try:
        children = sorted(home.iterdir())
    except OSError:
        return [home]
    for child in children:
        out.extend(shielded_paths(child, inside) if child.is_dir() else [child])
    return out


def _real(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path.expanduser()))


def _rule_path(entry: str) -> str:
    """A deny_read entry as a permission rule's path: `//abs`, `~/rel`."""
    return "/" + entry if entry.startswith("/") else entry


def read_rules(paths: Iterable[str]) -> list[str]:
    """Read deny rules for each path: the path itself and, for a directory, what is in it."""
    rules = []
    for entry in paths:
        spelled = _rule_path(entry.rstrip("/") or "/")
        rules.append(f"Read({spelled})")
        if not _GLOB & set(entry):
            rules.append(f"Read({spelled}/**)")
    return rules


def command_rules(patterns: Iterable[str]) -> list[str]:
    """deny_commands as Bash deny rules: a second layer behind shifttui's own command guard."""
    return [f"Bash({p})" for p in patterns if "(" not in p and ")" not in p]


def settings_for(policy: Policy, *, home: Path | None, writable: Iterable[Path]
                 ) -> dict[str, Any]:
    """The permission rules passed as command-line settings (which the agent cannot edit)."""
    shielded = [str(p) for p in shielded_paths(home, writable)] if home else []
    deny = read_rules([*policy.deny_read, *shielded])
    deny += [f"Edit({_rule_path(p)})" for p in shielded]
    deny += [f"Edit({_rule_path(p)}/**)" for p in shielded]
    deny += command_rules(policy.deny_commands)
    return {"permissions": {"deny": deny}}


def sandbox_settings(policy: Policy, *, home: Path | None, writable: Iterable[Path],
                     env: Iterable[str]) -> dict[str, Any] | None:
    """The SDK's `sandbox` option for this policy, or None when the policy turns it off.
    Writes: the working directory, the add_dirs and temp (the CLI's defaults), never the
    shifttui home; network: only network_hosts."""
    if policy.sandbox is Sandbox.OFF:
        return None
    shielded = [str(p) for p in shielded_paths(home, writable)] if home else []
    return {
        "enabled": True,
        "autoAllowBashIfSandboxed": True,
        "allowUnsandboxedCommands": False,
        # Not in the SDK's TypedDict, passed through and honoured: no silent unsandboxed run.
        "failIfUnavailable": True,
        "network": {"allowedDomains": list(policy.network_hosts)},
        # `~/` is the agent's HOME to the sandbox too; the rest is absolute.
        "filesystem": {"denyRead": [*policy.deny_read, *shielded],
                       "denyWrite": shielded},
        "credentials": {"envVars": [{"name": n, "mode": "deny"} for n in hidden_vars(env)]},
    }



# Inside the sandbox Claude Code masks these names in the working directory, when they do not
# exist, with /dev/null (its write protection for shell and tool settings). Git then lists them
# as untracked and `git add -A` fails on the first ("can only add regular files"): a known
# Claude Code bug (anthropics/claude-code#78419), seen with 2.1.330. The sandbox drops
# GIT_CONFIG_PARAMETERS and sets GIT_CONFIG_* itself, so a repository's info/exclude is the
# place to ignore them (docs/CONTAINMENT.md).
SANDBOX_STUBS = (".bash_profile", ".bashrc", ".gitconfig", ".gitmodules", ".idea", ".mcp.json",
                 ".profile", ".ripgreprc", ".vscode", ".zprofile", ".zshrc")


# How Claude Code 2.1.330 words a call its own deny rules refused. Such a call never reaches the
# PreToolUse guard (the file tools check their path first), so the run records it itself.
_CLI_DENIALS = ("denied by your permission settings", "has been denied")


class CliDenials:
    """Turns Claude Code's own refusals into what the guard's would be: (tool, input, reason)."""

    def __init__(self, keep: int = 64) -> None:
        self._calls: dict[str, tuple[str, dict[str, Any]]] = {}
        self._keep = keep

    def saw_call(self, tool_use_id: str, tool: str, tool_input: dict[str, Any]) -> None:
        self._calls[tool_use_id] = (tool, tool_input)
        while len(self._calls) > self._keep:  # only the latest calls can still be answered
            self._calls.pop(next(iter(self._calls)))

    def refused(self, tool_use_id: str, is_error: bool | None, content: Any
                ) -> tuple[str, dict[str, Any], str] | None:
        call = self._calls.pop(tool_use_id, None)
        if call is None or not is_error:
            return None
        text = content if isinstance(content, str) else " ".join(
            str(c.get("text", "")) for c in content or [] if isinstance(c, dict))
        if not any(phrase in text for phrase in _CLI_DENIALS):
            return None
        reason = text.replace("<tool_use_error>", "").replace("</tool_use_error>", "").strip()
        return call[0], call[1], f"Claude Code's deny rules: {reason}"
