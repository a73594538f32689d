"""Usage counts for editors: aggregate per screen, language and day; small counts hidden."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys

from bot.services import Services
from bot.storage.database import Database
from tests.conftest import TEST_SECRET
from tests.support.telegram import callback_update, text_update

USER = 616161


async def test_screens_are_counted_without_anyone_in_the_rows(bot_app, services):
    app, _ = bot_app
    for _ in range(6):
        await app.process_update(text_update(app, USER, "/menu", language_code="kk"))
    await app.process_update(callback_update(app, USER, "1:s:police", language_code="kk"))
    counts = {(c.screen, c.language): c for c in await services.usage.totals(dt.date(2000, 1, 1))}
    assert counts[("menu", "kk")].views == 6 and counts[("menu", "kk")].shown == "6"
    assert counts[("police", "kk")].shown == "<5"
    async with services.database.connection.execute("SELECT * FROM screen_views") as cursor:
        rows = await cursor.fetchall()
    assert all(len(row) == 4 for row in rows)  # day, language, screen, count: nothing about who or when


async def test_stats_command_prints_counts_with_small_ones_hidden(settings, services, bot_app):
    app, _ = bot_app
    for _ in range(5):
        await app.process_update(text_update(app, USER, "/sos", language_code="en"))
    await app.process_update(text_update(app, USER, "/menu", language_code="en"))
    await services.usage.flush()  # what the bot does every minute and when it stops
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env["BOT_DATA_DIR"] = str(settings.data_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    lines = {line.split()[0]: line.split()[1:] for line in stdout.decode().splitlines()[2:] if line.strip()}
    assert lines["emergency"] == ["0", "0", "5"]
    assert lines["menu"] == ["0", "0", "<5"]


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
