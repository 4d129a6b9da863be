"""A stand-in for the Telegram Bot API on 127.0.0.1 (asyncio streams, no thread, no aiohttp):
getMe, getUpdates with long polling and offsets, sendMessage, everything recorded.

`push(text, chat_id=…, reply_to=…)` is a message the operator's phone sends; `sent` is what
the bot said. `stop()` takes the server away (open connections are cut), `start()` brings it
back on the same port, with the messages pushed meanwhile still waiting, as Telegram keeps
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

TOKEN = "123456:TEST-token"


@dataclass
class Sent:
    message_id: int
    chat_id: int
    text: str
    reply_to: int | None


@dataclass
class TelegramStub:
    token: str = TOKEN
    port: int = 0
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> TelegramStub:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TelegramStub:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # the phone --------------------------------------------------------------------------
    def push(self, text: str, *, chat_id: int, reply_to: Sent | None = None,
             username: str = "operator") -> int:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": 0, "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "username": username},
        }
        if reply_to is not None:
            message["reply_to_message"] = {"message_id": reply_to.message_id,
                                           "text": reply_to.text,
                                           "chat": {"id": reply_to.chat_id}}
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, "message": message})
        asyncio.get_running_loop().create_task(self._notify())
        return int(message["message_id"])

    async def wait_sent(self, predicate: Any, timeout: float = 15.0) -> Sent:
        """The first message the bot sent (or sends) that satisfies `predicate`."""
        async def find() -> Sent:
            async with self._changed:
                while True:
                    for message in self.sent:
                        if predicate(message):
                            return message
                    await self._changed.wait()
        return await asyncio.wait_for(find(), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # the server --------------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:  # keep-alive: one request after another on the connection
                request = await _read_request(reader)
                if request is None:
                    return
                path, body = request
                status, payload = await self._route(path, body)
                data = json.dumps(payload).encode()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client left, or stop() cut the connection
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _route(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix, _, method = path.lstrip("/").rpartition("/")
        self.calls.append(method)
        if prefix != f"bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "username": "t_bot"}}
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(body)}
        if method == "sendMessage":
            reply = (body.get("reply_parameters") or {}).get("message_id")
            message = Sent(next(self._message_ids), int(body["chat_id"]), str(body["text"]),
                           reply)
            self.sent.append(message)
            await self._notify()
            return 200, {"ok": True, "result": {"message_id": message.message_id,
                                                "chat": {"id": message.chat_id},
                                                "text": message.text}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    async def _get_updates(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(body.get("offset") or 0)
        # A later offset confirms the updates before it: they are never sent again.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = min(float(body.get("timeout") or 0), 5.0)

        async def pending() -> list[dict[str, Any]]:
            async with self._changed:
                while not self._updates:
                    await self._changed.wait()
                return list(self._updates)

        if self._updates or timeout <= 0:
            return list(self._updates)
        try:
            return await asyncio.wait_for(pending(), timeout)
        except TimeoutError:
            return []


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, Any]] | None:
    line = await reader.readline()
    if not line:
        return None
    _method, path, _version = line.decode("latin-1").split(" ", 2)
    length = 0
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    raw = await reader.readexactly(length) if length else b"{}"
    return path, json.loads(raw or b"{}")
