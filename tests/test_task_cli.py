"""`shifttui task …` as a user runs it: subprocesses over a real home."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import as_json, ok, run

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (tmp_path / "p").mkdir()
    ok(run(home, "project", "add", "demo", str(tmp_path / "p")))
    return home


def test_add_list_done_drop_edit(cli_home: Path) -> None:
    first = as_json(run(cli_home, "task", "add", "demo", "Write the parser", "--body", "use a "
                        "grammar", "--priority", "2", "--deliverable", "src/parser.py",
                        "--context-file", "docs/*.md", "--json"))
    assert first["id"] == 1 and first["priority"] == 2
    assert first["deliverables"] == ["src/parser.py"] and first["context_files"] == ["docs/*.md"]
    assert ok(run(cli_home, "task", "add", "demo", "Docs")) == "demo task #2 (open): Docs\n"
    ok(run(cli_home, "task", "add", "demo", "Nobody wants this"))
    listed = as_json(run(cli_home, "task", "list", "demo", "--json"))
    assert [(t["id"], t["status"]) for t in listed] == [(1, "open"), (2, "open"), (3, "open")]
    assert set(listed[0]) >= {"id", "project", "title", "status", "priority", "done_by_shift"}
    ok(run(cli_home, "task", "done", "demo", "2"))
    ok(run(cli_home, "task", "drop", "demo", "#3"))
    assert [t["id"] for t in as_json(run(cli_home, "task", "list", "--json"))] == [1]
    everything = as_json(run(cli_home, "task", "list", "--all", "--json"))
    assert {t["id"]: t["status"] for t in everything} == {1: "open", 2: "done", 3: "dropped"}
    edited = as_json(run(cli_home, "task", "edit", "demo", "1", "--title", "Parser",
                         "--no-deliverables", "--json"))
    assert edited["title"] == "Parser" and edited["deliverables"] == []
    assert edited["body"] == "use a grammar"  # what was not given stays
    table = ok(run(cli_home, "task", "list"))
    assert "#1" in table and "Parser" in table and "Docs" not in table


def test_mistakes_are_one_line(cli_home: Path) -> None:
    for args, words in [
        (("task", "done", "demo", "9"), "demo has no task 9"),
        (("task", "add", "nope", "x"), "no project named 'nope'"),
        (("task", "add", "demo", " "), "title"),
        (("task", "add", "demo", "x", "--priority", "soon"), "priority"),
        (("task", "done", "demo", "zero"), "not a task number"),
    ]:
        proc = run(cli_home, *args)
        assert proc.returncode == 2, (args, proc.stdout)
        assert words in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    ok(run(cli_home, "task", "add", "demo", "x"))
    ok(run(cli_home, "task", "done", "demo", "1"))
    again = run(cli_home, "task", "done", "demo", "1")
    assert again.returncode == 2 and "already done" in again.stderr


def test_import_day_file(cli_home: Path, tmp_path: Path) -> None:
    day = tmp_path / "2025-11-18.yaml"
    day.write_text("date: 2025-11-18\nproject: demo\ntasks:\n"
                   "  - id: task-001\n    name: One\n    deliverables: [a.md]\n"
                   "  - id: task-002\n    name: Two\n    priority: high\n")
    result = as_json(run(cli_home, "task", "import", str(day), "--json"))
    assert [t["title"] for t in result["added"]] == ["One", "Two"]
    again = ok(run(cli_home, "task", "import", str(day)))
    assert "0 added, 2 already there" in again
    listed = as_json(run(cli_home, "task", "list", "demo", "--json"))
    assert [t["title"] for t in listed] == ["Two", "One"]  # priority high first

    bad = tmp_path / "bad.yaml"
    bad.write_text("project: demo\ntasks:\n  - id: fine\n    name: Three\n"
                   "  - id: broken\n    description: no name\n")
    proc = run(cli_home, "task", "import", str(bad))
    assert proc.returncode == 2
    assert proc.stderr == "shifttui: bad.yaml: task broken: name: is missing (the task's title)\n"
    assert len(as_json(run(cli_home, "task", "list", "--json"))) == 2  # nothing of it came in
