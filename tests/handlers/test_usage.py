"""Usage counts for editors: aggregate per screen, language and day; small counts hidden (counts written when
the bot stops: tests/unit/test_usage.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from tests.support.process import environment_without_bot_settings
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
    env = environment_without_bot_settings()
    env["BOT_DATA_DIR"] = str(settings.data_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    lines = {line.split()[0]: line.split()[1:] for line in stdout.decode().splitlines()[2:] if line.strip()}
    assert lines["emergency"] == ["0", "0", "5"]
    assert lines["menu"] == ["0", "0", "<5"]
