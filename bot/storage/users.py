"""What the bot remembers about a user: her language, the screen she is on, and her safety settings."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from bot.storage.database import Database
from bot.storage.recent import Recent


@dataclass(frozen=True)
class UserState:
    user_key: str
    language: str | None
    screen: str | None
    wipe_after_minutes: int | None = None  # None: the operator's default; 0: off
    discreet: bool = True
    journal_waiting_since: int | None = None  # the journal waits for something she types (see migration 0006)


class UserRepository:
    """Users' rows, with the most recently active ones kept in memory.

    One update reads her row up to three times (language, safety settings, the screen she is on); each read
    is a hop to the database thread. The bot is the only writer and every write goes through this class, so
    the copy in memory stays true; it is bounded, so 100,000 users do not all live in memory.
    """

    CACHED_USERS = 5_000

    def __init__(self, database: Database) -> None:
        self._db = database
        self._recent: Recent[str, UserState | None] = Recent(self.CACHED_USERS)  # None: known to have no row

    async def get(self, user_key: str) -> UserState | None:
        if user_key in self._recent:
            return self._recent.recall(user_key)
        rows = await self._db.connection.execute_fetchall(
            "SELECT user_key, language, screen, wipe_after_minutes, discreet, journal_waiting_since FROM users "
            "WHERE user_key = ?",
            (user_key,),
        )
        state = next((UserState(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows), None)
        self._recent.remember(user_key, state)
        return state

    def forget_cached(self, user_key: str) -> None:
        """Read her row from the database next time (rows written elsewhere: a key rotation's move)."""
        self._recent.pop(user_key, None)

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
        if user_key in self._recent:
            known = self._recent[user_key] or UserState(user_key, None, None)  # a new row has the defaults
            self._recent[user_key] = replace(known, language=language, screen=screen)

    async def set_wipe_after(self, user_key: str, minutes: int | None) -> None:
        await self._ensure(user_key)
        await self._db.connection.execute(
            "UPDATE users SET wipe_after_minutes = ? WHERE user_key = ?", (minutes, user_key)
        )
        self._recent.pop(user_key, None)  # rare: read it again when next needed

    async def set_discreet(self, user_key: str, discreet: bool) -> None:
        await self._ensure(user_key)
        await self._db.connection.execute("UPDATE users SET discreet = ? WHERE user_key = ?", (int(discreet), user_key))
        self._recent.pop(user_key, None)

    async def set_journal_waiting(self, user_key: str, since: int | None) -> None:
        await self._ensure(user_key)
        await self._db.connection.execute(
            "UPDATE users SET journal_waiting_since = ? WHERE user_key = ?", (since, user_key)
        )
        self._recent.pop(user_key, None)

    async def delete(self, user_key: str) -> None:
        await self._db.connection.execute("DELETE FROM users WHERE user_key = ?", (user_key,))
        self._recent.remember(user_key, None)

    async def count(self) -> int:
        rows = await self._db.connection.execute_fetchall("SELECT COUNT(*) FROM users")
        return int(next(iter(rows))[0])

    async def _ensure(self, user_key: str) -> None:
        now = int(time.time())
        await self._db.connection.execute(
            "INSERT OR IGNORE INTO users (user_key, created_at, updated_at) VALUES (?, ?, ?)", (user_key, now, now)
        )
