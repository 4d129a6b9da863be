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
working at the SDK's speed, and the `fastparse` patch says why (agent/sdk_seam.py, shown by
`shifttui --version`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import orjson

from shifttui.shifts.agent.sdk_seam import FASTPARSE, LineParser, line_parser, replace_line_parser
from shifttui.system.seams import SEAMS

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
            FASTPARSE.uses += 1  # ~20 ns beside orjson's ~2.9 µs: the proof that it is live
            return data
    return _sdk_parse(line)


def install() -> bool:
    """Parse with orjson for the clients connected from the current context (this task and the
    tasks it starts); the SDK's line parser is replaced once. False if the SDK has no such
    function any more. The first call also logs every dependency patch."""
    global _sdk_parse
    replaced = replace_line_parser(_parse_line)
    if replaced is not None and replaced is not _parse_line:
        _sdk_parse = replaced
    active = replaced is not None and _sdk_parse is not None
    _active.set(active)
    SEAMS.report_once()
    return active


def installed() -> bool:
    return line_parser() is _parse_line
