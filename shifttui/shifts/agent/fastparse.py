"""Parse the CLI's output lines with orjson instead of json.

The SDK turns each line the CLI writes into a dict with `json.loads`, which takes ~7.5 µs for a
typical 500-byte message on the reference machine; orjson takes ~2.9 µs. In a flood that
difference is an eighth of the whole per-message cost (see docs/PERFORMANCE.md), so shifttui
swaps the SDK's line parser for one that tries orjson first.

The SDK's own parser stays the authority: any line orjson does not turn into a dict (blank,
non-JSON, corrupt, NaN, an escaped lone surrogate) goes to it, so its errors and its wider
grammar are unchanged. One known difference: orjson reads an integer beyond 64 bits as a float
(json keeps it exact); the CLI's messages carry such numbers only if the model writes one into a
tool call's arguments, and then only shifttui's copy in the event payload is affected.

The swap is scoped: the SDK's parser is a module function, but the replacement parses with orjson
only for clients connected from a context where `install()` ran (the shift's task; the SDK's
reader task inherits the context when connect() starts it). Any other client in the process, such
as the bare-SDK loop `benchmarks/stream.py` measures against, gets the SDK's own parser.

If the SDK no longer has the function (a new version), nothing is replaced: shifttui keeps
working at the SDK's speed, and `tests/test_fastparse.py` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import orjson

LineParser = Callable[[str], "dict[str, Any] | None"]

_HOOK = "_parse_stdout_line"
_sdk_parse: LineParser | None = None
_active: ContextVar[bool] = ContextVar("shifttui_fastparse", default=False)


def _parse_line(line: str) -> dict[str, Any] | None:
    assert _sdk_parse is not None
    if line[:1] == "{" and _active.get():
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            return _sdk_parse(line)
        if type(data) is dict:
            return data
    return _sdk_parse(line)


def install() -> bool:
    """Parse with orjson for the clients connected from the current context (this task and the
    tasks it starts); the SDK's line parser is replaced once. False if the SDK has no such
    function any more."""
    global _sdk_parse
    from claude_agent_sdk._internal.transport import subprocess_cli

    current = getattr(subprocess_cli, _HOOK, None)
    if current is not _parse_line:
        if not callable(current):
            return False
        _sdk_parse = current
        setattr(subprocess_cli, _HOOK, _parse_line)
    _active.set(True)
    return True


def installed() -> bool:
    from claude_agent_sdk._internal.transport import subprocess_cli

    return getattr(subprocess_cli, _HOOK, None) is _parse_line
