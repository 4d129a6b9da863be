"""The agent's messages, taken off the SDK's queue a slice at a time.

`ClaudeSDKClient.receive_messages()` passes every message through three async generators and two
anyio checkpoints: the SDK's reader task yields to the event loop after it puts each message on
its queue, and the consumer yields again before it takes one. In a flood that is two event-loop
turns per message, about a tenth of the time a shift spends per message (docs/PERFORMANCE.md).

A MessageReader instead
- takes up to SLICE messages waiting on that queue in one go (`receive_nowait`), parsing each with
  the SDK's own `parse_message`, and waits on the queue only when it is empty;
- lets the SDK's reader put messages on the queue without yielding, SLICE at a time (it yields
  before the next slice, and waits when the queue is full, as before).
Both sides thus give the event loop a turn every SLICE messages, about a millisecond of work: with
slices of the queue's whole 100 messages, four flooding shifts held the app's loop long enough
to double the `lag` benchmark's p99 (docs/PERFORMANCE.md).

The stream keeps the SDK's meaning: an "end" item ends it, an "error" item raises its exception
(after the messages before it are handed out), and a message `parse_message` does not know is
skipped. If the client lacks the parts this relies on (another SDK version), the reader goes
through `receive_messages()` one message at a time; `direct` says so, and so does the
`queue-reader` patch (agent/sdk_seam.py, where every SDK internal is reached).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from anyio import EndOfStream, WouldBlock
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from claude_agent_sdk import ClaudeSDKClient, Message

from shifttui.shifts.agent.sdk_seam import QUEUE_READER, Parse, message_queue

SLICE = 10  # messages taken, or put, between two turns of the event loop


class _EagerSend:
    """The SDK reader's end of the queue: a put yields only every SLICE puts (and waits when the
    queue is full), not at every put."""

    __slots__ = ("_since_yield", "_stream", "send_nowait")

    def __init__(self, stream: MemoryObjectSendStream[dict[str, Any]]) -> None:
        self._stream = stream
        self.send_nowait = stream.send_nowait
        self._since_yield = 0

    async def send(self, item: dict[str, Any]) -> None:
        self._since_yield += 1
        if self._since_yield < SLICE:
            try:
                self.send_nowait(item)
                return
            except WouldBlock:
                pass
        self._since_yield = 0
        await self._stream.send(item)  # a checkpoint, and a wait if the queue is full

    def __getattr__(self, name: str) -> Any:  # close(), aclose(), statistics() ...
        return getattr(self._stream, name)


class MessageReader:
    """Reads one connected client's messages; the only reader of that client."""

    def __init__(self, client: ClaudeSDKClient) -> None:
        self._fallback: AsyncIterator[Message] | None = None
        self._receive: MemoryObjectReceiveStream[dict[str, Any]] | None = None
        self._parse: Parse | None = None
        queue = message_queue(client, _EagerSend)
        if queue is not None:
            self._receive, self._parse = queue
        else:
            self._fallback = client.receive_messages()
        self._ended = False
        self._error: Exception | None = None
        self._was_full = False  # the last batch was a whole slice: let the loop run first

    @property
    def direct(self) -> bool:
        """True when messages come straight off the SDK's queue."""
        return self._receive is not None

    async def next_batch(self) -> list[Message]:
        """Up to SLICE of the messages waiting now, at least one (waiting for it if need be); []
        once the stream has ended. Raises what the SDK's stream raises, after the messages
        before it."""
        if self._error is not None:
            error, self._error = self._error, None
            self._ended = True
            raise error
        if self._ended:
            return []
        if self._was_full:
            await asyncio.sleep(0)
        if self._fallback is not None:
            try:
                return [await anext(self._fallback)]
            except StopAsyncIteration:
                self._ended = True
                return []
        batch: list[Message] = []
        while not batch and not self._ended:
            await self._take(batch)
        QUEUE_READER.uses += 1
        self._was_full = len(batch) >= SLICE
        return batch

    async def _take(self, batch: list[Message]) -> None:
        receive, parse = self._receive, self._parse
        assert receive is not None and parse is not None
        try:
            try:
                data = receive.receive_nowait()
            except WouldBlock:
                data = await receive.receive()
            while True:
                kind = data.get("type")
                if kind == "end":
                    self._ended = True
                    return
                if kind == "error":
                    exc = data.get("exception")
                    raise exc if isinstance(exc, Exception) else Exception(
                        data.get("error", "Unknown error"))
                message = parse(data)
                if message is not None:
                    batch.append(message)
                    if len(batch) >= SLICE:
                        return
                data = receive.receive_nowait()
        except WouldBlock:
            return
        except EndOfStream:
            self._ended = True
        except Exception as exc:
            if not batch:
                self._ended = True
                raise
            self._error = exc  # raised by the next call, after this batch is handled
