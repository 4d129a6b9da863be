"""The agent's messages, taken off the SDK's queue a batch at a time.

`ClaudeSDKClient.receive_messages()` passes every message through three async generators and two
anyio checkpoints: the SDK's reader task yields to the event loop after it puts each message on
its queue, and the consumer yields again before it takes one. In a flood that is two event-loop
turns per message, about a tenth of the time a shift spends per message (docs/PERFORMANCE.md).

An Inbox instead
- takes every message waiting on that queue in one go (`receive_nowait`), parsing each with the
  SDK's own `parse_message`, and waits on the queue only when it is empty;
- lets the SDK's reader put a message on the queue without yielding while the queue has room. The
  reader still waits when the queue is full (100 messages), and the consumer's wait for an empty
  queue gives the loop its turn, so a flood reaches the event loop every hundred messages or so.

The stream keeps the SDK's meaning: an "end" item ends it, an "error" item raises its exception
(after the messages before it are handed out), and a message `parse_message` does not know is
skipped. If the client lacks the parts this relies on (another SDK version), the Inbox reads
through `receive_messages()` one message at a time, and `direct` says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from anyio import EndOfStream, WouldBlock
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from claude_agent_sdk import ClaudeSDKClient, Message

Parse = Callable[[dict[str, Any]], "Message | None"]


class _EagerSend:
    """The SDK reader's end of the queue: a put does not yield while the queue has room."""

    __slots__ = ("_stream", "send_nowait")

    def __init__(self, stream: MemoryObjectSendStream[dict[str, Any]]) -> None:
        self._stream = stream
        self.send_nowait = stream.send_nowait

    async def send(self, item: dict[str, Any]) -> None:
        try:
            self.send_nowait(item)
        except WouldBlock:
            await self._stream.send(item)  # full: wait for the consumer, as the SDK would

    def __getattr__(self, name: str) -> Any:  # close(), aclose(), statistics() ...
        return getattr(self._stream, name)


def _sdk_parser() -> Parse | None:
    try:
        from claude_agent_sdk._internal.message_parser import parse_message
    except ImportError:
        return None
    return parse_message


class Inbox:
    """Reads one connected client's messages; the only reader of that client."""

    def __init__(self, client: ClaudeSDKClient) -> None:
        query = getattr(client, "_query", None)
        receive = getattr(query, "_message_receive", None)
        send = getattr(query, "_message_send", None)
        parse = _sdk_parser()
        self._fallback: AsyncIterator[Message] | None = None
        self._receive: MemoryObjectReceiveStream[dict[str, Any]] | None = None
        self._parse: Parse | None = None
        if (parse is not None and isinstance(receive, MemoryObjectReceiveStream)
                and isinstance(send, (MemoryObjectSendStream, _EagerSend))):
            self._receive, self._parse = receive, parse
            if isinstance(send, MemoryObjectSendStream):
                query._message_send = _EagerSend(send)  # type: ignore[union-attr]
        else:
            self._fallback = client.receive_messages()
        self._ended = False
        self._error: Exception | None = None

    @property
    def direct(self) -> bool:
        """True when messages come straight off the SDK's queue."""
        return self._receive is not None

    async def next_batch(self) -> list[Message]:
        """The messages waiting now, at least one (waiting for it if need be); [] once the
        stream has ended. Raises what the SDK's stream raises, after the messages before it."""
        if self._error is not None:
            error, self._error = self._error, None
            self._ended = True
            raise error
        if self._ended:
            return []
        if self._fallback is not None:
            try:
                return [await anext(self._fallback)]
            except StopAsyncIteration:
                self._ended = True
                return []
        batch: list[Message] = []
        while not batch and not self._ended:
            await self._take(batch)
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
