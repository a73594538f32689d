"""Aggregate screen counts for editors: per screen, language and day, never per person.

Counts are gathered in memory and written together (`flush`, every minute and at shutdown): a count is not
worth a disk write on every tap. A crash loses at most the last minute of counts, never anything of hers.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass

from bot.storage.database import Database
from bot.timezone import ALMATY

log = logging.getLogger(__name__)

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
        self._pending: Counter[tuple[str, str, str]] = Counter()

    def count(self, screen: str, language: str, now: dt.datetime | None = None) -> None:
        day = (now or dt.datetime.now(dt.UTC)).astimezone(ALMATY).date().isoformat()
        self._pending[(day, language, screen)] += 1

    async def flush(self) -> None:
        """Write the counts gathered so far in one go; on a failure keep them for the next try."""
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()
        try:
            await self._db.connection.executemany(
                """INSERT INTO screen_views (day, language, screen, views) VALUES (?, ?, ?, ?)
                   ON CONFLICT (day, language, screen) DO UPDATE SET views = views + excluded.views""",
                [(day, language, screen, views) for (day, language, screen), views in pending.items()],
            )
        except sqlite3.Error as error:
            self._pending.update(pending)
            log.warning("usage counts not written yet error=%s", type(error).__name__)

    async def totals(self, since: dt.date) -> list[ScreenCount]:
        """Views per screen and language since a day, most viewed first."""
        await self.flush()
        async with self._db.connection.execute(
            """SELECT screen, language, SUM(views) FROM screen_views WHERE day >= ?
               GROUP BY screen, language ORDER BY SUM(views) DESC, screen, language""",
            (since.isoformat(),),
        ) as cursor:
            return [ScreenCount(row[0], row[1], int(row[2])) for row in await cursor.fetchall()]
