"""One copy of each payload, compressed: large payloads are stored compressed and read back
whole (search and tool partners look inside them), and a cleanly ended shift's agent.log keeps
its lines without payloads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from shifttui.base.bus import Bus
from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import EventKind, Policy, ShiftEvent, Trigger
from shifttui.shifts.agent.sink import EventSink
from shifttui.store import Store
from shifttui.store.event_search import EventSearch, scope_of
from shifttui.store.payloads import PACK_MIN, pack, unpack
from shifttui.system.agentlog import strip_payloads

pytestmark = pytest.mark.timeout(30)

SOURCE = "".join(f"    def method_{i}(self) -> int:\n        return {i} * self.x\n"
                 for i in range(400))


def test_pack_keeps_short_text_and_compresses_long_text() -> None:
    short = '{"text":"hi"}'
    assert pack(short) == short
    long = json.dumps({"content": SOURCE + " needle-in-the-haystack"})
    packed = pack(long)
    assert isinstance(packed, bytes) and len(packed) < len(long) / 4
    assert unpack(packed) == long
    with pytest.raises(ValueError, match="codec"):
        unpack(b"\x7fnot a payload")


async def _shift(store: Store, clock: FakeClock) -> str:
    await store.projects.add("p", "/tmp/p", Policy(), clock.now())
    shift = await store.shifts.claim("p", trigger=Trigger.MANUAL, now=clock.now(),
                                     deadline=clock.now(), owner_pid=1, owner_token="t",
                                     reason=None)
    return shift.id


async def test_a_compressed_payload_reads_back_and_is_searched(
    home: Home, store: Store, clock: FakeClock
) -> None:
    shift_id = await _shift(store, clock)
    big = SOURCE + " needle-in-the-haystack"
    await store.events.append([
        ShiftEvent(shift_id, 1, clock.now(), EventKind.TOOL_USE, "Read: big.py",
                   {"id": "toolu_1", "name": "Read", "input": {"file_path": "big.py"}}),
        ShiftEvent(shift_id, 2, clock.now(), EventKind.TOOL_RESULT, "error: big",
                   {"tool_use_id": "toolu_1", "is_error": True, "content": big}),
    ])
    with sqlite3.connect(home.db_path) as raw:
        stored = raw.execute("SELECT payload FROM events WHERE seq = 2").fetchone()[0]
    assert isinstance(stored, bytes) and len(stored) < len(big) / 4  # compressed on disk
    [use, result] = await store.events.read(shift_id)
    assert result.payload["content"] == big
    search = EventSearch(store.db)
    assert await search.matches(shift_id, "NEEDLE-in-the") == [2]
    partner = await search.tool_partner(use)
    assert partner is not None and partner.seq == 2
    assert await search.count(shift_id, scope_of([EventKind.ERROR], failed_results=True)) == 1


async def test_a_clean_end_leaves_agent_log_without_payloads(
    home: Home, store: Store, clock: FakeClock
) -> None:
    shift_id = await _shift(store, clock)
    log = home.agent_log(shift_id)
    sink = EventSink(shift_id, store, Bus(), clock, log)
    sink.start()
    sink.add(EventKind.TEXT, 'say "payload"', {"text": "x" * PACK_MIN * 4,
                                               "payload": {"nested": 1}})
    sink.add(EventKind.TOOL_RESULT, "ok", {"content": SOURCE})
    await sink.flush()
    running = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["payload"] for e in running][1] == {"content": SOURCE}  # the journal is whole
    await sink.close()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["seq"], e["kind"], e["summary"]) for e in lines] == [
        (1, "text", 'say "payload"'), (2, "tool_result", "ok")]
    assert all("payload" not in e for e in lines)
    assert log.stat().st_size < 200
    [first, second] = await store.events.read(shift_id)  # the database has them whole
    assert first.payload["payload"] == {"nested": 1} and second.payload["content"] == SOURCE


def test_strip_keeps_lines_it_does_not_know(tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    log.write_bytes(b'{"seq":1,"ts":"t","kind":"text","summary":"s","payload":{"a":1}}\n'
                    b'not json\n')
    before, after = strip_payloads(log)
    assert after < before
    assert log.read_bytes() == b'{"seq":1,"ts":"t","kind":"text","summary":"s"}\nnot json\n'
    assert strip_payloads(tmp_path / "missing.log") == (0, 0)
