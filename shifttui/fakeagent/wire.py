"""The fake CLI's two pipes: NDJSON out (buffered), NDJSON in (a reader thread), control requests.

The reader thread answers what the real CLI answers without involving the agent loop
(`initialize`, `interrupt`, settings changes) and hands everything else over: prompts through a
queue, answers to our own control requests through per-request slots.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO

# Flushing per line costs a syscall each; a flood of 20,000 lines must not pay that.
_OUT_BUFFER = 1 << 16


class Interrupted(Exception):
    """The SDK sent `interrupt` while this turn was running."""


class StdinClosed(Exception):
    """The SDK closed our stdin: nothing we ask can be answered any more."""


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    response: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class InitState:
    """What the SDK told us in `initialize`."""

    hooks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: threading.Event = field(default_factory=threading.Event)


# A prompt taken from stdin, or None once stdin has closed.
Prompt = dict[str, Any] | None


class Wire:
    """Owns stdin and stdout; safe to use from the agent loop while the reader thread runs."""

    def __init__(
        self,
        *,
        answer_initialize: bool = True,
        trace_path: str | None = None,
        emit_log: str | None = None,
        out: BinaryIO | None = None,
        inp: BinaryIO | None = None,
    ) -> None:
        self._out = out or open(sys.stdout.fileno(), "wb", buffering=_OUT_BUFFER, closefd=False)
        self._in = inp or open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self.init_response: dict[str, Any] = {}
        self._answer_initialize = answer_initialize
        self._trace_path = trace_path
        # SHIFTTUI_FAKE_EMITLOG: each stdout line with the time it was flushed to the pipe, so a
        # crash test knows what had certainly been sent before it killed shifttui.
        self._emit_log = open(emit_log, "a", encoding="utf-8") if emit_log else None
        self._unlogged: list[bytes] = []
        self.init = InitState()
        self.prompts: queue.Queue[Prompt] = queue.Queue()
        self.closed = threading.Event()
        # Set by `interrupt` while a turn is running or queued; the agent loop clears it.
        self.interrupt = threading.Event()
        self._busy = 0
        self.model_override: str | None = None
        self.permission_mode_override: str | None = None
        self._reader = threading.Thread(target=self._read_loop, name="fake-cli-stdin", daemon=True)

    def start(self) -> None:
        self._reader.start()

    # ---- output -------------------------------------------------------------------------------

    def emit(self, message: dict[str, Any], *, flush: bool = False) -> None:
        self.emit_raw(json.dumps(message, separators=(",", ":")).encode() + b"\n", flush=flush)

    def emit_raw(self, data: bytes, *, flush: bool = False) -> None:
        try:
            with self._lock:
                self._out.write(data)
                if self._emit_log is not None and data:
                    self._unlogged.append(data)
                if flush:
                    self._out.flush()
                    if self._unlogged:
                        self._log_emitted()
        except (BrokenPipeError, ValueError, OSError):
            # The SDK is gone; a real CLI dies with its pipe too.
            os._exit(0)

    def flush(self) -> None:
        self.emit_raw(b"", flush=True)

    def _log_emitted(self) -> None:
        assert self._emit_log is not None
        now = time.time()
        for data in self._unlogged:
            line = data.decode("utf-8", "replace").rstrip("\n")
            self._emit_log.write(json.dumps({"t": now, "line": line}) + "\n")
        self._emit_log.flush()
        self._unlogged.clear()

    # ---- turns --------------------------------------------------------------------------------

    def next_prompt(self) -> Prompt:
        """Block until the next prompt (None when stdin closed and nothing is queued)."""
        return self.prompts.get()

    def turn_done(self) -> None:
        # An interrupt stops the turn that is running, never the next one.
        with self._lock:
            self._busy = max(0, self._busy - 1)
            self.interrupt.clear()

    def check_interrupt(self) -> None:
        if self.interrupt.is_set():
            raise Interrupted

    def sleep(self, seconds: float) -> None:
        """Pause between messages; wakes at once on an interrupt."""
        self.flush()
        if seconds > 0 and self.interrupt.wait(seconds):
            raise Interrupted
        self.check_interrupt()

    # ---- our own control requests -------------------------------------------------------------

    def request(self, body: dict[str, Any], *, interruptible: bool = True) -> dict[str, Any]:
        """Send a control_request to the SDK and wait for its control_response."""
        if self.closed.is_set():
            raise StdinClosed
        request_id = str(uuid.uuid4())
        slot = _Pending()
        with self._lock:
            self._pending[request_id] = slot
        self.emit(
            {"type": "control_request", "request_id": request_id, "request": body}, flush=True
        )
        try:
            while not slot.done.wait(0.02):
                if interruptible and self.interrupt.is_set():
                    self.emit(
                        {"type": "control_cancel_request", "request_id": request_id}, flush=True
                    )
                    raise Interrupted
                if self.closed.is_set():
                    raise StdinClosed
        finally:
            with self._lock:
                self._pending.pop(request_id, None)
        if slot.error is not None:
            raise RuntimeError(slot.error)
        return slot.response or {}

    # ---- the reader thread --------------------------------------------------------------------

    def _read_loop(self) -> None:
        trace = open(self._trace_path, "a", encoding="utf-8") if self._trace_path else None
        buf = b""
        try:
            while True:
                chunk = self._in.read(65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line:
                        continue
                    if trace is not None:
                        trace.write(line + "\n")
                        trace.flush()
                    try:
                        message = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(message, dict):
                        self._dispatch(message)
        finally:
            if trace is not None:
                trace.close()
            self.closed.set()
            self.prompts.put(None)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "control_response":
            response = message.get("response") or {}
            slot = self._pending.get(str(response.get("request_id")))
            if slot is not None:
                if response.get("subtype") == "error":
                    slot.error = str(response.get("error") or "error")
                else:
                    inner = response.get("response")
                    slot.response = inner if isinstance(inner, dict) else {}
                slot.done.set()
        elif kind == "control_request":
            self._answer(message)
        elif kind == "user":
            with self._lock:
                self._busy += 1
            self.prompts.put(message)

    def _answer(self, message: dict[str, Any]) -> None:
        request_id = message.get("request_id")
        body = message.get("request") or {}
        subtype = body.get("subtype")
        response: dict[str, Any] = {}
        if subtype == "initialize":
            self.init.hooks = body.get("hooks") or {}
            self.init.received.set()
            if not self._answer_initialize:
                return
            response = dict(self.init_response)
            response["hooks_applied"] = True
        elif subtype == "interrupt":
            with self._lock:
                if self._busy:
                    self.interrupt.set()
        elif subtype == "set_model":
            self.model_override = body.get("model")
        elif subtype == "set_permission_mode":
            self.permission_mode_override = body.get("mode")
        elif subtype not in ("mcp_status", "get_context_usage", "stop_task", "rewind_files"):
            self.emit(
                {
                    "type": "control_response",
                    "response": {
                        "subtype": "error",
                        "request_id": request_id,
                        "error": f"Unsupported control request subtype: {subtype}",
                    },
                },
                flush=True,
            )
            return
        self.emit(
            {
                "type": "control_response",
                "response": {"subtype": "success", "request_id": request_id, "response": response},
            },
            flush=True,
        )
