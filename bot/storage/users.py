"""What the bot remembers about a user: her language and the screen she is on. Nothing else."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class UserState:
    user_key: str
    language: str | None
    screen: str | None


class UserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, user_key: str) -> UserState | None:
        async with self._db.connection.execute(
            "SELECT user_key, language, screen FROM users WHERE user_key = ?", (user_key,)
        ) as cursor:
            row = await cursor.fetchone()
        return UserState(*row) if row else None

    async def save(self, user_key: str, *, language: str | None, screen: str | None) -> UserState:
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
        return UserState(user_key, language, screen)

    async def delete(self, user_key: str) -> None:
        await self._db.connection.execute("DELETE FROM users WHERE user_key = ?", (user_key,))

    async def count(self) -> int:
        async with self._db.connection.execute("SELECT COUNT(*) FROM users") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0
