"""SQL for a key rotation (migration 0011): its state, the pseudonyms still to move, and the rows it rewrites.

Stores and returns what it is given; the cryptography is the caller's (bot/rotation). Tables are found by their
`user_key` column rather than listed here, so a table added later moves with the person without a change here
(the rotation tests check that no row is left under an old pseudonym).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class SealedColumn:
    """A sealed value: where it is, the row's key column, and the SQL giving its associated data (which begins
    with her pseudonym, when it belongs to a person) and that pseudonym."""

    table: str
    column: str
    key: str
    associated: str
    pseudonym: str


_CASE_OF_OUTBOX = "(SELECT cases.user_key FROM cases WHERE cases.id = outbox.case_id)"
SEALED_COLUMNS = (
    SealedColumn("wipe_schedule", "chat_ref", "user_key", "user_key", "user_key"),
    SealedColumn("timed_deletions", "chat_ref", "rowid", "user_key", "user_key"),
    SealedColumn("cases", "chat_ref", "id", "user_key", "user_key"),
    SealedColumn("journal_keys", "binding", "user_key", "user_key", "user_key"),
    SealedColumn("outbox", "file_ref", "id", f"{_CASE_OF_OUTBOX} || '/' || outbox.source_message", _CASE_OF_OUTBOX),
    # An update a crash left in the webhook's inbox: bound to its update id, to no person (it never moves).
    SealedColumn("update_inbox", "body", "update_id", "'update:' || update_id", "NULL"),
)
BATCH = 500  # rows per transaction: resumable, and never one huge transaction holding the database


@dataclass(frozen=True)
class RotationState:
    previous_check: bytes
    legacy_keys: bytes
    started_at: int
    resealed_at: int | None


@dataclass(frozen=True)
class SealedRow:
    row_key: object  # the value of the row's key column
    associated: str  # the value its associated data is made of (a pseudonym)
    sealed: bytes


class RotationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._db.transaction():  # the running bot's group of writes is committed first
            yield

    async def state(self) -> RotationState | None:
        rows = await self._db.connection.execute_fetchall(
            "SELECT previous_check, legacy_keys, started_at, resealed_at FROM key_rotation WHERE id = 1"
        )
        for previous, legacy, started, resealed in rows:
            return RotationState(bytes(previous), bytes(legacy), int(started), resealed)
        return None

    async def key_check(self) -> bytes | None:
        rows = await self._db.connection.execute_fetchall("SELECT check_value FROM key_check WHERE id = 1")
        return next((bytes(row[0]) for row in rows), None)

    async def begin(self, new_check: bytes, previous_check: bytes, legacy_keys: bytes, now: int) -> None:
        """Inside a transaction: the database now belongs to the new key; what cannot move yet is listed."""
        connection = self._db.connection
        await connection.execute("UPDATE key_check SET check_value = ?, recorded_at = ? WHERE id = 1", (new_check, now))
        await connection.execute(
            "INSERT INTO key_rotation (id, previous_check, legacy_keys, started_at) VALUES (1, ?, ?, ?)",
            (previous_check, legacy_keys, now),
        )
        pseudonyms = " UNION ".join(
            f"SELECT user_key FROM {table} WHERE user_key IS NOT NULL" for table in await self.person_tables()
        )
        await connection.execute(f"INSERT OR IGNORE INTO unmoved_pseudonyms (user_key) {pseudonyms}")
        # A PIN wrap cannot be renewed without her PIN: it keeps the previous key's journal subkey until then.
        await connection.execute("UPDATE journal_keys SET legacy_kek = 1 WHERE pin_salt IS NOT NULL")

    async def mark_resealed(self, now: int) -> None:
        await self._db.connection.execute("UPDATE key_rotation SET resealed_at = ? WHERE id = 1", (now,))

    async def end(self) -> None:
        """Inside a transaction: the previous key's subkeys go, and the list of who had not moved."""
        await self._db.connection.execute("DELETE FROM key_rotation")
        await self._db.connection.execute("DELETE FROM unmoved_pseudonyms")

    async def person_tables(self) -> list[str]:
        """Every table with a `user_key` column but the rotation's own list."""
        rows = await self._db.connection.execute_fetchall(
            """
            SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c
            WHERE m.type = 'table' AND c.name = 'user_key' AND m.name != 'unmoved_pseudonyms'
            ORDER BY m.name
            """
        )
        return [str(row[0]) for row in rows]

    # Re-sealing, batch by batch

    async def sealed_batch(self, table: str, after: int, limit: int = BATCH) -> list[tuple[int, SealedRow]]:
        """Rows of one sealed column after rowid `after`, as (rowid, row)."""
        sealed = _sealed_column(table)
        rows = await self._db.connection.execute_fetchall(
            f"""
            SELECT rowid, {sealed.key}, {sealed.associated}, {sealed.column} FROM {table}
            WHERE rowid > ? AND {sealed.column} IS NOT NULL AND {sealed.associated} IS NOT NULL
            ORDER BY rowid LIMIT ?
            """,
            (after, limit),
        )
        return [(int(rowid), SealedRow(row_key, str(assoc), bytes(sealed))) for rowid, row_key, assoc, sealed in rows]

    async def set_sealed(self, table: str, row_key: object, value: bytes) -> None:
        sealed = _sealed_column(table)
        await self._db.connection.execute(
            f"UPDATE {table} SET {sealed.column} = ? WHERE {sealed.key} = ?", (value, row_key)
        )

    async def server_wraps(self, after: str, limit: int = BATCH) -> list[tuple[str, bytes, bytes | None]]:
        """Journal keys wrapped by the server key alone: (user_key, wrapped, sealed binding)."""
        rows = await self._db.connection.execute_fetchall(
            """
            SELECT user_key, wrapped_key, binding FROM journal_keys
            WHERE pin_salt IS NULL AND user_key > ? ORDER BY user_key LIMIT ?
            """,
            (after, limit),
        )
        return [(str(user_key), bytes(wrapped), bytes(b) if b else None) for user_key, wrapped, b in rows]

    async def set_wrap(self, user_key: str, wrapped: bytes) -> None:
        await self._db.connection.execute(
            "UPDATE journal_keys SET wrapped_key = ? WHERE user_key = ?", (wrapped, user_key)
        )

    # Moving one person

    async def is_unmoved(self, user_key: str) -> bool:
        rows = await self._db.connection.execute_fetchall(
            "SELECT 1 FROM unmoved_pseudonyms WHERE user_key = ?", (user_key,)
        )
        return bool(rows)

    async def move(self, old: str, new: str, reseal: Callable[[str, bytes, str, str], bytes]) -> None:
        """Inside a transaction: every row of `old` becomes `new`'s. Sealed values bound to the pseudonym are
        re-sealed through `reseal(table, sealed, old associated data, new associated data)` first (some find
        her pseudonym through another table); checklist ticks are the caller's (`ticks`, `set_ticks`)."""
        connection = self._db.connection
        await connection.execute("PRAGMA defer_foreign_keys = ON")  # journal rows refer to journal_keys
        for sealed in SEALED_COLUMNS:
            rows = await connection.execute_fetchall(
                f"""
                SELECT {sealed.key}, {sealed.column}, {sealed.associated} FROM {sealed.table}
                WHERE {sealed.pseudonym} = ? AND {sealed.column} IS NOT NULL
                """,
                (old,),
            )
            for row_key, value, associated in rows:
                renamed = new + str(associated)[len(old) :]
                resealed = reseal(sealed.table, bytes(value), str(associated), renamed)
                await connection.execute(
                    f"UPDATE {sealed.table} SET {sealed.column} = ? WHERE {sealed.key} = ?", (resealed, row_key)
                )
        for table in await self.person_tables():
            # OR REPLACE: her old row wins over one made under the new pseudonym in the moment before the move.
            await connection.execute(f"UPDATE OR REPLACE {table} SET user_key = ? WHERE user_key = ?", (new, old))
        await connection.execute("DELETE FROM unmoved_pseudonyms WHERE user_key = ?", (old,))

    async def journal_binding(self, user_key: str) -> tuple[bool, bytes | None]:
        """(whether she has a journal, its sealed binding)."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT binding FROM journal_keys WHERE user_key = ?", (user_key,)
        )
        for (binding,) in rows:
            return True, bytes(binding) if binding is not None else None
        return False, None

    async def ticks(self, user_key: str) -> list[str]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT tick FROM checklist_ticks WHERE user_key = ?", (user_key,)
        )
        return [str(row[0]) for row in rows]

    async def set_ticks(self, user_key: str, ticks: list[str]) -> None:
        await self._db.connection.execute("DELETE FROM checklist_ticks WHERE user_key = ?", (user_key,))
        await self._db.connection.executemany(
            "INSERT INTO checklist_ticks (user_key, tick) VALUES (?, ?)", [(user_key, tick) for tick in ticks]
        )

    # Status and the end

    async def counts(self) -> tuple[int, int]:
        """(people not moved yet, PIN journals still under the previous key's subkey)."""
        rows = await self._db.connection.execute_fetchall(
            """
            SELECT (SELECT count(*) FROM unmoved_pseudonyms), (SELECT count(*) FROM journal_keys WHERE legacy_kek = 1)
            """
        )
        for unmoved, legacy in rows:
            return int(unmoved), int(legacy)
        return 0, 0

    async def forget_unmoved(self) -> list[str]:
        """Inside a transaction: every row of the people who never came back, and the journals of those who did
        but never unlocked their PIN journal since (it cannot be opened once the previous key's subkey goes).
        Returns the journal file names to delete."""
        connection = self._db.connection
        unmoved = [str(row[0]) for row in await connection.execute_fetchall("SELECT user_key FROM unmoved_pseudonyms")]
        unopened = [
            str(row[0])
            for row in await connection.execute_fetchall("SELECT user_key FROM journal_keys WHERE legacy_kek = 1")
        ]
        files: list[str] = []
        await connection.execute("PRAGMA defer_foreign_keys = ON")
        for table in await self.person_tables():
            doomed = unmoved + unopened if table.startswith("journal_") else unmoved
            for user_key in doomed:
                if table == "journal_files":
                    names = await connection.execute_fetchall(
                        "SELECT file_name FROM journal_files WHERE user_key = ?", (user_key,)
                    )
                    files.extend(str(row[0]) for row in names)
                if table == "cases":  # kept for the advocates' records, unlinked from her as an erasure leaves them
                    await connection.execute(
                        "UPDATE cases SET user_key = NULL, chat_ref = NULL WHERE user_key = ?", (user_key,)
                    )
                else:
                    await connection.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
        return files


def _sealed_column(table: str) -> SealedColumn:
    for sealed in SEALED_COLUMNS:
        if sealed.table == table:
            return sealed
    raise KeyError(table)
