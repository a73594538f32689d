"""The one SQLite database: opening it safely and applying versioned migrations.

Migrations are the numbered `migrations/NNNN_name.sql` files of this package, applied in order inside a
transaction each; `PRAGMA user_version` records the last one applied.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# WAL lets readers work while a write is in progress. FULL sync because a survivor's journal entry and a
# relayed message in the outbox must survive a power cut, not only a crash (NORMAL measured about 25% more
# updates a second, at the price of losing the last transactions on a power cut). secure_delete overwrites
# deleted rows so "delete everything" really removes them from the file.
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA busy_timeout = 5000",
)


class StorageError(Exception):
    """The database cannot be used; the message says why, for the operator."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    migrations = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            migrations.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise StorageError(f"migrations must be numbered 0001, 0002, … without gaps; found {versions}")
    return migrations


class Database:
    """Owns the aiosqlite connection. Repositories receive it and run their queries through it."""

    def __init__(self, connection: aiosqlite.Connection, path: Path | str) -> None:
        self.connection = connection
        self.path = path
        self._identity = _identity(path)

    @classmethod
    async def open(cls, path: Path | str, migrations: list[Migration] | None = None) -> Database:
        try:
            # No statement cache: a cached statement is shared between cursors, and a cursor dropped on the
            # event loop's thread resets its statement there — under another coroutine's query running on
            # aiosqlite's thread ("bad parameter or other API misuse", seen with 50 people at once).
            # Uncached statements belong to one cursor each; SQLite's own mutex guards the connection.
            connection = await aiosqlite.connect(str(path), isolation_level=None, cached_statements=0)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the database {path}: {error}") from None
        database = cls(connection, path)
        try:
            for pragma in PRAGMAS:
                await connection.execute(pragma)
            # A damaged file (a truncated copy, a bad disk) is refused before anything is written to it.
            async with connection.execute("PRAGMA quick_check") as cursor:
                verdict = await cursor.fetchone()
            if not verdict or verdict[0] != "ok":
                raise StorageError(f"the database {path} is damaged; restore it from a backup")
            await database._migrate(migrations if migrations is not None else bundled_migrations())
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise StorageError(f"the database {path} cannot be used: {error}") from None
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        await self.connection.close()

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it: rows just deleted (and overwritten there,
        secure_delete) must not linger as old pages in the -wal file."""
        async with self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchone()

    async def answers(self) -> None:
        """A read of the schema through this connection (raises if the database cannot be read now)."""
        async with self.connection.execute("SELECT count(*) FROM sqlite_master") as cursor:
            await cursor.fetchone()

    def still_in_place(self) -> bool:
        """Whether the file at the database's path is still the one this connection opened. A file deleted or
        replaced under a running bot goes on working through its open handle, but nothing after it (the next
        start, a backup) would find what it writes."""
        return self._identity is None or _identity(self.path) == self._identity

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self, migrations: list[Migration]) -> None:
        current = await self.schema_version()
        known = migrations[-1].version if migrations else 0
        if current > known:
            raise StorageError(
                f"the database {self.path} is at schema version {current}, newer than this program "
                f"knows ({known}); run the newer version of the bot or restore a backup"
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            # One transaction per migration: a failure leaves the database at the previous version.
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_statements(migration.sql):
                    await self.connection.execute(statement)
                await self.connection.execute(f"PRAGMA user_version = {migration.version}")
                await self.connection.execute("COMMIT")
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            log.info("database migrated version=%d name=%s", migration.version, migration.name)

    async def integrity_ok(self) -> bool:
        async with self.connection.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return row is not None and row[0] == "ok"


def _identity(path: Path | str) -> tuple[int, int] | None:
    """(device, inode) of the database file; None for an in-memory database or a file that is not there."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


def _split_statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own and break atomicity)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()):
        raise StorageError("a migration ends with an incomplete SQL statement")
    return statements
