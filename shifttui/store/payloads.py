"""Event payloads at rest: their JSON text, zlib-compressed with a preset dictionary once large.

Tool results (whole source files, command output) are most of a shift's bytes and compress
4-6x; short payloads stay plain text (zlib's header would eat the gain, and plain rows stay
readable with the sqlite3 shell). A compressed payload is a BLOB whose first byte names its
codec, so the column tells the two apart without a migration. SQL that looks inside payloads
reads them through `payload_text(payload)`, registered on every connection the store opens.
"""

from __future__ import annotations

import zlib

import aiosqlite

# Below this many bytes of JSON a payload is stored as text.
PACK_MIN = 512
LEVEL = 6
_ZLIB_DICT = 1  # codec byte: zlib (raw deflate) with _DICT preset

# What payloads repeat: the keys shifttui's normaliser writes, the SDK's usage block, and the
# commonest words of source code and shell output as they appear JSON-escaped. zlib looks back
# 32 KB, so the dictionary's last bytes matter most: the most frequent come last.
_DICT = (
    b'"is_error":true,"stderr":"","interrupted":false,"isImage":false'
    b'"type":"tool_result","tool_use_id":"toolu_01'
    b'"subtype":"success","duration_ms":'
    b'"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},'
    b'"service_tier":"standard","server_tool_use":{"web_search_requests":0}'
    b'"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":'
    b'"usage":{"input_tokens":'
    b'"model":"claude-sonnet-4-5-20250929","model":"claude-opus-4-1'
    b'{"message_id":"msg_01'
    b'"name":"Bash","input":{"command":"git status","description":"'
    b'"name":"Read","input":{"file_path":"/'
    b'"name":"Edit","input":{"file_path":"/","old_string":"","new_string":"'
    b'"name":"Grep","input":{"pattern":"'
    b'\\n\\n    def __init__(self, \\n        self.\\n        return \\n        if '
    b' is None:\\n            raise ValueError(f\\"\\n    async def await \\n'
    b'from __future__ import annotations\\n\\nimport \\nfrom typing import \\n\\n\\nclass '
    b'\\n        for  in :\\n            \\n        else:\\n            return None\\n'
    b'"is_error":false,"content":"'
    b'"thinking":"'
    b'{"type":"text","text":"'
    b'"text":"'
)


def pack(text: str) -> str | bytes:
    """What to store for a payload's JSON text."""
    if len(text) < PACK_MIN:
        return text
    co = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=_DICT)
    return bytes((_ZLIB_DICT,)) + co.compress(text.encode()) + co.flush()


def unpack(value: str | bytes) -> str:
    """A stored payload's JSON text."""
    if isinstance(value, str):
        return value
    if value[:1] == bytes((_ZLIB_DICT,)):
        do = zlib.decompressobj(-15, zdict=_DICT)
        return (do.decompress(value[1:]) + do.flush()).decode()
    raise ValueError(f"unknown payload codec {value[:1]!r}")


def _payload_text(value: str | bytes | None) -> str | None:
    return None if value is None else unpack(value)


async def register(conn: aiosqlite.Connection) -> None:
    """`payload_text(payload)` for SQL (search, json_extract) on this connection."""
    await conn.create_function("payload_text", 1, _payload_text, deterministic=True)
