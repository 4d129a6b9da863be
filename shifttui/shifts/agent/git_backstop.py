"""The git-level backstop behind the command guard: the agent's environment makes `git push` fail
however it is reached (`git send-pack`, aliases, scripts, Makefiles, other languages).

Two settings git reads from the environment, found by trying them (tests/test_git_backstop.py):

- Pusher side, every URL scheme and path: `url.<nowhere>.pushInsteadOf` with an empty prefix,
  through GIT_CONFIG_COUNT/KEY/VALUE, rewrites every push URL to a path that does not exist.
  It does not apply to `git send-pack` nor to a remote with an explicit `pushurl`.
- Receiving side, for a push into a repository on this machine (file:// and plain paths run
  git-receive-pack locally, in the agent's environment): git clears GIT_CONFIG_COUNT for that
  child but not GIT_CONFIG_SYSTEM, so a system config that includes the real one and sets
  `receive.procReceiveRefs = refs` hands every ref to a `proc-receive` hook no repository has,
  and receive-pack rejects them all. This catches send-pack and pushurl too.

A push over ssh or https with an explicit pushurl, or send-pack to ssh, is left to the sandbox
(no network unless the policy lists hosts) and the command guard. Anything in the environment
can be undone by a command that sets it; this layer stops pushes nobody meant to hide.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

# A push URL is rewritten to start with this: the agent reads why in git's error message.
NOWHERE = "/git-push-is-disabled-in-shifttui-shifts/"
_PUSHER = {f"url.{NOWHERE}.pushInsteadOf": ""}


def git_push_blocker_env(base_env: Mapping[str, str],
                         config_dir: Path | None = None) -> dict[str, str]:
    """Variables to add to the agent's environment (`base_env` is what it has without them).
    `config_dir` holds the generated system config (default: shifttui's cache directory)."""
    env = _config_count(base_env, _PUSHER)
    git = shutil.which("git", path=base_env.get("PATH"))
    if git is None:
        return env
    try:
        env.update(_receive_side(git, base_env, config_dir or platformdirs.user_cache_path(
            "shifttui") / "git"))
    except (OSError, subprocess.SubprocessError) as exc:
        # The pusher-side rewrite still stands; say why the receiving side is missing.
        log.warning("git push backstop: no receive-side config (%s)", exc)
    return env


def _config_count(base_env: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
    """GIT_CONFIG_* for `settings`, after the ones already in `base_env`."""
    try:
        start = max(0, int(base_env.get("GIT_CONFIG_COUNT") or 0))
    except ValueError:
        start = 0
    env: dict[str, str] = {}
    for i, (key, value) in enumerate(settings.items(), start=start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(settings))
    return env


def _receive_side(git: str, base_env: Mapping[str, str], config_dir: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    lines = ["# Written by shifttui for its agents' git (GIT_CONFIG_SYSTEM): the system",
             "# settings, and a receive side that refuses every ref, so no push lands here."]
    if _truthy(base_env.get("GIT_CONFIG_NOSYSTEM")):
        env["GIT_CONFIG_NOSYSTEM"] = "0"  # the user skips the system file; ours must be read
    else:
        system = _system_config(git, base_env)
        if system is not None:
            lines += ["[include]", f"\tpath = {_quoted(system)}"]
    lines += ["[receive]", "\tprocReceiveRefs = refs", ""]
    text = "\n".join(lines)
    path = config_dir / f"no-push-{hashlib.sha256(text.encode()).hexdigest()[:16]}.gitconfig"
    if not path.is_file() or path.read_text() != text:
        config_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=config_dir, delete=False,
                                         suffix=".tmp") as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    env["GIT_CONFIG_SYSTEM"] = str(path)
    return env


def _system_config(git: str, base_env: Mapping[str, str]) -> str | None:
    """The system config file this git reads, if it has one."""
    if base_env.get("GIT_CONFIG_SYSTEM"):
        return base_env["GIT_CONFIG_SYSTEM"]
    out = subprocess.run([git, "config", "--system", "--show-origin", "--list"],
                         env=dict(base_env), capture_output=True, text=True, timeout=10,
                         stdin=subprocess.DEVNULL, check=False).stdout
    first = out.split("\t", 1)[0] if out else ""
    return first[len("file:"):] if first.startswith("file:") else None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _quoted(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
