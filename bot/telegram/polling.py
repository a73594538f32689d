"""Long polling that confirms an update only after it was handled.

python-telegram-bot's Updater confirms a batch of updates (by asking for the next offset) as soon as it has
fetched it, before the handlers ran; a crash then loses the updates still waiting in its queue — a
survivor's message among them. Here an update is confirmed only after `process_update` returned, so after a
crash Telegram sends it again; handlers are written to be safe to run twice (the relay outbox ignores a
message it already has).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates request open when there is nothing new
MAX_DELAY = 10.0  # after an outage, answer within seconds of the network coming back


async def poll(application: Application, stop: asyncio.Event, allowed_updates: list[str]) -> None:
    offset: int | None = None
    delay = 1.0
    while True:
        if stop.is_set():
            await _confirm(application, offset)
            return
        fetch = asyncio.create_task(
            application.bot.get_updates(
                offset=offset,
                timeout=POLL_TIMEOUT,
                allowed_updates=allowed_updates,
                read_timeout=POLL_TIMEOUT + 10,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()  # stopping: what was not fetched stays with Telegram
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            await _confirm(application, offset)
            return
        try:
            updates = fetch.result()
            delay = 1.0
        except TimedOut:
            continue
        except RetryAfter as error:
            await _sleep(stop, float(error.retry_after if isinstance(error.retry_after, int) else 1))
            continue
        except InvalidToken:
            raise
        except (Conflict, NetworkError) as error:
            log.warning("polling failed error=%s retry_in=%.0fs", type(error).__name__, delay)
            await _sleep(stop, delay)
            delay = min(delay * 2, MAX_DELAY)
            continue
        for update in updates:
            # Errors inside handlers go to the error handler; the update counts as handled.
            await application.process_update(update)
            offset = update.update_id + 1


async def _confirm(application: Application, offset: int | None) -> None:
    """On a clean stop, tell Telegram what was handled, so the next start does not handle it again."""
    if offset is None:
        return
    with contextlib.suppress(Exception):
        await application.bot.get_updates(offset=offset, timeout=0, limit=1, read_timeout=5)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
