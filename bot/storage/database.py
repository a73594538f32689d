"""The one SQLite database: opening it safely, applying versioned migrations, and group commit.

Migrations are the numbered `migrations/NNNN_name.sql` files of this package, applied in order inside a
transaction each; `PRAGMA user_version` records the last one applied.

Group commit (the running bot's main connection, `Database.open(..., group_commit=True)`): a write does not
wait for its own fsync. SQLite opens a write transaction before the first write (sqlite3's implicit
`BEGIN IMMEDIATE`), every write after it joins that transaction, and one COMMIT — one fsync, with
`synchronous = FULL` as before — makes all of them durable at once. It is committed when someone needs
durability (`durable()`: an update before it is confirmed to Telegram, the webhook before its 200, the relay
before it sends), and at the latest `IDLE_COMMIT_SECONDS` after a write nobody waits for. The fsyncs of
everyone who finishes while one is running are shared by the next: under load, one fsync serves many
updates; alone, an update pays one fsync instead of one per write.

A group can also be lost before its COMMIT: a statement that fails with a full disk, an I/O error or out of
memory may take the whole open transaction with it, everyone's writes in it. The connection notices (the
transaction was open before the failed statement and is not after it) and the group's epoch is marked lost;
`durable(since=epoch)` then raises `WritesLost` for every update that began before the loss, so none of
them is confirmed to Telegram with its writes gone (each is handled again after the restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

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
# A write nobody waits for (a job's, the relay's bookkeeping) is committed this long after it at the latest;
# the journal's own connection, which needs the write lock too, waits no longer than that.
IDLE_COMMIT_SECONDS = 0.02


class WritesLost(Exception):
    """Writes made since the given epoch may have been rolled back with a failed statement's transaction:
    whatever depends on them must not be confirmed."""


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


class WatchedConnection(aiosqlite.Connection):
    """aiosqlite's connection, telling its owner when a failed statement took the open transaction with it
    (SQLite may roll a transaction back on a full disk, an I/O error or out of memory). Looked at on
    aiosqlite's own thread, before and after the statement, so no other statement can come in between."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # Weak, and nothing handed to aiosqlite's thread refers to this object: the thread keeps the last
        # function it ran, and a reference back here (or to the database that owns it) would keep an unclosed
        # connection alive and its non-daemon thread waiting at exit: the process would never end.
        self.on_rollback: weakref.WeakMethod[Callable[[], None]] | None = None
        self._rollbacks: list[bool] = []  # appended on aiosqlite's thread, read on the event loop after

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection, rollbacks = self._connection, self._rollbacks
        if connection is None:  # closed: aiosqlite says so
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

        def watched() -> Any:
            was_open = connection.in_transaction
            try:
                return fn(*args, **kwargs)
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):  # a closed connection has no transaction
                    if was_open and not connection.in_transaction:
                        rollbacks.append(True)
                raise

        try:
            return await super()._execute(watched)  # type: ignore[no-untyped-call]  # aiosqlite leaves it untyped
        except sqlite3.Error:
            if rollbacks:
                rollbacks.clear()
                notify = self.on_rollback() if self.on_rollback is not None else None
                if notify is not None:
                    notify()
            raise


class Database:
    """Owns the aiosqlite connection. Repositories receive it and run their queries through it."""

    def __init__(self, connection: aiosqlite.Connection, path: Path | str) -> None:
        self.connection = connection
        self.path = path
        self._identity = _identity(path)
        # Held while a COMMIT or an explicit transaction runs: the group is never committed half-way through
        # someone's transaction, and a transaction never begins inside the group.
        self._writing = asyncio.Lock()
        self._waiting: list[asyncio.Future[None]] = []  # durable() callers for the next commit
        self._wake = asyncio.Event()
        self._committer: asyncio.Task[None] | None = None
        self._group_commit = False
        self._stopping = False
        # Epochs: one ends at every COMMIT and at every lost group. Writes not yet committed all belong to the
        # current epoch (an epoch never ends with writes left over), so a loss in epoch L can only have taken
        # writes of updates that began in L or before.
        self._epoch = 0
        self._lost_in = -1  # the last epoch whose writes were lost
        if isinstance(connection, WatchedConnection):
            connection.on_rollback = weakref.WeakMethod(self._group_lost)

    @property
    def epoch(self) -> int:
        """Taken when an update begins, and given to `durable(since=…)` when it ends."""
        return self._epoch

    @property
    def group_commit(self) -> bool:
        return self._group_commit

    @classmethod
    async def open(
        cls, path: Path | str, migrations: list[Migration] | None = None, *, group_commit: bool = False
    ) -> Database:
        try:
            # No statement cache: a cached statement is shared between cursors, and a cursor dropped on the
            # event loop's thread resets its statement there — under another coroutine's query running on
            # aiosqlite's thread ("bad parameter or other API misuse", seen with 50 people at once).
            # Uncached statements belong to one cursor each; SQLite's own mutex guards the connection.
            connection = await WatchedConnection(
                partial(sqlite3.connect, str(path), isolation_level=None, cached_statements=0)
            )
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
        if group_commit:
            # From here on sqlite3 begins a write transaction before the first write; the committer ends it.
            connection.isolation_level = "IMMEDIATE"
            database._group_commit = True
            database._committer = asyncio.create_task(database._commit_groups(), name="group-commit")
        return database

    async def close(self) -> None:
        if self._committer is not None:
            # Not cancelled: a COMMIT it has begun runs to its end, and what was written last is committed.
            self._stopping = True
            self._wake.set()
            await self._committer
            self._committer = None
        await self.connection.close()

    async def durable(self, since: int | None = None) -> None:
        """Until everything written on this connection so far is on disk (committed with its fsync).

        At once if nothing was written since the last commit. Raises what the COMMIT raised (the writes are
        then not durable, and the caller must not confirm what depends on them), and `WritesLost` if a group
        was lost since the epoch `since` (taken before the caller's writes)."""
        self._raise_if_lost(since)
        if not self._group_commit or (not self._writing.locked() and not self.connection.in_transaction):
            return
        # A COMMIT running now may have begun before our last write: wait for one that begins after this.
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        if self._writing.locked():
            self._wake.set()  # a commit is running: the next one is the committer's, right after it
        else:
            # Nobody is committing: this caller commits for everyone waiting (no hand-over to the committer
            # task, which cost a few turns of the event loop per update). It lets the updates finishing in
            # this same turn of the loop join first.
            await asyncio.sleep(0)
            if not waiter.done() and not self._writing.locked():
                await self._commit_waiting()
        await waiter
        self._raise_if_lost(since)

    def _raise_if_lost(self, since: int | None) -> None:
        if since is not None and self._lost_in >= since:
            raise WritesLost(f"writes since epoch {since} were rolled back (lost in epoch {self._lost_in})")

    def _group_lost(self) -> None:
        if self._group_commit:
            log.error("a failed statement rolled back the open group of writes epoch=%d", self._epoch)
            self._lost_in = self._epoch
            self._epoch += 1

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """An explicit transaction (all or nothing), for work that must not be split (a pseudonym's move).
        The group written so far is committed first; other writes made meanwhile join this transaction."""
        try:
            async with self._writing:
                await self._commit()
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    if self.connection.in_transaction:  # a failed statement may have rolled it back already
                        await self.connection.execute("ROLLBACK")
                    self._group_lost()  # other updates' writes made meanwhile were in it too
                    raise
                await self.connection.execute("COMMIT")
                self._epoch += 1
        finally:
            self._wake.set()  # whoever waited meanwhile

    async def _commit_groups(self) -> None:
        """The committer: commits for those who asked while a commit was running, and what was written with
        nobody waiting (at the latest IDLE_COMMIT_SECONDS after it)."""
        try:
            while not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=IDLE_COMMIT_SECONDS)
                self._wake.clear()
                if not self._waiting and not self.connection.in_transaction and not self._stopping:
                    continue
                # Let the updates finishing in this same turn of the event loop join this commit.
                await asyncio.sleep(0)
                await self._commit_waiting()
        except asyncio.CancelledError:
            # Cancelled without close() (the event loop ending under an unclosed database): the task keeps
            # this frame in its exception, and this database kept the task; without breaking that cycle the
            # connection outlives the loop and its thread keeps the process from ever ending.
            self._committer = None
            raise

    async def _commit_waiting(self) -> None:
        """One COMMIT for everything written so far; then everyone who was waiting for it goes on."""
        async with self._writing:
            # Taken under the lock: everyone here wrote before this COMMIT, which therefore holds their writes.
            waiting, self._waiting = self._waiting, []
            try:
                await self._commit()
            except asyncio.CancelledError:  # the update leading it was cancelled: the committer takes over
                self._waiting[:0] = [waiter for waiter in waiting if not waiter.done()]
                self._wake.set()
                raise
            except Exception as error:  # sqlite3.Error, OSError: nobody waiting may take it as durable
                log.error("group commit failed error=%s", type(error).__name__)
                for waiter in waiting:
                    if not waiter.done():
                        waiter.set_exception(error)
            else:
                for waiter in waiting:
                    if not waiter.done():
                        waiter.set_result(None)
        if self._waiting:
            self._wake.set()  # they asked while this COMMIT ran: the committer takes them next

    async def _commit(self) -> None:
        # sqlite3's commit() looks at the transaction on the database thread: nothing open, nothing done.
        await self.connection.commit()
        self._epoch += 1

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it: rows just deleted (and overwritten there,
        secure_delete) must not linger as old pages in the -wal file. What the group wrote is committed first."""
        async with self._writing:
            await self._commit()
            async with self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                await cursor.fetchone()
        self._wake.set()

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
