"""Message ids of each private chat and when its next automatic wipe is due. Never any text."""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.database import Database


class ChatLogRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, user_key: str, message_ids: Iterable[int], sent_at: int) -> None:
        await self._db.connection.executemany(
            "INSERT OR IGNORE INTO chat_messages (user_key, message_id, sent_at) VALUES (?, ?, ?)",
            [(user_key, message_id, sent_at) for message_id in message_ids],
        )

    async def message_ids(self, user_key: str, sent_after: int) -> list[int]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT message_id FROM chat_messages WHERE user_key = ? AND sent_at > ? ORDER BY message_id",
            (user_key, sent_after),
        )
        return [row[0] for row in rows]

    async def forget(self, user_key: str, message_ids: Iterable[int] | None = None) -> None:
        """Forget the given ids (those just deleted), or all of the chat's ids."""
        if message_ids is None:
            await self._db.connection.execute("DELETE FROM chat_messages WHERE user_key = ?", (user_key,))
            return
        await self._db.connection.executemany(
            "DELETE FROM chat_messages WHERE user_key = ? AND message_id = ?",
            [(user_key, message_id) for message_id in message_ids],
        )

    async def schedule(self, user_key: str, chat_ref: bytes, due_at: int) -> None:
        await self._db.connection.execute(
            """
            INSERT INTO wipe_schedule (user_key, chat_ref, due_at) VALUES (?, ?, ?)
            ON CONFLICT (user_key) DO UPDATE SET chat_ref = excluded.chat_ref, due_at = excluded.due_at
            """,
            (user_key, chat_ref, due_at),
        )

    async def unschedule(self, user_key: str) -> None:
        await self._db.connection.execute("DELETE FROM wipe_schedule WHERE user_key = ?", (user_key,))

    async def delete_later(self, user_key: str, message_id: int, chat_ref: bytes, due_at: int) -> None:
        await self._db.connection.execute(
            "INSERT OR REPLACE INTO timed_deletions (user_key, message_id, chat_ref, due_at) VALUES (?, ?, ?, ?)",
            (user_key, message_id, chat_ref, due_at),
        )

    async def due_deletions(self, now: int, limit: int = 100) -> list[tuple[str, int, bytes]]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT user_key, message_id, chat_ref FROM timed_deletions WHERE due_at <= ? ORDER BY due_at LIMIT ?",
            (now, limit),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def drop_deletion(self, user_key: str, message_id: int | None = None) -> None:
        """One timed deletion done, or (no message id) all of the chat's."""
        if message_id is None:
            await self._db.connection.execute("DELETE FROM timed_deletions WHERE user_key = ?", (user_key,))
            return
        await self._db.connection.execute(
            "DELETE FROM timed_deletions WHERE user_key = ? AND message_id = ?", (user_key, message_id)
        )

    async def backlog(self, now: int) -> tuple[int, int]:
        """How many automatic wipes and how many single deletions are due and not done yet."""
        rows = await self._db.connection.execute_fetchall(
            "SELECT (SELECT count(*) FROM wipe_schedule WHERE due_at <= ?), "
            "(SELECT count(*) FROM timed_deletions WHERE due_at <= ?)",
            (now, now),
        )
        wipes, deletions = next(iter(rows))
        return int(wipes), int(deletions)

    async def due(self, now: int, limit: int = 100) -> list[tuple[str, bytes]]:
        rows = await self._db.connection.execute_fetchall(
            "SELECT user_key, chat_ref FROM wipe_schedule WHERE due_at <= ? ORDER BY due_at LIMIT ?", (now, limit)
        )
        return [(row[0], row[1]) for row in rows]


class ChecklistRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def ticked(self, user_key: str, ticks: Iterable[str]) -> set[str]:
        wanted = list(ticks)
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = await self._db.connection.execute_fetchall(
            f"SELECT tick FROM checklist_ticks WHERE user_key = ? AND tick IN ({marks})", (user_key, *wanted)
        )
        return {row[0] for row in rows}

    async def set_ticked(self, user_key: str, tick: str, on: bool) -> None:
        """Ticked or not, whatever it was: a repeated tap (an update handled again after a crash) changes nothing."""
        if on:
            await self._db.connection.execute(
                "INSERT OR IGNORE INTO checklist_ticks (user_key, tick) VALUES (?, ?)", (user_key, tick)
            )
        else:
            await self._db.connection.execute(
                "DELETE FROM checklist_ticks WHERE user_key = ? AND tick = ?", (user_key, tick)
            )

    async def clear(self, user_key: str, ticks: Iterable[str] | None = None) -> None:
        if ticks is None:
            await self._db.connection.execute("DELETE FROM checklist_ticks WHERE user_key = ?", (user_key,))
            return
        await self._db.connection.executemany(
            "DELETE FROM checklist_ticks WHERE user_key = ? AND tick = ?", [(user_key, tick) for tick in ticks]
        )
