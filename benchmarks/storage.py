"""Storage: bytes on disk for one realistic shift, against Claude Code's own transcript of it.

The shift is generated: 20 turns of thinking, text and tool calls, five of them reading a
~20 KB source file (real Python from this package), the others running commands with short
output. The same shift is written twice: as Claude Code writes its transcript
(`~/.claude/projects/<cwd>/<session>.jsonl`: one line per content block with the message's
envelope, and each tool result twice, in the message and in `toolUseResult`), and through
shifttui's own path (the SDK's message types, `normalize`, the event sink into a real database
and agent.log). shifttui's bytes are the database's growth (after a checkpoint) plus the shift's
directory. Target: ≤ 0.3x the transcript.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from claude_agent_sdk.types import (
    AssistantMessage,
    ResultMessage,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)

import shifttui
from benchmarks.common import parser, report, workdir
from shifttui.base.bus import Bus
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import Policy, Trigger
from shifttui.shifts.agent.normalize import normalize
from shifttui.shifts.agent.sink import EventSink
from shifttui.store import Store

TURNS = 20
READS = 5
FILE_BYTES = 20_000
MODEL = "claude-sonnet-4-5-20250929"
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def source_files() -> list[tuple[str, str]]:
    """Five ~20 KB slices of real source code, numbered the way Claude Code's Read returns."""
    root = Path(shifttui.__file__).parent
    texts = sorted((p for p in root.rglob("*.py")), key=lambda p: -p.stat().st_size)
    out = []
    for path in texts[:READS]:
        text = path.read_text()
        while len(text) < FILE_BYTES:
            text += text
        out.append((str(path), text[:FILE_BYTES]))
    return out


def numbered(text: str) -> str:
    return "".join(f"{i:>6}→{line}\n" for i, line in enumerate(text.splitlines(), 1))


def usage(turn: int) -> dict[str, Any]:
    return {"input_tokens": 4, "cache_creation_input_tokens": 1200 + turn,
            "cache_read_input_tokens": 18_000 + 900 * turn, "output_tokens": 180 + turn,
            "service_tier": "standard"}


def script() -> list[dict[str, Any]]:
    """The shift as a list of turns: thinking, text, one tool call and its result."""
    files = source_files()
    turns = []
    for t in range(TURNS):
        if t % 4 == 0 and files:
            path, text = files.pop(0)
            call = {"name": "Read", "input": {"file_path": path}}
            result = numbered(text)
            raw: dict[str, Any] = {"type": "text", "file": {
                "filePath": path, "content": text, "numLines": text.count("\n") + 1,
                "startLine": 1, "totalLines": text.count("\n") + 1}}
        else:
            cmd = ["git status --short", "pytest -q tests/test_store.py", "ruff check .",
                   "git diff --stat", "ls shifttui"][t % 5]
            call = {"name": "Bash", "input": {"command": cmd, "description": f"Run {cmd}"}}
            result = "\n".join(f"line {i} of `{cmd}`: ok" for i in range(25))
            raw = {"stdout": result, "stderr": "", "interrupted": False, "isImage": False}
        turns.append({
            "thinking": f"Turn {t}: I should look at the next part of the task. " * 6,
            "text": f"Now I will {call['name'].lower()} to check the code (step {t}).",
            "call": call, "result": result, "raw": raw,
        })
    return turns


def transcript(turns: list[dict[str, Any]], cwd: str, session: str) -> bytes:
    """What Claude Code's CLI writes for the shift (its JSONL transcript's shape)."""
    lines: list[dict[str, Any]] = []
    parent: str | None = None
    now = START

    def entry(kind: str, message: dict[str, Any], **extra: Any) -> None:
        nonlocal parent
        me = str(uuid.uuid4())
        lines.append({"parentUuid": parent, "isSidechain": False, "userType": "external",
                      "cwd": cwd, "sessionId": session, "version": "2.0.30",
                      "gitBranch": "main", "type": kind, "message": message, "uuid": me,
                      "timestamp": now.isoformat().replace("+00:00", "Z"), **extra})
        parent = me

    entry("user", {"role": "user", "content": "Take a shift on this project. " * 200})
    for t, turn in enumerate(turns):
        now += timedelta(seconds=20)
        msg_id, tool_id = f"msg_01{t:022d}", f"toolu_01{t:022d}"
        blocks = [{"type": "thinking", "thinking": turn["thinking"], "signature": "E" * 300},
                  {"type": "text", "text": turn["text"]},
                  {"type": "tool_use", "id": tool_id, **turn["call"]}]
        for block in blocks:  # one line per block, each with the whole envelope
            entry("assistant", {"id": msg_id, "type": "message", "role": "assistant",
                                "model": MODEL, "content": [block], "stop_reason": None,
                                "stop_sequence": None, "usage": usage(t)},
                  requestId=f"req_011{t:021d}")
        entry("user", {"role": "user", "content": [
            {"tool_use_id": tool_id, "type": "tool_result", "content": turn["result"]}]},
            toolUseResult=turn["raw"])
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def messages(turns: list[dict[str, Any]], session: str) -> list[object]:
    """The same shift as the SDK hands it to shifttui."""
    out: list[object] = []
    for t, turn in enumerate(turns):
        msg_id, tool_id = f"msg_01{t:022d}", f"toolu_01{t:022d}"
        for block in (ThinkingBlock(turn["thinking"], "E" * 300), TextBlock(turn["text"]),
                      ToolUseBlock(tool_id, turn["call"]["name"], turn["call"]["input"])):
            out.append(AssistantMessage([block], MODEL, usage=usage(t), message_id=msg_id,
                                        session_id=session))
        out.append(UserMessage([ToolResultBlock(tool_id, turn["result"], False)],
                               tool_use_result=turn["raw"]))
    out.append(ResultMessage("success", 400_000, 380_000, False, TURNS, session,
                             total_cost_usd=0.84, usage=usage(TURNS), result="done"))
    return out


def db_bytes(path: Path) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return int((pages - free) * size)


async def shifttui_bytes(root: Path, msgs: list[object]) -> tuple[int, int, int]:
    """(database growth, shift directory, agent.log while the shift ran) for the shift."""
    home = Home(root / "home").ensure()
    clock = FakeClock(START)
    store = await Store.open(home.db_path, now=clock.now())
    project = await store.projects.add("bench", str(root), Policy(), clock.now())
    shift = await store.shifts.claim(project.id, trigger=Trigger.MANUAL, now=clock.now(),
                                     deadline=clock.now() + timedelta(hours=1), owner_pid=1,
                                     owner_token="bench", reason=None)
    await store.close()
    before = db_bytes(home.db_path)
    store = await Store.open(home.db_path)
    sink = EventSink(shift.id, store, Bus(), clock, home.agent_log(shift.id))
    sink.start()
    for message in msgs:
        clock.advance(1)
        for kind, summary, payload in normalize(message):
            sink.add(kind, summary, payload)
        await asyncio.sleep(0)
    await sink.flush()
    journal = home.agent_log(shift.id).stat().st_size
    await sink.close()
    await store.close()
    shift_dir = sum(p.stat().st_size for p in home.shift_dir(shift.id).rglob("*") if p.is_file())
    return db_bytes(home.db_path) - before, shift_dir, journal


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    args = p.parse_args()
    turns = script()
    session = str(uuid.uuid4())
    with workdir("storage") as root:
        cc = len(transcript(turns, str(root), session))
        db, shift_dir, journal = asyncio.run(shifttui_bytes(root, messages(turns, session)))
    total = db + shift_dir
    print(f"Claude Code transcript {cc:,} B; shifttui: database {db:,} B + shift dir "
          f"{shift_dir:,} B (agent.log while running {journal:,} B)")
    report({"bytes_per_shift": total, "transcript_bytes": cc, "ratio_to_transcript": total / cc,
            "database_bytes": db, "shift_dir_bytes": shift_dir},
           [("<= 0.3x the transcript", total <= 0.3 * cc)], args.json)


if __name__ == "__main__":
    main()
