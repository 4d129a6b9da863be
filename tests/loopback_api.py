"""A scripted Anthropic Messages API on 127.0.0.1, so the real bundled Claude Code CLI runs offline.

The server lives on the test's own event loop (asyncio streams, no thread): `async with
LoopbackAPI(Script([...])) as api:` then pass `cli_env(api, home)` as the CLI's environment.
Each main-conversation request (streamed, with tools) gets the script's next `Turn`; side
requests (titles, token counts, anything else) get a harmless answer. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import json
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from loopback_script import (
    TOOL_SEARCH,
    Recorded,
    Script,
    Text,
    ToolUse,
    Turn,
    bash,
    call,
    endless,
    fail,
    say,
)

__all__ = [
    "TOOL_SEARCH",
    "LoopbackAPI",
    "Recorded",
    "Script",
    "Text",
    "ToolUse",
    "Turn",
    "bash",
    "call",
    "cli_env",
    "endless",
    "fail",
    "say",
    "unified_headers",
]

# The Messages API's error types by status, so the CLI classifies our errors as it would real ones.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_REASONS = {200: "OK", 404: "Not Found", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 413: "Payload Too Large", 429: "Too Many Requests",
            500: "Internal Server Error", 529: "Overloaded"}


class LoopbackAPI:
    """The scripted Messages API server; an async context manager bound to 127.0.0.1:<free port>."""

    def __init__(self, script: Script | Sequence[Turn] = ()) -> None:
        self.script = script if isinstance(script, Script) else Script(script)
        self.requests: list[Recorded] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        # Set when an endless turn starts streaming, and when its client hangs up.
        self.streaming = asyncio.Event()
        self.hung_up = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def main_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.is_main]

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    async def start(self) -> LoopbackAPI:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> LoopbackAPI:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def wait_for_main_requests(self, count: int, within: float = 20.0) -> Recorded:
        """Until `count` main requests have arrived; returns the count-th."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.main_requests) >= count)
        return self.main_requests[count - 1]

    # -- HTTP -------------------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the CLI hung up (e.g. an interrupt mid-stream)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve_one(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> bool:
        """Reads and answers one request; False when the connection is done."""
        line = await reader.readline()
        if not line.strip():
            return False
        method, path, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await _read_body(reader, headers)
        request = Recorded(method, path, headers, body)
        with contextlib.suppress(ValueError):
            request.json = json.loads(body) if body else None
        async with self._changed:
            self.requests.append(request)
            # Classify before notifying, so waiters see whether it was a main request.
            turn = self._main_turn(request)
            request.turn = turn
            self._changed.notify_all()
        if turn is not None:
            await self._answer_turn(writer, request, turn)
        else:
            await self._answer_side(writer, request)
        return headers.get("connection", "").lower() != "close"

    def _main_turn(self, request: Recorded) -> Turn | None:
        body = request.json
        is_main = (request.method == "POST" and request.route == "/v1/messages"
                   and isinstance(body, dict) and bool(body.get("stream"))
                   and bool(body.get("tools")))
        return self.script.next_turn(request) if is_main else None

    async def _answer_side(self, writer: asyncio.StreamWriter, request: Recorded) -> None:
        body = request.json if isinstance(request.json, dict) else {}
        if request.method == "HEAD":
            # The CLI's connectivity probe (HEAD /api/hello) when nonessential traffic is on.
            await _send_json(writer, 200, None, head_only=True)
        elif request.route.endswith("/count_tokens"):
            await _send_json(writer, 200, {"input_tokens": max(1, len(request.body) // 4)})
        elif request.method == "POST" and request.route == "/v1/messages":
            # Titles, summaries and other helper calls: a short harmless reply.
            turn = say("ok")
            if body.get("stream"):
                await self._answer_turn(writer, request, turn)
            else:
                await _send_json(writer, 200, self._message(request, turn))
        elif request.route.startswith("/v1/models"):
            await _send_json(writer, 200, {"data": [], "has_more": False})
        else:
            await _send_json(writer, 404, _error_body(404, f"no route {request.route}"))

    def _message(self, request: Recorded, turn: Turn) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        for block in turn.blocks:
            if isinstance(block, Text):
                content.append({"type": "text", "text": block.text})
            else:
                content.append({"type": "tool_use", "id": self._tool_id(), "name": block.name,
                                "input": block.input})
        return {**self._message_head(request, turn), "content": content,
                "stop_reason": turn.final_stop_reason(),
                "usage": _usage(turn.input_tokens, turn.output_tokens)}

    def _message_head(self, request: Recorded, turn: Turn) -> dict[str, Any]:
        model = request.json.get("model") if isinstance(request.json, dict) else None
        return {"id": f"msg_loopback_{next(self._ids):04d}", "type": "message",
                "role": "assistant", "model": model or "claude-loopback", "content": [],
                "stop_reason": None, "stop_sequence": None}

    def _tool_id(self) -> str:
        return f"toolu_loopback_{next(self._ids):04d}"

    async def _answer_turn(self, writer: asyncio.StreamWriter, request: Recorded,
                           turn: Turn) -> None:
        extra = _header_lines(turn.headers)
        if turn.status is not None:
            message = turn.error_message or f"scripted HTTP {turn.status}"
            await _send_json(writer, turn.status, _error_body(turn.status, message), extra=extra)
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
                     b"request-id: req_loopback\r\n" + extra.encode() + b"\r\n")
        try:
            for event, data in self._events(request, turn):
                await _send_chunk(writer, f"event: {event}\ndata: {json.dumps(data)}\n\n")
                if turn.delay:
                    await asyncio.sleep(turn.delay)
            if turn.endless:
                await self._stream_forever(writer, turn, index=len(turn.blocks) - 1)
            await _send_chunk(writer, "")
        except ConnectionError:
            self.hung_up.set()
            raise

    async def _stream_forever(self, writer: asyncio.StreamWriter, turn: Turn, index: int) -> None:
        self.streaming.set()
        for n in itertools.count():
            delta = {"type": "text_delta", "text": f" {n}"}
            data = {"type": "content_block_delta", "index": index, "delta": delta}
            await _send_chunk(writer, f"event: content_block_delta\ndata: {json.dumps(data)}\n\n")
            await asyncio.sleep(turn.delay or 0.02)

    def _events(self, request: Recorded, turn: Turn) -> Iterator[tuple[str, dict[str, Any]]]:
        head = self._message_head(request, turn)
        head["usage"] = _usage(turn.input_tokens, 1)
        yield "message_start", {"type": "message_start", "message": head}
        for index, block in enumerate(turn.blocks):
            if isinstance(block, Text):
                yield "content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "text", "text": ""}}
                for piece in _pieces(block.text):
                    yield "content_block_delta", {
                        "type": "content_block_delta", "index": index,
                        "delta": {"type": "text_delta", "text": piece}}
            else:
                start = {"type": "tool_use", "id": self._tool_id(), "name": block.name,
                         "input": {}}
                yield "content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": start}
                for piece in _pieces(json.dumps(block.input), size=16):
                    yield "content_block_delta", {
                        "type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece}}
            if turn.endless and index == len(turn.blocks) - 1:
                return  # the block stays open while _stream_forever adds to it
            yield "content_block_stop", {"type": "content_block_stop", "index": index}
        yield "message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": turn.final_stop_reason(),
                                          "stop_sequence": None},
                                "usage": {"output_tokens": turn.output_tokens}}
        yield "message_stop", {"type": "message_stop"}


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"input_tokens": input_tokens, "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def _error_body(status: int, message: str) -> dict[str, Any]:
    return {"type": "error",
            "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        body = b"".join(parts)
    else:
        body = b""
    encoding = headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    return body


async def _send_chunk(writer: asyncio.StreamWriter, text: str) -> None:
    data = text.encode()
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()


def _header_lines(headers: dict[str, str] | None) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())


async def _send_json(
    writer: asyncio.StreamWriter, status: int, payload: Any, *, head_only: bool = False,
    extra: str = "",
) -> None:
    data = b"" if head_only else json.dumps(payload).encode()
    head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            f"request-id: req_loopback\r\n{extra}\r\n")
    writer.write(head.encode() + data)
    await writer.drain()


def unified_headers(*, status: str = "allowed", five_hour: float = 0.5, five_hour_reset: int,
                    seven_day: float = 0.2, seven_day_reset: int | None = None,
                    claim: str = "five_hour", surpassed: float | None = None
                    ) -> dict[str, str]:
    """A subscription's plan-window headers, as the API sends them with OAuth auth: the CLI
    turns them into RateLimitEvents. Resets are epoch seconds."""
    reset = five_hour_reset if claim == "five_hour" else (seven_day_reset or five_hour_reset)
    headers = {
        "anthropic-ratelimit-unified-status": status,
        "anthropic-ratelimit-unified-reset": str(reset),
        "anthropic-ratelimit-unified-representative-claim": claim,
        "anthropic-ratelimit-unified-5h-utilization": str(five_hour),
        "anthropic-ratelimit-unified-5h-reset": str(five_hour_reset),
        "anthropic-ratelimit-unified-7d-utilization": str(seven_day),
        "anthropic-ratelimit-unified-7d-reset": str(seven_day_reset or five_hour_reset + 86400),
    }
    if surpassed is not None:
        headers["anthropic-ratelimit-unified-5h-surpassed-threshold"] = str(surpassed)
    return headers


def cli_env(server: LoopbackAPI, home: Path, *, tool_search: bool | None = None,
            max_retries: int = 0, oauth: bool = False) -> dict[str, str]:
    """The CLI's environment for talking only to `server`, with a throwaway `home`.

    `tool_search=False` keeps MCP tools in the prompt from the start (no ToolSearch deferral);
    None leaves the CLI's default. Retries are off by default so an HTTP error surfaces at once.
    `oauth=True` authenticates as a subscription does (CLAUDE_CODE_OAUTH_TOKEN, no API key): only
    then does the CLI report the plan windows of unified_headers as RateLimitEvents.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "ANTHROPIC_BASE_URL": server.base_url,
        "ANTHROPIC_API_KEY": "test-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CLAUDE_CODE_MAX_RETRIES": str(max_retries),
    }
    if oauth:
        del env["ANTHROPIC_API_KEY"]
        env["CLAUDE_CODE_OAUTH_TOKEN"] = "sk-ant-oat01-loopback"
    if tool_search is not None:
        env["ENABLE_TOOL_SEARCH"] = "true" if tool_search else "false"
    return env
