"""What the bot remembers about a user: her language, the screen she is on, and her safety settings."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class UserState:
    user_key: str
    language: str | None
    screen: str | None
    wipe_after_minutes: int | None = None  # None: the operator's default; 0: off
    discreet: bool = True


class UserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, user_key: str) -> UserState | None:
        async with self._db.connection.execute(
            "SELECT user_key, language, screen, wipe_after_minutes, discreet FROM users WHERE user_key = ?",
            (user_key,),
        ) as cursor:
            row = await cursor.fetchone()
        return UserState(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    async def save(self, user_key: str, *, language: str | None, screen: str | None) -> None:
        now = int(time.time())
        await self._db.connection.execute(
            """
            INSERT INTO users (user_key, language, screen, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user_key) DO UPDATE SET
                language = excluded.language, screen = excluded.screen, updated_at = excluded.updated_at
            """,
            (user_key, language, screen, now, now),
        )

    async def set_wipe_after(self, user_key: str, minutes: int | None) -> None:
        await self._ensure(user_key)
        await self._db.connection.execute(
            "UPDATE users SET wipe_after_minutes = ? WHERE user_key = ?", (minutes, user_key)
        )

    async def set_discreet(self, user_key: str, discreet: bool) -> None:
        await self._ensure(user_key)
        await self._db.connection.execute("UPDATE users SET discreet = ? WHERE user_key = ?", (int(discreet), user_key))

    async def delete(self, user_key: str) -> None:
        await self._db.connection.execute("DELETE FROM users WHERE user_key = ?", (user_key,))

    async def count(self) -> int:
        async with self._db.connection.execute("SELECT COUNT(*) FROM users") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _ensure(self, user_key: str) -> None:
        now = int(time.time())
        await self._db.connection.execute(
            "INSERT OR IGNORE INTO users (user_key, created_at, updated_at) VALUES (?, ?, ?)", (user_key, now, now)
        )
