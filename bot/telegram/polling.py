"""Long polling that confirms an update only after it was handled, and handles different chats at once.

python-telegram-bot's Updater confirms a batch of updates (by asking for the next offset) as soon as it has
fetched it, before the handlers ran; a crash then loses the updates still waiting in its queue — a
survivor's message among them. Here a batch is confirmed only after every update in it was handled, so after
a crash Telegram sends them again; handlers are written to be safe to run twice (the relay outbox ignores a
message it already has).

Within a batch, the updates of different private chats are handled at the same time (one slow answer does
not hold up the others), the updates of one chat strictly in order. Anything else — the advocates' group,
an update without a chat — is handled alone, after what came before it and before what comes after it, so
the desk never sees a case change under its feet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.constants import ChatType
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
        if updates:
            await handle_batch(application, updates)
            offset = updates[-1].update_id + 1


async def handle_batch(application: Application, updates: Sequence[Update]) -> None:
    """Handle a batch: private chats side by side, each chat in order, everything else alone.

    Errors inside handlers go to the error handler and the update counts as handled. An exception that
    escapes `process_update` is raised after the rest of the batch was handled, never by cancelling it.
    """
    failures: list[BaseException] = []
    lanes: dict[int, list[Update]] = {}
    for update in updates:
        chat_id = private_chat_id(update)
        if chat_id is not None:
            lanes.setdefault(chat_id, []).append(update)
            continue
        failures += await _run_lanes(application, lanes)  # everything before it first
        lanes = {}
        failures += await _run_lanes(application, {0: [update]})
    failures += await _run_lanes(application, lanes)
    if failures:
        raise failures[0]


def private_chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return chat.id
    return None


async def _run_lanes(application: Application, lanes: dict[int, list[Update]]) -> list[BaseException]:
    failures: list[BaseException] = []

    async def in_order(lane: list[Update]) -> None:
        for update in lane:
            try:
                await application.process_update(update)
            except Exception as error:  # raised by handle_batch once the whole batch is done
                failures.append(error)

    await asyncio.gather(*(in_order(lane) for lane in lanes.values()))
    return failures


async def _confirm(application: Application, offset: int | None) -> None:
    """On a clean stop, tell Telegram what was handled, so the next start does not handle it again."""
    if offset is None:
        return
    with contextlib.suppress(Exception):
        await application.bot.get_updates(offset=offset, timeout=0, limit=1, read_timeout=5)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
