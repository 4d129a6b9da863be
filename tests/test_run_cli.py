"""`shifttui run` as a user runs it: a subprocess, one line per event, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shifttui.system.procs import pid_alive

pytestmark = pytest.mark.timeout(40)


def shifttui(home: Path, *args: str, env: dict[str, str] | None = None,
             timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shifttui", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def cli_env(fake_cli: Path) -> dict[str, str]:
    return {"SHIFTTUI_CLAUDE_CLI": str(fake_cli)}


def add(home: Path, name: str, path: Path) -> None:
    out = shifttui(home, "project", "add", name, str(path))
    assert out.returncode == 0, out.stderr


def test_run_completed_streams_events_and_exits_0(tmp_path: Path, project_dir: Path,
                                                  cli_env: dict[str, str]) -> None:
    home = tmp_path / "h"
    add(home, "p", project_dir)
    out = shifttui(home, "run", "p", env={**cli_env, "SHIFTTUI_FAKE_SCENARIO": "normal"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(re.match(r"\d\d:\d\d:\d\d tool_use +", line) for line in lines)
    assert re.match(r"shift \S+ completed — \$\d+\.\d\d, ", lines[-1])
    assert out.stderr == ""
    # the handoff is there for `shifttui handoff`
    handoff = json.loads(shifttui(home, "handoff", "p", "--json").stdout)
    assert handoff["summary"] and handoff["summary"] in lines[-1]


def test_run_json_and_failure_exit_1(tmp_path: Path, project_dir: Path,
                                     cli_env: dict[str, str]) -> None:
    home = tmp_path / "h"
    add(home, "p", project_dir)
    out = shifttui(home, "run", "p", "--json", env={**cli_env, "SHIFTTUI_FAKE_SCENARIO": "crash"})
    assert out.returncode == 1
    objects = [json.loads(line) for line in out.stdout.splitlines()]
    events, final = objects[:-1], objects[-1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"seq", "ts", "kind", "summary", "payload"} <= set(events[0])
    assert final["status"] == "failed" and final["failure_kind"] == "agent_error"


def test_run_missing_cli_is_cli_missing(tmp_path: Path, project_dir: Path) -> None:
    home = tmp_path / "h"
    add(home, "p", project_dir)
    out = shifttui(home, "run", "p", env={"SHIFTTUI_CLAUDE_CLI": str(tmp_path / "nope")})
    assert out.returncode == 1
    assert "failed (cli_missing)" in out.stdout and "SHIFTTUI_CLAUDE_CLI" in out.stdout
    assert "Traceback" not in out.stderr


def test_ctrl_c_abandons_cleanly_and_leaves_no_agent(tmp_path: Path, project_dir: Path,
                                                     cli_env: dict[str, str]) -> None:
    home = tmp_path / "h"
    add(home, "p", project_dir)
    env = {**os.environ, **cli_env, "SHIFTTUI_FAKE_SCENARIO": "slow"}
    proc = subprocess.Popen([sys.executable, "-m", "shifttui", "--home", str(home), "run", "p"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    pid = None
    deadline = time.monotonic() + 20
    for line in proc.stdout:  # blocks until the next event line: the stream is the event
        m = re.search(r"agent started \(pid (\d+)\)", line)
        if m:
            pid = int(m.group(1))
        if pid and " text " in line:
            break
        assert time.monotonic() < deadline
    assert pid and pid_alive(pid)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=15)
    assert proc.returncode == 2
    assert "abandoned" in rest.splitlines()[-1] and "interrupted by operator" in rest
    assert "Traceback" not in err
    give_up = time.monotonic() + 2
    while pid_alive(pid) and time.monotonic() < give_up:
        time.sleep(0.02)
    assert not pid_alive(pid)
    shifts = json.loads(shifttui(home, "shifts", "--json").stdout)
    assert shifts[0]["status"] == "abandoned"


def test_ctrl_c_at_a_terminal_reaches_shifttui_not_the_agent(
        tmp_path: Path, project_dir: Path, cli_env: dict[str, str]) -> None:
    """A terminal sends Ctrl-C's SIGINT to its whole foreground process group. The agent must
    not get it: shifttui stops it itself, and the shift ends abandoned, not failed by a CLI that
    died of the signal (nor with its traceback among the shift's events)."""
    home = tmp_path / "h"
    add(home, "p", project_dir)
    env = {**os.environ, **cli_env, "SHIFTTUI_FAKE_SCENARIO": "slow"}
    proc = subprocess.Popen([sys.executable, "-m", "shifttui", "--home", str(home), "run", "p"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)  # its own group, as a shell gives a job
    assert proc.stdout is not None
    for line in proc.stdout:
        if " text " in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=15)
    assert proc.returncode == 2, rest + err
    assert "abandoned" in rest.splitlines()[-1]
    assert "KeyboardInterrupt" not in rest and "Traceback" not in err
    shifts = json.loads(shifttui(home, "shifts", "--json").stdout)
    assert shifts[0]["status"] == "abandoned"


def test_run_while_a_shift_runs_is_one_line_exit_2(tmp_path: Path, project_dir: Path,
                                                    cli_env: dict[str, str]) -> None:
    home = tmp_path / "h"
    add(home, "p", project_dir)
    env = {**os.environ, **cli_env, "SHIFTTUI_FAKE_SCENARIO": "slow"}
    proc = subprocess.Popen([sys.executable, "-m", "shifttui", "--home", str(home), "run", "p"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if " text " in line:
                break
        second = shifttui(home, "run", "p", env=cli_env)
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and "already running since" in second.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
