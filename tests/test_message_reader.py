"""MessageReader reads the SDK's queue in slices and keeps the meaning of receive_messages()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ClaudeSDKClient,
    Message,
    ResultMessage,
    TextBlock,
)

from shifttui.shifts.agent.reader import SLICE, MessageReader, _EagerSend
from shifttui.shifts.agent.sdk_seam import QUEUE_READER

pytestmark = pytest.mark.timeout(20)
T = TypeVar("T")


def assistant(text: str) -> dict[str, Any]:
    return {"type": "assistant", "message": {"model": "m", "content": [
        {"type": "text", "text": text}]}}


class _Query:
    def __init__(self, size: int = 100) -> None:
        self._message_send, self._message_receive = anyio.create_memory_object_stream[
            dict[str, Any]](max_buffer_size=size)


class _Client:
    """What the MessageReader reaches into: a connected client's query and its queue."""

    def __init__(self, size: int = 100) -> None:
        self._query = _Query(size)

    async def receive_messages(self) -> Any:  # the public path, used only as a fallback
        raise AssertionError("the MessageReader should read the queue directly")
        yield  # pragma: no cover


def texts(batch: list[Message]) -> list[str]:
    out = []
    for m in batch:
        assert isinstance(m, AssistantMessage)
        block = m.content[0]
        assert isinstance(block, TextBlock)
        out.append(block.text)
    return out


async def test_waiting_messages_come_as_one_batch() -> None:
    client = _Client()
    reader = MessageReader(client)  # type: ignore[arg-type]
    assert reader.direct
    send = client._query._message_send
    assert isinstance(send, _EagerSend)  # the SDK's reader puts without yielding
    for i in range(5):
        await send.send(assistant(f"m{i}"))
    assert texts(await reader.next_batch()) == [f"m{i}" for i in range(5)]
    for i in range(2 * SLICE + 3):  # more than a slice: handed out a slice at a time
        send.send_nowait(assistant(f"n{i}"))
    sizes = [len(await reader.next_batch()) for _ in range(3)]
    assert sizes == [SLICE, SLICE, 3]
    send.send_nowait({"type": "rate_limit_event_from_the_future"})  # parse_message skips it
    send.send_nowait(assistant("m5"))
    send.send_nowait({"type": "end"})
    send.send_nowait(assistant("after the end"))
    assert texts(await reader.next_batch()) == ["m5"]
    assert await reader.next_batch() == []
    assert await reader.next_batch() == []


async def test_an_empty_queue_is_waited_on() -> None:
    client = _Client()
    reader = MessageReader(client)  # type: ignore[arg-type]
    got: list[list[str]] = []

    async def consume() -> None:
        got.append(texts(await reader.next_batch()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        assert got == []
        await client._query._message_send.send(assistant("late"))
    assert got == [["late"]]


async def test_an_error_item_is_raised_after_the_messages_before_it() -> None:
    client = _Client()
    reader = MessageReader(client)  # type: ignore[arg-type]
    send = client._query._message_send
    send.send_nowait(assistant("first"))
    send.send_nowait({"type": "error", "exception": RuntimeError("CLI died")})
    assert texts(await reader.next_batch()) == ["first"]
    with pytest.raises(RuntimeError, match="CLI died"):
        await reader.next_batch()
    assert await reader.next_batch() == []
    # an error item without an exception object, as the SDK also sends them
    client = _Client()
    reader = MessageReader(client)  # type: ignore[arg-type]
    client._query._message_send.send_nowait({"type": "error", "error": "broken pipe"})
    with pytest.raises(Exception, match="broken pipe"):
        await reader.next_batch()


async def test_a_closed_queue_ends_the_stream() -> None:
    client = _Client()
    reader = MessageReader(client)  # type: ignore[arg-type]
    send = client._query._message_send
    send.send_nowait(assistant("last"))
    send.close()
    assert texts(await reader.next_batch()) == ["last"]
    assert await reader.next_batch() == []


async def loop_turns_during(work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """`work`'s result, and how many times the event loop ran another task while it ran."""
    turns = 0
    stop = False

    async def count_turns() -> None:
        nonlocal turns
        while not stop:
            await anyio.lowlevel.checkpoint()
            turns += 1

    async with anyio.create_task_group() as tg:
        tg.start_soon(count_turns)
        await anyio.lowlevel.checkpoint()
        before = turns
        result = await work()
        during = turns - before
        stop = True
    return result, during


async def test_the_sdk_reader_yields_once_a_slice() -> None:
    """Puts do not yield, except one in every SLICE: a flood still lets the loop run."""
    client = _Client(size=1000)
    MessageReader(client)  # type: ignore[arg-type]
    send = client._query._message_send

    async def put() -> None:
        for i in range(5 * SLICE):
            await send.send(assistant(f"m{i}"))

    _, during = await loop_turns_during(put)
    assert 4 <= during <= 6  # about one turn of the loop per slice, not one per message


async def test_the_consumer_lets_the_loop_run_between_full_slices() -> None:
    client = _Client(size=1000)
    reader = MessageReader(client)  # type: ignore[arg-type]
    for i in range(3 * SLICE):
        client._query._message_send.send_nowait(assistant(f"m{i}"))

    async def take() -> list[int]:
        return [len(await reader.next_batch()) for _ in range(3)]

    sizes, during = await loop_turns_during(take)
    assert sizes == [SLICE] * 3
    assert during == 2  # a turn before the second and the third slice, none within one


async def test_a_full_queue_makes_the_reader_wait() -> None:
    client = _Client(size=2)
    reader = MessageReader(client)  # type: ignore[arg-type]
    send = client._query._message_send
    sent: list[int] = []

    async def produce() -> None:
        for i in range(5):
            await send.send(assistant(f"m{i}"))
            sent.append(i)

    seen: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        await anyio.wait_all_tasks_blocked()
        assert sent == [0, 1]  # the third put waits for room
        while len(seen) < 5:
            seen += texts(await reader.next_batch())
    assert seen == [f"m{i}" for i in range(5)]


async def test_without_the_sdk_internals_it_reads_the_public_stream() -> None:
    class Plain:
        async def receive_messages(self) -> Any:
            for i in range(3):
                yield AssistantMessage([TextBlock(f"p{i}")], "m")

    reader = MessageReader(Plain())  # type: ignore[arg-type]
    assert not reader.direct
    assert QUEUE_READER.active is False
    assert "Plain has no _query; reading through receive_messages()" in QUEUE_READER.reason
    seen = []
    while batch := await reader.next_batch():
        seen += texts(batch)
    assert seen == ["p0", "p1", "p2"]


async def test_a_flood_from_the_fake_cli_arrives_whole_and_in_order(
    fake_cli: Path, tmp_path: Path
) -> None:
    """Through the real SDK: the reader takes the queue directly (an SDK upgrade that moves the
    queue shows up here) and sees what receive_messages() would: every line, in order, then the
    result."""
    count = 3000
    options = ClaudeAgentOptions(
        cli_path=str(fake_cli), cwd=str(tmp_path), setting_sources=[],
        env={"SHIFTTUI_FAKE_SCENARIO": "flood", "SHIFTTUI_FAKE_COUNT": str(count)},
    )
    async with ClaudeSDKClient(options) as client:
        reader = MessageReader(client)
        assert reader.direct and QUEUE_READER.active is True
        await client.query("Start.")
        lines: list[str] = []
        batches = 0
        result = None
        while result is None and (batch := await reader.next_batch()):
            batches += 1
            for m in batch:
                if isinstance(m, ResultMessage):
                    result = m
                elif isinstance(m, AssistantMessage):
                    lines += [b.text for b in m.content if isinstance(b, TextBlock)]
    assert result is not None and not result.is_error
    flood = [t for t in lines if t.startswith("flood line")]
    assert flood == [f"flood line {i + 1} of {count}" for i in range(count)]
    assert batches < count / 4  # taken in batches, not one message per loop turn
