"""Usage counts for editors, in the services: counts still in memory are written when the bot stops (the
counts through the handlers, and `python -m bot stats`: tests/handlers/test_usage.py)."""

from __future__ import annotations

from bot.services import Services
from bot.storage.database import Database
from tests.support.application import TEST_SECRET

USER = 616161


async def test_counts_not_yet_written_reach_the_database_when_the_bot_stops(settings, content):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    running = await Services.open(settings, content, TEST_SECRET)
    for _ in range(3):
        await running.guide.open(USER, "kk", "police")
    await running.close()

    database = await Database.open(settings.database_path)
    try:
        rows = await database.connection.execute_fetchall("SELECT screen, language, views FROM screen_views")
    finally:
        await database.close()
    assert list(rows) == [("police", "kk", 3)]
