"""Long polling that confirms an update only after it was handled, and handles different chats at once.

python-telegram-bot's Updater confirms updates (by asking for the next offset) as soon as it has fetched
them, before the handlers ran; a crash then loses the updates still waiting in its queue — a survivor's
message among them. Here the offset sent to Telegram never passes an update that is still being handled, so
after a crash Telegram sends it again; handlers are written to be safe to run twice (the relay outbox
ignores a message it already has).

Updates start as soon as they are fetched. The updates of one private chat run strictly in order; those of
different chats side by side, so a slow answer (a PDF export, a large file) holds up nobody else. Anything
else — the advocates' group, an update without a chat — runs alone, after everything fetched before it and
before everything fetched after it, so the desk never sees a case change under its feet.

The webhook (bot/telegram/webhook.py) hands its updates to the same Dispatcher, so both modes keep one
ordering; it is also where each update is counted and timed for the metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.metrics import OTHER_KIND, UPDATE_KINDS
from bot.telegram.context import BotApplication
from bot.telegram.http import UpdatesRequest

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates request open when there is nothing new
MAX_DELAY = 10.0  # after an outage, answer within seconds of the network coming back
# While updates are being handled, Telegram answers getUpdates at once (the unconfirmed ones are still
# there), so the loop asks again when one finishes, or after this pause.
BUSY_POLL_SECONDS = 0.05


class Durability(Protocol):
    """What the dispatcher needs of the database (bot.storage.database.Database)."""

    @property
    def epoch(self) -> int: ...

    async def durable(self, since: int | None = None) -> None: ...


class Dispatcher:
    """Starts updates in the right order and knows the offset that confirms only finished ones.

    `durable.durable(since=…)` runs after each update's handling and before anything counts it as done: the
    database's group commit (bot/storage/database.py), so an update is confirmed only once what it wrote is on
    disk — and never if a failed statement rolled back a group it may have written in (`WritesLost`).
    `on_handled(update_id)` runs after that (the webhook deletes it from its inbox there).
    """

    def __init__(
        self,
        application: BotApplication,
        on_handled: Callable[[int], Awaitable[None]] | None = None,
        durable: Durability | None = None,
    ) -> None:
        self._application = application
        self._metrics = application.bot_data.metrics
        self._on_handled = on_handled
        self._durable = durable
        self._running: dict[int, asyncio.Task[None]] = {}  # update id -> its task, until finished
        self._chat_tail: dict[int, asyncio.Task[None]] = {}  # the last task started for each private chat
        self._alone: asyncio.Task[None] | None = None  # the last task that must run alone
        self._highest: int | None = None  # the highest update id started
        self._finished = asyncio.Event()
        self.failures: list[Exception] = []
        self._not_durable: set[int] = set()  # handled, but what they wrote did not reach the disk

    @property
    def busy(self) -> bool:
        return bool(self._running)

    @property
    def started_through(self) -> int | None:
        """The highest update id begun so far (Telegram's repeats of these are not begun again)."""
        return self._highest

    @property
    def offset(self) -> int | None:
        """What to confirm: everything below the oldest update still running or whose writes did not reach the
        disk (or all that was started)."""
        if self._running or self._not_durable:
            return min((*self._running, *self._not_durable))
        return None if self._highest is None else self._highest + 1

    def start(self, updates: Sequence[Update]) -> int:
        """Start the updates not started before (Telegram sends unconfirmed ones again); returns how many."""
        started = 0
        for update in updates:
            if self._highest is not None and update.update_id <= self._highest:
                continue
            self.begin(update)
            started += 1
        return started

    def begin(self, update: Update) -> None:
        """Start one update now: after the updates of its chat (and anything that runs alone) begun before it,
        beside those of other chats. The caller makes sure an update is begun once."""
        self._highest = update.update_id if self._highest is None else max(self._highest, update.update_id)
        chat_id = private_chat_id(update)
        if chat_id is None:
            after = list(self._running.values())
        else:
            after = [t for t in (self._chat_tail.get(chat_id), self._alone) if t is not None and not t.done()]
        task = asyncio.create_task(self._handle(update, after, time.perf_counter()), name=f"update-{update.update_id}")
        self._running[update.update_id] = task
        if chat_id is None:
            self._alone = task
        else:
            self._chat_tail[chat_id] = task

    async def wait_for_progress(self, seconds: float) -> None:
        """Until the offset moves on (the oldest running update finished), or `seconds` pass."""
        loop = asyncio.get_running_loop()
        deadline, offset = loop.time() + seconds, self.offset
        while self.offset == offset and (remaining := deadline - loop.time()) > 0:
            self._finished.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finished.wait(), timeout=remaining)

    async def drain(self) -> None:
        """Until everything started has finished."""
        while self._running:
            await asyncio.wait(list(self._running.values()))

    async def _handle(self, update: Update, after: list[asyncio.Task[None]], begun: float) -> None:
        try:
            if after:
                await asyncio.wait(after)
            epoch = self._durable.epoch if self._durable is not None else None
            # Errors inside handlers go to the error handler; the update counts as handled.
            await self._application.process_update(update)
            if self._durable is not None:
                # A COMMIT that failed, or a group lost with a failed statement, raises here: the update stays
                # unconfirmed (even by the stop's last confirmation), so Telegram sends it again after the
                # restart, and the loop stops.
                try:
                    await self._durable.durable(since=epoch)
                except Exception:
                    self._not_durable.add(update.update_id)
                    raise
            self._metrics.handled(update_kind(update), time.perf_counter() - begun)
            if self._on_handled is not None:
                await self._on_handled(update.update_id)
        except Exception as error:  # escaped PTB's error handling: the poll loop raises it
            self.failures.append(error)
        finally:
            del self._running[update.update_id]
            chat_id = private_chat_id(update)
            if chat_id is not None and self._chat_tail.get(chat_id) is asyncio.current_task():
                del self._chat_tail[chat_id]
            self._finished.set()


def update_kind(update: Update) -> str:
    """The kind of an update, for the metrics: one of the kinds the bot asks Telegram for, or "other"."""
    return next((kind for kind in UPDATE_KINDS if getattr(update, kind) is not None), OTHER_KIND)


def private_chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return chat.id
    return None


async def handle_batch(application: BotApplication, updates: Sequence[Update]) -> None:
    """Handle a batch to the end (for tests and tools); an error that escaped PTB is raised afterwards."""
    dispatcher = Dispatcher(application)
    dispatcher.start(updates)
    await dispatcher.drain()
    if dispatcher.failures:
        raise dispatcher.failures[0]


async def poll(
    application: BotApplication,
    stop: asyncio.Event,
    allowed_updates: list[str],
    durable: Durability | None = None,
) -> None:
    dispatcher = Dispatcher(application, durable=durable)
    # The long poll's request object drops the repeats of running updates before PTB parses them.
    updates_request = next((r for r in application.bot_data.http if isinstance(r, UpdatesRequest)), None)
    delay = 1.0
    try:
        while not stop.is_set():
            if dispatcher.failures:
                raise dispatcher.failures[0]
            busy = dispatcher.busy
            if updates_request is not None:
                updates_request.started_through = dispatcher.started_through
            fetch = asyncio.create_task(
                application.bot.get_updates(
                    offset=dispatcher.offset,
                    timeout=0 if busy else POLL_TIMEOUT,
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
                break
            try:
                updates = fetch.result()
                delay = 1.0
                application.bot_data.metrics.contact()
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
            dispatcher.start(updates)
            if dispatcher.busy:
                # Telegram would send the unfinished updates again at once: ask again only when the oldest
                # has finished (there is something to confirm) or after a short pause (for newcomers).
                await dispatcher.wait_for_progress(BUSY_POLL_SECONDS)
    finally:
        # What was started is finished (a stop waits for it), then confirmed, so it is not handled again.
        await dispatcher.drain()
        await _confirm(application, dispatcher.offset)
    if dispatcher.failures:
        raise dispatcher.failures[0]


async def _confirm(application: BotApplication, offset: int | None) -> None:
    """On a clean stop, tell Telegram what was handled, so the next start does not handle it again."""
    if offset is None:
        return
    with contextlib.suppress(Exception):
        await application.bot.get_updates(offset=offset, timeout=0, limit=1, read_timeout=5)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
