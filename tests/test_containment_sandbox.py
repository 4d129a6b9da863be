"""Claude Code's sandbox as shifttui sets it up (issue 20): MCP servers still work under it, a
machine without bubblewrap fails the shift at once with one sentence, and the settings keep
shifttui's home and the policy's secrets out of reach.

The attacks themselves are in tests/test_containment_attacks.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import claude_agent_sdk
import pytest
from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny, ProcessError
from containment_support import make_arena, run_attack_shift
from loopback_api import call

from shifttui.base.models import EventKind, FailureKind, Policy, Project, Sandbox
from shifttui.shifts.agent import containment
from shifttui.shifts.agent.failures import classify_exception
from shifttui.shifts.agent.options import build_options

BUNDLED_CLI = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"


def real_cli(test: Any) -> Any:
    marks = [pytest.mark.real_cli, pytest.mark.timeout(90),
             pytest.mark.skipif(not BUNDLED_CLI.exists(), reason="the SDK wheel has no CLI")]
    for mark in marks:
        test = mark(test)
    return test


MCP_SERVER = '''
import os
from mcp.server.mcpserver import MCPServer

app = MCPServer("probe")


@app.tool()
def echo_back(text: str) -> str:
    """Answer with the text and where the server runs."""
    return f"probe says {text} from pid {os.getpid()}"


app.run()
'''


@real_cli
async def test_a_stdio_mcp_server_works_under_the_sandbox(tmp_path: Path) -> None:
    arena = make_arena(tmp_path)
    server = tmp_path / "probe_server.py"
    server.write_text(MCP_SERVER)
    outcome = await run_attack_shift(
        arena, [call("mcp__probe__echo_back", {"text": "hello-4242"})],
        mcp_servers={"probe": {"command": sys.executable, "args": [str(server)]}})
    assert outcome.shift.status.value == "completed", outcome.shift.error
    assert Policy().sandbox is Sandbox.ON  # the shift above ran with the default: on
    results = [e for e in outcome.events if e.kind is EventKind.TOOL_RESULT
               and "probe says hello-4242" in str(e.payload)]
    assert results, "the MCP tool's result did not reach the shift's events"
    assert not outcome.violations()


def _bin_without_bwrap(path: Path, fake_bwrap: str | None = None) -> Path:
    """A PATH directory with what a shift needs but no working bubblewrap."""
    path.mkdir()
    for tool in ("git", "python3", "sh", "bash", "socat"):
        found = next((Path(d) / tool for d in [*os.defpath.split(":"), "/usr/bin", "/bin"]
                      if (Path(d) / tool).exists()), None)
        if found is not None:
            (path / tool).symlink_to(found)
    if fake_bwrap is not None:
        bwrap = path / "bwrap"
        bwrap.write_text(fake_bwrap)
        bwrap.chmod(0o755)
    return path


BROKEN_BWRAP = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"


@pytest.mark.parametrize("fake", [None, BROKEN_BWRAP], ids=["missing", "broken"])
@real_cli
async def test_without_bubblewrap_the_shift_fails_sandbox_unavailable(
    tmp_path: Path, fake: str | None
) -> None:
    arena = make_arena(tmp_path / "arena")
    bin_dir = _bin_without_bwrap(tmp_path / "bin", fake)
    loop = asyncio.get_running_loop()
    started = loop.time()
    plain_env = arena.env
    arena.env = lambda api: {**plain_env(api), "PATH": str(bin_dir)}  # type: ignore[method-assign]
    outcome = await run_attack_shift(arena, [])
    assert outcome.shift.failure_kind is FailureKind.SANDBOX_UNAVAILABLE
    error = outcome.shift.error or ""
    assert "apt-get install bubblewrap socat" in error and "\n" not in error
    assert error.count(". ") == 0, f"not one sentence: {error!r}"
    assert ("not installed" if fake is None else "does not work") in error
    assert not outcome.requests, "the CLI ran without its sandbox"
    assert loop.time() - started < 10
    assert not FailureKind.SANDBOX_UNAVAILABLE.counts_toward_pause


def test_the_clis_own_refusal_is_sandbox_unavailable() -> None:
    # What Claude Code 2.1.330 prints with failIfUnavailable and no bwrap on its PATH.
    tail = ["Error: sandbox required but unavailable: sandbox is enabled but dependencies are "
            "missing: bubblewrap (bwrap) not installed · install missing tools (e.g. apt install "
            "bubblewrap socat) or see https://code.claude.com/docs/en/sandboxing",
            "  Refusing to start without a working sandbox (see sandbox.failIfUnavailable)."]
    kind, text = classify_exception(ProcessError("exit", exit_code=1), tail)
    assert kind is FailureKind.SANDBOX_UNAVAILABLE
    assert "apt-get install bubblewrap socat" in text and "\n" not in text


def _project(tmp_path: Path, **policy: Any) -> Project:
    from datetime import UTC, datetime
    return Project(id="p", name="p", path=str(tmp_path / "proj"), policy=Policy(**policy),
                   created_at=datetime.now(UTC))


def _options(tmp_path: Path, home: Path, **policy: Any) -> Any:
    async def hook(*_: Any) -> dict[str, Any]:
        return {}
    return build_options(_project(tmp_path, **policy), shift_id="s1", system_append="",
                         server={"type": "sdk", "name": "shift", "instance": None},  # type: ignore[typeddict-item]
                         guard_hook=hook, stderr=lambda _: None, cli_path=None, home=home)


def test_the_options_keep_shifttui_and_secrets_out_of_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SHIFTTUI_HOME", str(home))
    monkeypatch.setenv("SHIFTTUI_FAKE_SCENARIO", "slow")
    options = _options(tmp_path, home, network_hosts=["pypi.org"], deny_read=["~/.ssh"],
                       env={"ANTHROPIC_API_KEY": "k"})
    assert options.env["SHIFTTUI_HOME"] == ""  # the SDK cannot remove an inherited variable
    assert "SHIFTTUI_FAKE_SCENARIO" not in options.env  # the fake CLI's knob passes
    assert not [k for k in options.env if k.startswith("SHIFTTUI_") and options.env[k]]
    sandbox = options.sandbox
    assert sandbox["failIfUnavailable"] and not sandbox["allowUnsandboxedCommands"]
    assert sandbox["network"]["allowedDomains"] == ["pypi.org"]
    assert str(home.resolve()) in sandbox["filesystem"]["denyRead"]
    assert str(home.resolve()) in sandbox["filesystem"]["denyWrite"]
    hidden = {v["name"] for v in sandbox["credentials"]["envVars"]}
    assert {"SHIFTTUI_HOME", "ANTHROPIC_API_KEY", "SHIFTTUI_FAKE_SCENARIO"} <= hidden
    import json
    deny = json.loads(options.settings)["permissions"]["deny"]
    assert {"Read(~/.ssh)", "Read(~/.ssh/**)", f"Read(/{home.resolve()}/**)",
            f"Edit(/{home.resolve()}/**)", "Bash(git push*)"} <= set(deny)


def test_sandbox_off_passes_no_sandbox(tmp_path: Path) -> None:
    options = _options(tmp_path, tmp_path / "home", sandbox="off")
    assert options.sandbox is None


async def test_a_host_outside_network_hosts_is_denied(tmp_path: Path) -> None:
    options = _options(tmp_path, tmp_path / "home")
    ask = options.can_use_tool
    denied = await ask(containment.NETWORK_TOOL, {"host": "evil.example"}, None)
    assert isinstance(denied, PermissionResultDeny) and "evil.example" in denied.message
    assert isinstance(await ask("Bash", {"command": "ls"}, None), PermissionResultAllow)


def test_a_worktree_inside_the_home_stays_open_and_the_rest_is_shut(tmp_path: Path) -> None:
    home = tmp_path / "home"
    mine, other = home / "work" / "mine", home / "work" / "other"
    for d in (mine, other, home / "shifts"):
        d.mkdir(parents=True)
    (home / "shifttui.db").write_text("")
    shut = set(containment.shielded_paths(home, [mine]))
    assert shut == {other.resolve(), (home / "shifts").resolve(),
                    (home / "shifttui.db").resolve()}
    assert containment.shielded_paths(home, [tmp_path / "elsewhere"]) == [home.resolve()]


@pytest.mark.parametrize("bad", ["relative/path", "a b c"])
def test_deny_read_and_network_hosts_are_checked(bad: str) -> None:
    with pytest.raises(ValueError):
        Policy(deny_read=[bad]) if "/" in bad else Policy(network_hosts=[bad])
