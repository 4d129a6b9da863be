"""A shift's agent.log after the shift: its lines without their payloads.

While a shift runs, agent.log is its journal: each event's whole line is on disk before the
database has it, so recovery can store what a crash left only there. Once every event is in the
database (where the payload is kept, compressed), the log keeps each event's seq, time, kind and
summary: `tail` and `grep` still read the shift, and no payload is stored twice.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_PAYLOAD = b',"payload":'


def strip_payloads(path: Path) -> tuple[int, int]:
    """Rewrite `path` without payloads (atomically: a crash leaves the old file or the new).
    Returns (bytes before, bytes after). A line not in the sink's form is kept whole."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0, 0
    out = bytearray()
    for line in raw.splitlines(keepends=True):
        # The sink writes seq, ts, kind and summary before the payload, and a summary's quotes
        # are escaped: the first `,"payload":` is the key, whatever the payload holds.
        cut = line.find(_PAYLOAD)
        if cut > 0 and line.startswith(b'{"seq":'):
            out += line[:cut] + b"}\n"
        else:
            out += line
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(out)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return len(raw), len(raw)
    return len(raw), len(out)
