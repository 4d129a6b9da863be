"""The SQLite connection: pragmas, migrations, and serialised write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import orjson

from shifttui.base.errors import DatabaseError
from shifttui.store.migrations import MIGRATIONS, SCHEMA_VERSION

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# (the second, its text): one tuple, replaced whole, so a reader in another thread never pairs
# one second with another's text.
_second_cache: tuple[tuple[int, ...], str] = ((), "")


def ts(value: datetime) -> str:
    """Timestamps are stored as fixed-width UTC strings, so text order is time order.

    The same text as strftime(TS_FORMAT). Every stored event needs one, and a flood's events
    share their second: its text is made once and only the microseconds are formatted (a third
    of isoformat's cost)."""
    global _second_cache
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
    second = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    cached = _second_cache
    if second != cached[0]:
        cached = _second_cache = (second, value.strftime("%Y-%m-%dT%H:%M:%S."))
    return f"{cached[1]}{value.microsecond:06d}Z"


def parse_ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, TS_FORMAT).replace(tzinfo=UTC)


def dumps(value: Any) -> str:
    """Compact JSON text. orjson: the event stream serialises every payload (~15x json's speed)."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # e.g. an escaped lone surrogate, which json accepts
        return json.loads(text)


class Database:
    """One aiosqlite connection; writes go through `write()` one at a time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, migrate_to: int = SCHEMA_VERSION) -> Database:
        try:
            conn = await aiosqlite.connect(path, isolation_level=None, timeout=10.0)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {path}: {exc}") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._setup(migrate_to)
        except BaseException:
            await conn.close()
            raise
        return db

    async def _setup(self, migrate_to: int) -> None:
        try:
            await self.conn.execute("PRAGMA busy_timeout = 10000")
            version = await self.user_version()
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.path} is not a usable shifttui database: {exc}") from None
        # Checked before switching to WAL, which rewrites the file header: a database of a
        # newer shifttui is left exactly as it was.
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.path} was written by a newer shifttui (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade shifttui instead of opening it with this version"
            )
        try:
            await self.conn.execute("PRAGMA journal_mode = WAL")
            await self.conn.execute("PRAGMA synchronous = NORMAL")
            await self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.path} is not a usable shifttui database: {exc}") from None
        for number in range(version, migrate_to):
            async with self.write() as conn:
                # Another process may have migrated since we read the version.
                row = await conn.fetchone("PRAGMA user_version")
                if row is not None and int(row[0]) > number:
                    continue
                await conn.executescript_in_tx(MIGRATIONS[number])
                await conn.execute(f"PRAGMA user_version = {number + 1}")

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_Tx]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT), serialised within this process."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise DatabaseError(f"database {self.path} is not writable: {exc}") from None
            tx = _Tx(self.conn)
            try:
                yield tx
            except BaseException:
                await self._rollback()
                raise
            try:
                await self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                await self._rollback()
                raise DatabaseError(f"cannot write to database {self.path}: {exc}") from None

    async def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (a full disk does that): a second
        # ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self.conn.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def close(self) -> None:
        await self.conn.close()


class _Tx:
    """The connection inside a write transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        return await self._conn.execute(sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def executescript_in_tx(self, script: str) -> None:
        # executescript() would COMMIT first; run the statements one by one instead.
        for statement in _split_sql(script):
            await self._conn.execute(statement)


def _split_sql(script: str) -> list[str]:
    statements, current = [], []
    for line in script.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") or not stripped:
            continue
        current.append(line)
        if sqlite3.complete_statement("\n".join(current)):
            statements.append("\n".join(current))
            current = []
    if current and "".join(current).strip():
        statements.append("\n".join(current))
    return statements
