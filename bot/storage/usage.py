"""Aggregate screen counts for editors: per screen, language and day, never per person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.content.i18n import ALMATY
from bot.storage.database import Database

SMALL = 5  # counts below this are shown as "<5": a handful of views can point at one person


@dataclass(frozen=True)
class ScreenCount:
    screen: str
    language: str
    views: int

    @property
    def shown(self) -> str:
        return f"<{SMALL}" if self.views < SMALL else str(self.views)


class UsageRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def count(self, screen: str, language: str, now: dt.datetime | None = None) -> None:
        day = (now or dt.datetime.now(dt.UTC)).astimezone(ALMATY).date().isoformat()
        await self._db.connection.execute(
            """INSERT INTO screen_views (day, language, screen, views) VALUES (?, ?, ?, 1)
               ON CONFLICT (day, language, screen) DO UPDATE SET views = views + 1""",
            (day, language, screen),
        )

    async def totals(self, since: dt.date) -> list[ScreenCount]:
        """Views per screen and language since a day, most viewed first."""
        async with self._db.connection.execute(
            """SELECT screen, language, SUM(views) FROM screen_views WHERE day >= ?
               GROUP BY screen, language ORDER BY SUM(views) DESC, screen, language""",
            (since.isoformat(),),
        ) as cursor:
            return [ScreenCount(row[0], row[1], int(row[2])) for row in await cursor.fetchall()]
