"""SQL for the journal (tables of migration 0003). Stores and returns ciphertext only; never decrypts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class KeyRow:
    user_key: str
    wrapped_key: bytes
    pin_salt: bytes | None
    pin_kdf: str | None
    chain_head: bytes | None
    failed_tries: int
    lockouts: int
    locked_until: int
    binding: bytes | None = None  # sealed: the pseudonym its ciphertexts are bound to, if she moved since
    legacy_kek: bool = False  # its PIN wrap still uses the previous key's journal subkey (a key rotation)
    pin_short_asked: bool = False  # she was asked once to lengthen a PIN shorter than new ones must be

    @property
    def has_pin(self) -> bool:
        return self.pin_salt is not None


@dataclass(frozen=True)
class EntryRow:
    user_key: str
    seq: int
    entry_id: str
    entry_hash: bytes
    payload: bytes


class JournalRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        # The connection is shared and in autocommit mode: one journal transaction at a time.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            await self._db.connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.connection.execute("ROLLBACK")
                raise
            await self._db.connection.execute("COMMIT")

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and empty it, so replaced or deleted pages (an old wrapped key)
        do not linger in the -wal file."""
        async with self._lock:
            await self._db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # Keys and PIN state

    async def key(self, user_key: str) -> KeyRow | None:
        async with self._db.connection.execute(
            """
            SELECT user_key, wrapped_key, pin_salt, pin_kdf, chain_head, failed_tries, lockouts, locked_until,
                binding, legacy_kek, pin_short_asked
            FROM journal_keys WHERE user_key = ?
            """,
            (user_key,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        user_key, wrapped, salt, kdf, head, tries, lockouts, locked_until, binding, legacy, asked = row
        return KeyRow(
            user_key, wrapped, salt, kdf, head, tries, lockouts, locked_until, binding, bool(legacy), bool(asked)
        )

    async def insert_key(self, user_key: str, wrapped: bytes, pin_salt: bytes | None, pin_kdf: str | None) -> None:
        await self._db.connection.execute(
            "INSERT INTO journal_keys (user_key, wrapped_key, pin_salt, pin_kdf) VALUES (?, ?, ?, ?)",
            (user_key, wrapped, pin_salt, pin_kdf),
        )

    async def rewrap(self, user_key: str, wrapped: bytes, pin_salt: bytes | None, pin_kdf: str | None) -> None:
        await self._db.connection.execute(
            """
            UPDATE journal_keys SET wrapped_key = ?, pin_salt = ?, pin_kdf = ?,
                failed_tries = 0, lockouts = 0, locked_until = 0, legacy_kek = 0
            WHERE user_key = ?
            """,
            (wrapped, pin_salt, pin_kdf, user_key),
        )

    async def set_short_pin_asked(self, user_key: str) -> None:
        await self._db.connection.execute("UPDATE journal_keys SET pin_short_asked = 1 WHERE user_key = ?", (user_key,))

    async def pin_kdf(self) -> tuple[str, int, int] | None:
        """The calibrated Argon2id parameters: (params, milliseconds a guess took, when measured)."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT params, guess_ms, calibrated_at FROM pin_kdf WHERE id = 1"
        )
        return next(((str(r[0]), int(r[1]), int(r[2])) for r in rows), None)

    async def set_pin_kdf(self, params: str, guess_ms: int, calibrated_at: int) -> None:
        await self._db.connection.execute(
            "INSERT OR REPLACE INTO pin_kdf (id, params, guess_ms, calibrated_at) VALUES (1, ?, ?, ?)",
            (params, guess_ms, calibrated_at),
        )

    async def set_attempts(self, user_key: str, failed_tries: int, lockouts: int, locked_until: int) -> None:
        await self._db.connection.execute(
            "UPDATE journal_keys SET failed_tries = ?, lockouts = ?, locked_until = ? WHERE user_key = ?",
            (failed_tries, lockouts, locked_until, user_key),
        )

    async def set_head(self, user_key: str, head: bytes) -> None:
        await self._db.connection.execute("UPDATE journal_keys SET chain_head = ? WHERE user_key = ?", (head, user_key))

    async def delete_journal(self, user_key: str) -> list[str]:
        """Delete the key (crypto-shredding) and every row of the journal; returns the file names to unlink."""
        names = await self.file_names(user_key)
        for table in ("journal_files", "journal_drafts", "journal_entries", "journal_keys"):
            await self._db.connection.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
        return names

    # Entries

    async def entries(self, user_key: str) -> list[EntryRow]:
        async with self._db.connection.execute(
            "SELECT user_key, seq, entry_id, entry_hash, payload FROM journal_entries WHERE user_key = ? ORDER BY seq",
            (user_key,),
        ) as cursor:
            return [EntryRow(*row) for row in await cursor.fetchall()]

    async def insert_entry(self, row: EntryRow) -> None:
        await self._db.connection.execute(
            "INSERT INTO journal_entries (user_key, seq, entry_id, entry_hash, payload) VALUES (?, ?, ?, ?, ?)",
            (row.user_key, row.seq, row.entry_id, row.entry_hash, row.payload),
        )

    async def delete_entries(self, user_key: str, seqs: Iterable[int]) -> None:
        await self._db.connection.executemany(
            "DELETE FROM journal_entries WHERE user_key = ? AND seq = ?", [(user_key, seq) for seq in seqs]
        )

    # Drafts

    async def draft(self, user_key: str) -> bytes | None:
        async with self._db.connection.execute(
            "SELECT payload FROM journal_drafts WHERE user_key = ?", (user_key,)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def save_draft(self, user_key: str, payload: bytes) -> None:
        await self._db.connection.execute(
            """
            INSERT INTO journal_drafts (user_key, payload) VALUES (?, ?)
            ON CONFLICT (user_key) DO UPDATE SET payload = excluded.payload
            """,
            (user_key, payload),
        )

    async def delete_draft(self, user_key: str) -> None:
        await self._db.connection.execute("DELETE FROM journal_drafts WHERE user_key = ?", (user_key,))

    # Her safety plan

    async def plan(self, user_key: str) -> bytes | None:
        rows = await self._db.connection.execute_fetchall(
            "SELECT payload FROM journal_plans WHERE user_key = ?", (user_key,)
        )
        return next((bytes(row[0]) for row in rows), None)

    async def save_plan(self, user_key: str, payload: bytes) -> None:
        await self._db.connection.execute(
            """
            INSERT INTO journal_plans (user_key, payload) VALUES (?, ?)
            ON CONFLICT (user_key) DO UPDATE SET payload = excluded.payload
            """,
            (user_key, payload),
        )

    # Attachment files

    async def add_file(self, user_key: str, file_name: str) -> None:
        await self._db.connection.execute(
            "INSERT INTO journal_files (file_name, user_key) VALUES (?, ?)", (file_name, user_key)
        )

    async def delete_files(self, user_key: str, file_names: Iterable[str]) -> None:
        await self._db.connection.executemany(
            "DELETE FROM journal_files WHERE user_key = ? AND file_name = ?",
            [(user_key, name) for name in file_names],
        )

    async def file_names(self, user_key: str) -> list[str]:
        async with self._db.connection.execute(
            "SELECT file_name FROM journal_files WHERE user_key = ?", (user_key,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def all_file_names(self) -> set[str]:
        async with self._db.connection.execute("SELECT file_name FROM journal_files") as cursor:
            return {row[0] for row in await cursor.fetchall()}
