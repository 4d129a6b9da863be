"""`shifttui run` is a runtime like the app and the daemon: it sends each notice to
notify_command with its content, and a project whose `run` shifts keep failing is paused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit
from agent_support import git_repo

pytestmark = pytest.mark.timeout(60)

NOTIFY = ("python3 -c \"import sys; open(sys.argv[1], 'a').write(sys.stdin.read() + '\\n')\" "
          "{path}")


def shifttui(home: Path, *args: str, fake_cli: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=40,
                          env={**os.environ, "SHIFTTUI_CLAUDE_CLI": str(fake_cli)})


def notices(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_run_sends_notices_with_their_content(tmp_path: Path, fake_cli: Path) -> None:
    home, out = tmp_path / "h", tmp_path / "notices.jsonl"
    repo = git_repo(tmp_path / "repo")
    added = shifttui(home, "project", "add", "demo", str(repo),
                     "--env", "SHIFTTUI_FAKE_SCENARIO=normal", fake_cli=fake_cli)
    assert added.returncode == 0, added.stderr
    (home / "config.toml").write_text(tomlkit.dumps({"notify_command": NOTIFY.format(path=out)}))
    ran = shifttui(home, "run", "demo", "--json", fake_cli=fake_cli)
    assert ran.returncode == 0, ran.stderr
    final = json.loads(ran.stdout.splitlines()[-1])
    [ended] = [n for n in notices(out) if n["kind"] == "shift_ended"]
    assert ended["shift_id"] == final["shift_id"] and ended["project_id"] == "demo"
    data = ended["data"]
    assert isinstance(data, dict)
    assert data["outcome"] == "completed" and data["project"] == "demo"
    assert data["summary"] == final["handoff_summary"].splitlines()[0]
    assert data["cost_usd"] == pytest.approx(final["cost_usd"], abs=1e-4)


def test_run_auto_pauses_after_counted_failures(tmp_path: Path, fake_cli: Path) -> None:
    home, out = tmp_path / "h", tmp_path / "notices.jsonl"
    repo = git_repo(tmp_path / "repo")
    added = shifttui(home, "project", "add", "flaky", str(repo), "--pause-after", "2",
                     "--env", "SHIFTTUI_FAKE_SCENARIO=crash", fake_cli=fake_cli)
    assert added.returncode == 0, added.stderr
    (home / "config.toml").write_text(tomlkit.dumps({"notify_command": NOTIFY.format(path=out)}))
    for _ in range(2):
        assert shifttui(home, "run", "flaky", fake_cli=fake_cli).returncode == 1
    shown = json.loads(shifttui(home, "project", "show", "flaky", "--json",
                                fake_cli=fake_cli).stdout)
    assert shown["paused"] is True
    assert "auto-paused after 2 consecutive failures" in shown["paused_reason"]
    [paused] = [n for n in notices(out) if n["kind"] == "auto_paused"]
    assert paused["project_id"] == "flaky" and paused["data"]["failures"] == 2
    decisions = json.loads(shifttui(home, "decisions", "flaky", "--json",
                                    fake_cli=fake_cli).stdout)
    assert decisions[0]["reason"] == "failures"
