"""The SQLite connection: pragmas, migrations, and serialised write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import shlex
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

# How long a statement waits for another process's lock before SQLITE_BUSY. Every command that
# meets a locked database gives up (one line, exit 2) within this.
BUSY_TIMEOUT_S = 10.0


class Fault(enum.Enum):
    """What is wrong with the database file, from SQLite's primary result code."""

    BUSY = "busy"  # locked by another connection: waiting may cure it
    FULL = "full"
    READ_ONLY = "read_only"
    IO = "io"
    DAMAGED = "damaged"
    CANNOT_OPEN = "cannot_open"
    OTHER = "other"


_FAULT_OF_CODE = {5: Fault.BUSY, 6: Fault.BUSY, 13: Fault.FULL, 8: Fault.READ_ONLY,
                  3: Fault.READ_ONLY, 10: Fault.IO, 11: Fault.DAMAGED, 26: Fault.DAMAGED,
                  14: Fault.CANNOT_OPEN}


class StorageFault(DatabaseError):
    """The database file cannot be used as it is: one sentence naming the cause and the file."""

    def __init__(self, message: str, fault: Fault) -> None:
        super().__init__(message)
        self.fault = fault

    @property
    def transient(self) -> bool:
        """Waiting may cure it (another process holds the lock); a full, read-only or damaged
        file needs the user."""
        return self.fault is Fault.BUSY


def fault_of(exc: sqlite3.Error) -> Fault:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _FAULT_OF_CODE:
        return _FAULT_OF_CODE[code & 0xFF]
    text = str(exc).lower()  # (an error raised by the sqlite3 module itself has no code)
    for words, fault in (("locked", Fault.BUSY), ("busy", Fault.BUSY), ("full", Fault.FULL),
                         ("readonly", Fault.READ_ONLY), ("malformed", Fault.DAMAGED),
                         ("not a database", Fault.DAMAGED), ("i/o", Fault.IO)):
        if words in text:
            return fault
    return Fault.OTHER


def storage_fault(exc: sqlite3.Error, path: Path, busy_timeout_s: float = BUSY_TIMEOUT_S
                  ) -> StorageFault:
    """The one sentence a user reads for a SQLite error on `path`."""
    fault = fault_of(exc)
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if fault is Fault.BUSY:
        text = (f"the database {path} is locked by another process ({detail}; waited "
                f"{busy_timeout_s:g} s); try again when it is done")
    elif fault is Fault.FULL:
        text = f"the disk holding the database {path} is full ({detail}); free some space"
    elif fault is Fault.READ_ONLY:
        text = (f"the database {path} is read-only ({detail}); make the file and its directory "
                "writable")
    elif fault is Fault.IO:
        text = f"cannot read or write the database {path} ({detail}); check the disk"
    elif fault is Fault.DAMAGED:
        quoted, recovered = shlex.quote(str(path)), shlex.quote(f"{path}.recovered")
        text = (f"the database {path} is damaged ({detail}); nothing was changed: recover it "
                f"with `sqlite3 {quoted} .recover | sqlite3 {recovered}`, keep the damaged "
                f"file, and move {path.name}.recovered into its place")
    elif fault is Fault.CANNOT_OPEN:
        text = f"cannot open the database {path} ({detail})"
    else:
        text = f"database {path}: {detail}"
    return StorageFault(text, fault)


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

    def __init__(self, conn: aiosqlite.Connection, path: Path,
                 busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, migrate_to: int = SCHEMA_VERSION,
                   busy_timeout_s: float = BUSY_TIMEOUT_S) -> Database:
        try:
            conn = await aiosqlite.connect(path, isolation_level=None, timeout=busy_timeout_s)
        except sqlite3.Error as exc:
            raise storage_fault(exc, path, busy_timeout_s) from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path, busy_timeout_s)
        try:
            await db._setup(migrate_to)
        except BaseException:
            # Closed on every failure: aiosqlite's thread would otherwise keep the process alive.
            await db.close()
            raise
        return db

    async def _setup(self, migrate_to: int) -> None:
        try:
            await self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            version = await self.user_version()
        except sqlite3.DatabaseError as exc:
            if fault_of(exc) in (Fault.DAMAGED, Fault.OTHER):
                raise StorageFault(f"{self.path} is not a usable shifttui database: {exc}",
                                   Fault.DAMAGED) from None
            raise self.fault(exc) from None
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
            raise self.fault(exc) from None
        for number in range(version, migrate_to):
            async with self.write() as conn:
                # Another process may have migrated since we read the version.
                row = await conn.fetchone("PRAGMA user_version")
                if row is not None and int(row[0]) > number:
                    continue
                await conn.executescript_in_tx(MIGRATIONS[number])
                await conn.execute(f"PRAGMA user_version = {number + 1}")

    def fault(self, exc: sqlite3.Error) -> StorageFault:
        return storage_fault(exc, self.path, self.busy_timeout_s)

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_Tx]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT), serialised within this process.
        A SQLite error becomes a StorageFault (constraint violations stay what they are: the
        repositories turn them into their own sentences)."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self.fault(exc) from None
            tx = _Tx(self.conn)
            try:
                yield tx
            except sqlite3.IntegrityError:
                await self._rollback()
                raise
            except sqlite3.Error as exc:
                await self._rollback()
                raise self.fault(exc) from None
            except BaseException:
                await self._rollback()
                raise
            try:
                await self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._rollback()
                raise self.fault(exc) from None

    async def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (a full disk does that): a second
        # ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self.conn.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        try:
            async with self.conn.execute(sql, tuple(params)) as cur:
                return list(await cur.fetchall())
        except sqlite3.Error as exc:
            raise self.fault(exc) from None

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        try:
            async with self.conn.execute(sql, tuple(params)) as cur:
                return await cur.fetchone()
        except sqlite3.Error as exc:
            raise self.fault(exc) from None

    async def close(self) -> None:
        """Close the connection; aiosqlite ends its (non-daemon) thread even when the close
        itself fails, and a failed close has nothing left to tell the user."""
        with contextlib.suppress(sqlite3.Error, ValueError):
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
