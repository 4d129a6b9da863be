"""The git-level backstop, against real git: with git_push_blocker_env in the environment no
spelling of a push lands a ref on a local bare remote, and ordinary git still works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from agent_support import GIT_ENV, git_repo

from shifttui.shifts.agent.git_backstop import NOWHERE, git_push_blocker_env

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SPELLINGS = {
    "plain": "git push origin HEAD:refs/heads/plain",
    "url": "git push {remote} HEAD:refs/heads/url",
    "file_url": "git push file://{remote} HEAD:refs/heads/file_url",
    "send_pack": "git send-pack {remote} HEAD:refs/heads/send_pack",
    "pushurl": "git -c remote.origin.pushurl={remote} push origin HEAD:refs/heads/pushurl",
    "receive_pack": "git push --receive-pack=git-receive-pack origin HEAD:refs/heads/rp",
    "alias": "git config alias.p push && git p origin HEAD:refs/heads/alias",
    "inline_alias": "git -c alias.x=push x origin HEAD:refs/heads/inline_alias",
    "shell_alias": "git -c 'alias.y=!git push origin HEAD:refs/heads/shell_alias' y",
    "script": "printf 'git push origin HEAD:refs/heads/script\\n' > p.sh && sh p.sh",
    "python": f"{sys.executable} -c \"import subprocess; subprocess.run(['git', 'push', "
              "'origin', 'HEAD:refs/heads/python'])\"",
    "mirror": "git push --mirror {remote}",
    "all": "git push --all origin",
}


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    project = git_repo(tmp_path / "repo")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "-C", str(project), "remote", "add", "origin", str(remote)],
                   check=True)
    base = {**os.environ, **GIT_ENV}
    env = {**base, **git_push_blocker_env(base, tmp_path / "cfg")}
    return project, remote, env


def _refs(remote: Path) -> str:
    return subprocess.run(["git", "-C", str(remote), "for-each-ref"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_no_push_spelling_lands_a_ref(world: tuple[Path, Path, dict[str, str]],
                                      name: str) -> None:
    project, remote, env = world
    # Proof the spelling pushes at all: without the backstop it lands.
    command = SPELLINGS[name].format(remote=remote)
    plain_env = {**os.environ, **GIT_ENV}
    subprocess.run(["sh", "-c", command], cwd=project, env=plain_env, capture_output=True,
                   check=False)
    assert _refs(remote), f"{name} does not push even without the backstop"
    for ref in _refs(remote).split("\n"):
        if ref:
            subprocess.run(["git", "-C", str(remote), "update-ref", "-d", ref.split()[-1]],
                           check=True)
    subprocess.run(["git", "-C", str(project), "config", "--unset", "alias.p"], check=False)

    result = subprocess.run(["sh", "-c", command], cwd=project, env=env, capture_output=True,
                            text=True, check=False)
    assert _refs(remote) == "", f"{name} pushed: {result.stderr}"


def test_ordinary_git_still_works(world: tuple[Path, Path, dict[str, str]]) -> None:
    project, remote, env = world
    subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/main"], cwd=project,
                   env={**os.environ, **GIT_ENV}, check=True)
    (project / "x.txt").write_text("x\n")
    for args in (["add", "x.txt"], ["commit", "-qm", "x"], ["fetch", "-q", "origin"],
                 ["status", "--short"], ["log", "-1", "--format=%s"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
    clone = project.parent / "clone"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(remote), str(clone)], env=env,
                   check=True)
    assert (clone / "README.md").exists()


def test_a_refused_push_says_why(world: tuple[Path, Path, dict[str, str]]) -> None:
    project, _remote, env = world
    result = subprocess.run(["git", "push", "origin", "HEAD:refs/heads/x"], cwd=project,
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and NOWHERE.strip("/") in result.stderr


def test_the_system_config_and_earlier_settings_still_apply(tmp_path: Path) -> None:
    system = tmp_path / "system.gitconfig"
    system.write_text("[shifttui]\n\tprobe = from-system\n")
    base = {**os.environ, "GIT_CONFIG_SYSTEM": str(system), "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "shifttui.earlier", "GIT_CONFIG_VALUE_0": "kept"}
    env = {**base, **git_push_blocker_env(base, tmp_path / "cfg")}
    assert env["GIT_CONFIG_COUNT"] == "2"

    def get(key: str) -> str:
        return subprocess.run(["git", "config", "--get", key], env=env, capture_output=True,
                              text=True, check=False).stdout.strip()

    assert get("shifttui.probe") == "from-system"
    assert get("shifttui.earlier") == "kept"
    assert get("receive.procReceiveRefs") == "refs"


def test_the_config_file_is_written_once(tmp_path: Path) -> None:
    base = dict(os.environ)
    first = git_push_blocker_env(base, tmp_path)["GIT_CONFIG_SYSTEM"]
    mtime = Path(first).stat().st_mtime_ns
    assert git_push_blocker_env(base, tmp_path)["GIT_CONFIG_SYSTEM"] == first
    assert Path(first).stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [Path(first).name]
