"""The automatic wipe is looked for every BOT_WIPE_CHECK_SECONDS, however long the wipe time itself is: with
the longest setting (47 hours) a chat due for its wipe must not wait another 47 hours for the next look —
by then Telegram no longer lets the bot delete anything (48 hours)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application, ContextTypes

from bot.content.store import ContentStore
from bot.services import Services
from bot.telegram import handlers
from tests.support.application import TEST_SECRET, offline_settings, running_application
from tests.support.telegram import RecordingRequest, text_update

USER = 777888999
LONGEST_WIPE = 47 * 3600
CHECK_EVERY = 1
GENEROUS = 30  # seconds to wait for a look due every CHECK_EVERY; with the wipe time as interval: 47 hours


class Checks:
    """Counts the automatic wipe's looks, each one once it is done."""

    def __init__(self) -> None:
        self.done = asyncio.Event()

    async def next(self) -> None:
        self.done.clear()
        try:
            await asyncio.wait_for(self.done.wait(), timeout=GENEROUS)
        except TimeoutError:
            raise AssertionError(
                f"no look for due wipes within {GENEROUS} s, expected one every {CHECK_EVERY} s"
            ) from None


@pytest.fixture
async def running(
    tmp_path: Path, content: ContentStore, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Application, RecordingRequest, Services, Checks]]:
    settings = offline_settings(tmp_path / "data", auto_wipe_seconds=LONGEST_WIPE, wipe_check_seconds=CHECK_EVERY)
    settings.data_dir.mkdir(parents=True)
    services = await Services.open(settings, content, TEST_SECRET)
    checks = Checks()
    real_auto_wipe = handlers.auto_wipe

    async def auto_wipe(context: ContextTypes.DEFAULT_TYPE) -> None:
        await real_auto_wipe(context)
        checks.done.set()

    monkeypatch.setattr(handlers, "auto_wipe", auto_wipe)  # the same job, observed
    request = RecordingRequest()
    try:
        async with running_application(settings, services, request, start=True) as application:  # the job queue
            yield application, request, services, checks
    finally:
        await services.close()


async def test_a_chat_due_after_47_hours_is_wiped_at_the_next_check_not_47_hours_later(running):
    app, request, services, checks = running
    await app.process_update(text_update(app, USER, "/start", language_code="kk"))
    hers_and_the_bots = set(await services.safety.messages_to_delete(USER))
    assert len(hers_and_the_bots) == 2

    await checks.next()
    assert "deleteMessages" not in request.methods()  # a look, and nothing due yet

    services.safety.clock = lambda: time.time() + LONGEST_WIPE + 1  # 47 hours later: her wipe is due
    await checks.next()
    await checks.next()  # a look that surely began after the clock moved
    deleted = {i for call in request.calls if call.method == "deleteMessages" for i in call.params["message_ids"]}
    assert deleted == hers_and_the_bots
