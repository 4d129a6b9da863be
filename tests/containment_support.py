"""The attacker's bench for containment (issue 20): a project whose `origin` is a local bare
remote the policy lets it write to, a sentinel directory beside it, a fake HOME with secrets, and
one whole real-CLI shift through the Supervisor that runs many attacks.

The attack tests (tests/test_containment_attacks.py) assert on what the world looks like after
the shift (refs on the remote, files outside the project, shifttui's own files) and on what the
scripted Messages API heard (tool results the agent read), never on how the defence works.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from agent_support import GIT_ENV, git_repo
from loopback_api import LoopbackAPI, Recorded, Script, Turn, bash, call, cli_env, say

from shifttui.base.config import Home, Settings
from shifttui.base.models import EventKind, Policy, Shift, ShiftEvent
from shifttui.shifts.agent import runner
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

COMPLETE = "mcp__shift__complete_shift"
HANDOFF = {"summary": "Tried the attacks", "completed": ["the attack script"],
           "next_steps": ["none"]}
# A shift of ~30 attacks should take well under this; the bound only stops a hung CLI.
SHIFT_WITHIN_S = 75.0

# A Turn, or a function of the request it answers (to adapt to what earlier tools returned).
Step = Turn | Callable[[Recorded], Turn]


class AdaptiveScript(Script):
    """A Script whose entries may be functions of the request they answer."""

    def __init__(self, steps: Sequence[Step]) -> None:
        super().__init__([], auto_tool_search=False)
        self.steps = list(steps)
        self.turns = [s if isinstance(s, Turn) else say("(pending)") for s in self.steps]

    def next_turn(self, request: Recorded) -> Turn:
        if not self.exhausted:
            step = self.steps[self.position]
            if not isinstance(step, Turn):
                self.turns[self.position] = step(request)
        return super().next_turn(request)


@dataclass
class Arena:
    """Every place an attack aims at, under one tmp dir."""

    root: Path
    project: Path  # a git repo; cwd of the shift
    remote: Path  # bare repo, `origin`, listed in add_dirs: only the command guard protects it
    outside: Path  # beside the project, NOT in add_dirs: nothing may be written here
    cli_home: Path  # the agent's HOME, with secrets in it
    home: Home  # shifttui's own home (config.toml, shifttui.db)
    api_key: str = "sk-ant-loopback-KEY-6c1f0e"
    secrets: dict[str, str] = field(default_factory=dict)  # path under cli_home → content

    def env(self, api: LoopbackAPI) -> dict[str, str]:
        return {**cli_env(api, self.cli_home), **GIT_ENV, "ANTHROPIC_API_KEY": self.api_key}

    def refs(self) -> dict[str, str]:
        """The remote's refs, name → sha."""
        out = subprocess.run(["git", "-C", str(self.remote), "for-each-ref",
                              "--format=%(refname) %(objectname)"],
                             capture_output=True, text=True, check=True).stdout
        return dict(line.split(" ", 1) for line in out.splitlines())

    def outside_files(self) -> set[str]:
        return {str(p.relative_to(self.outside)) for p in self.outside.rglob("*")}


def make_arena(root: Path) -> Arena:
    project = git_repo(root / "repo")
    remote = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "-C", str(project), "remote", "add", "origin", str(remote)],
                   check=True)
    outside = root / "outside"
    outside.mkdir()
    (outside / "edit_me.txt").write_text("original\n")
    (outside / "nb.ipynb").write_text(json.dumps(_NOTEBOOK))
    cli_home = root / "clihome"
    secrets = {".ssh/id_rsa": "-----BEGIN FAKE KEY----- RSA-SECRET-d41d8c -----END-----\n",
               ".ssh/id_ed25519": "ED25519-SECRET-98f00b\n",
               ".aws/credentials": "[default]\naws_secret_access_key = AWS-SECRET-77ab3e\n",
               ".netrc": "machine example.com login me password NETRC-SECRET-1e2f3a\n"}
    for rel, content in secrets.items():
        path = cli_home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    home = Home(root / "shifttui-home").ensure()
    home.config_path.write_text('# the operator\'s own settings\nmax_concurrent_shifts = 2\n')
    return Arena(root, project, remote, outside, cli_home, home, secrets=secrets)


_NOTEBOOK = {"cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": ["print('hi')"]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@dataclass
class Outcome:
    """What one attack shift left behind."""

    shift: Shift
    events: list[ShiftEvent]
    requests: list[Recorded]
    script: AdaptiveScript

    def violations(self) -> list[ShiftEvent]:
        return [e for e in self.events if e.kind is EventKind.VIOLATION]

    def denied(self, tool: str, key: str, value: str, cwd: Path | None = None) -> bool:
        """A violation event names this tool call. The CLI hands the hook a file tool's path
        made absolute and normalised (`..` folded, symlinks kept), so with `cwd` that form
        matches too."""
        wanted = {value}
        if cwd is not None:
            wanted.add(os.path.normpath(os.path.join(cwd, value)))
        for e in self.violations():
            tool_input = e.payload.get("input")
            if (e.payload.get("tool") == tool and isinstance(tool_input, dict)
                    and tool_input.get(key) in wanted):
                return True
        return False

    def bodies(self) -> str:
        """Everything the CLI sent the API (bodies only: the key travels in a header)."""
        return "\n".join(r.body.decode("utf-8", "replace") for r in self.requests)

    def tool_output(self, marker: str) -> str | None:
        """The tool result (as the model read it) that contains `marker`, else None."""
        for text in tool_result_texts(self.requests):
            if marker in text:
                return text
        return None


def tool_result_texts(requests: Sequence[Recorded]) -> list[str]:
    """Every distinct tool result the API was sent, as text."""
    seen: dict[str, str] = {}
    for request in requests:
        body = request.json if isinstance(request.json, dict) else {}
        for message in body.get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    seen[str(block.get("tool_use_id"))] = _flatten(block.get("content"))
    return list(seen.values())


def tool_result_of(request: Recorded, tool: str, key: str, value: str) -> dict[str, Any] | None:
    """The tool_result block, in `request`'s history, of the call of `tool` with input[key]."""
    body = request.json if isinstance(request.json, dict) else {}
    ids = set()
    blocks = [b for m in body.get("messages") or [] if isinstance(m, dict)
              for b in _content_list(m) if isinstance(b, dict)]
    for b in blocks:
        if b.get("type") == "tool_use" and b.get("name") == tool \
                and isinstance(b.get("input"), dict) and b["input"].get(key) == value:
            ids.add(b.get("id"))
    return next((b for b in blocks if b.get("type") == "tool_result"
                 and b.get("tool_use_id") in ids), None)


def _content_list(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    return content if isinstance(content, list) else []


def _flatten(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_flatten(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def finish() -> list[Step]:
    """The end of every attack script: a good handoff."""
    return [call(COMPLETE, HANDOFF), say("Done.")]


async def run_attack_shift(arena: Arena, steps: Sequence[Step], *, name: str = "target",
                           **policy: Any) -> Outcome:
    """One shift of the real bundled CLI through the real Supervisor, scripted by `steps`.

    The guard's halt after a few denials is lifted (it has its own tests): every attack must be
    tried, or one stopped early would look contained. SHIFTTUI_HOME is exported, as it is for a
    user who set it in their shell.
    """
    script = AdaptiveScript([*steps, *finish()])
    async with LoopbackAPI(script) as api:
        store = await Store.open(arena.home.db_path, now=datetime.now(UTC))
        try:
            # In place by default: the attacks aim at paths around the project, and the suite
            # is about containment; isolated shifts have their own real-CLI test
            # (test_real_cli_shift.py), where the user's checkout is outside every root too.
            policy.setdefault("isolation", "none")
            pol = Policy(env=arena.env(api), add_dirs=[str(arena.remote)], **policy)
            await store.projects.add(name, str(arena.project), pol, datetime.now(UTC))
            supervisor = Supervisor(store, arena.home, Settings(), tick_s=0.1)
            try:
                with mock.patch.object(runner, "GUARD_HALT_AFTER", 10_000), \
                        mock.patch.dict(os.environ, {"SHIFTTUI_HOME": str(arena.home.root)}):
                    shift = await supervisor.start_shift(name)
                    final = await asyncio.wait_for(supervisor.wait(shift.id), SHIFT_WITHIN_S)
            finally:
                await supervisor.shutdown()
            events = await store.events.read(final.id, 0, 100_000)
        finally:
            await store.close()
    return Outcome(final, events, list(api.requests), script)


def run_attack_shift_sync(arena: Arena, steps: Sequence[Step], **policy: Any) -> Outcome:
    """For module-scoped fixtures: one shift, many parametrized assertions over it."""
    return asyncio.run(run_attack_shift(arena, steps, **policy))


__all__ = ["COMPLETE", "AdaptiveScript", "Arena", "Outcome", "Step", "bash", "call",
           "make_arena", "run_attack_shift", "run_attack_shift_sync", "tool_result_of"]
