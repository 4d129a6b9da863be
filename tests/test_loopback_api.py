"""The loopback Messages API itself, without the CLI: wire format, side answers, shutdown."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from loopback_api import LoopbackAPI, Script, Turn, bash, call, endless, fail, say

COMPLETE = "mcp__shift__complete_shift"


async def _http(port: int, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
    writer.write(f"{head}Connection: close\r\n\r\n".encode() + data)
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    status_line, _, rest = raw.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in headers.lower():
        chunks = []
        while (size := int(payload.split(b"\r\n", 1)[0], 16)) > 0:
            start = payload.index(b"\r\n") + 2
            chunks.append(payload[start : start + size])
            payload = payload[start + size + 2 :]
        payload = b"".join(chunks)
    return int(status_line.split()[1]), payload


def _sse(payload: bytes) -> list[dict[str, Any]]:
    return [json.loads(line[len("data: "):]) for line in payload.decode().splitlines()
            if line.startswith("data: ")]


@pytest.mark.timeout(10)
async def test_loopback_streams_turns_and_answers_side_requests() -> None:
    """Without the CLI: the wire format, the harmless side answers, and a clean shutdown."""
    handoff = {"summary": "s", "next_steps": ["a"]}
    script = Script([call(COMPLETE, handoff, text="Done."), fail(529)])
    async with LoopbackAPI(script) as api:
        side = [await _http(api.port, "POST", "/v1/messages", {"model": "m", "messages": []}),
                await _http(api.port, "POST", "/v1/messages/count_tokens", {"messages": []}),
                await _http(api.port, "HEAD", "/api/hello"),
                await _http(api.port, "GET", "/v1/nothing")]
        assert script.position == 0, "side requests must not use up the script"
        main = {"model": "m", "stream": True, "messages": [],
                "tools": [{"name": COMPLETE, "input_schema": {}}]}
        status, payload = await _http(api.port, "POST", "/v1/messages?beta=true", main)
        first = await api.wait_for_main_requests(1, within=1)
        overloaded = await _http(api.port, "POST", "/v1/messages", main)
        port = api.port

    assert [s for s, _ in side] == [200, 200, 200, 404]
    assert json.loads(side[0][1])["content"][0]["type"] == "text"
    assert json.loads(side[1][1])["input_tokens"] > 0
    assert status == 200 and first.is_main and first.tool_names == [COMPLETE]
    events = _sse(payload)
    assert [e["type"] for e in events][:2] == ["message_start", "content_block_start"]
    assert [e["type"] for e in events][-2:] == ["message_delta", "message_stop"]
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta"
                   and e["delta"]["type"] == "text_delta")
    tool_json = "".join(e["delta"]["partial_json"] for e in events
                        if e["type"] == "content_block_delta"
                        and e["delta"]["type"] == "input_json_delta")
    assert text == "Done." and json.loads(tool_json) == handoff
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert overloaded[0] == 529
    assert json.loads(overloaded[1])["error"]["type"] == "overloaded_error"
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


def test_turn_stop_reason_follows_its_blocks() -> None:
    assert bash("ls").final_stop_reason() == "tool_use"
    assert say("hi").final_stop_reason() == "end_turn"
    assert Turn([], stop_reason="max_tokens").final_stop_reason() == "max_tokens"


def test_an_endless_turn_needs_a_text_block_to_stream_into() -> None:
    assert endless().endless
    with pytest.raises(ValueError):
        Turn([], endless=True)
