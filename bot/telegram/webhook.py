"""Webhook mode: Telegram posts every update to the bot, which keeps it on disk before saying "received".

A request without the exact secret header (`X-Telegram-Bot-Api-Secret-Token`, compared in constant time) is
answered 403 and nothing of it is read; a body that is not an update is answered 400 and nothing is stored.
A good update is sealed into the inbox and committed (bot/storage/inbox.py) *before* the 200: Telegram
forgets an update once it has its 200, so a crash after that moment must find it on disk. It is then handed
to the same Dispatcher as polling (bot/telegram/polling.py): one chat's updates strictly in order, different
chats side by side. Telegram itself sends a chat's next update only after the previous one got its 200, so
handing updates over in the order they are committed keeps each chat's order. Once handled, an update is
deleted from the inbox; one Telegram posts again after that (its 200 was lost) is answered 200 and not
handled twice. At start, what a crash left in the inbox is begun first, in update_id order, before the
server listens. After an update the journal marked (`bot_data.scrub_updates`: what she typed into the
journal — a PIN, an entry, her plan, a statement's detail) the write-ahead log is checkpointed too, so not
even its sealed body stays in the -wal file.

The bot listens on plain HTTP (BOT_WEBHOOK_LISTEN, loopback by default); a TLS reverse proxy in front of it
serves the public https URL and forwards only its path here. Honest limit: a crash after an update was
handled and before its row was deleted handles it again at the next start, as polling does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.storage.database import WritesLost
from bot.storage.inbox import NotCommitted, UpdateInbox
from bot.telegram.context import BotApplication
from bot.telegram.polling import Dispatcher, Durability

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHECK_SECONDS = 60  # how often getWebhookInfo asks Telegram how delivery goes (and counts as contact)
MAX_DELAY = 30.0  # between attempts to register the webhook while the Bot API is unreachable
REFUSED_LOG_SECONDS = 60  # forged requests are logged at most once a minute, with a count
FORGET_DONE_SECONDS = 3600  # how often the ids of handled updates older than a day are dropped


class WebhookRefused(Exception):
    """Telegram refused setWebhook (a URL it cannot use); the message is Telegram's own description."""


class Webhook:
    """The webhook's request handler, its inbox and its conversation with Telegram about the webhook."""

    def __init__(
        self,
        application: BotApplication,
        inbox: UpdateInbox,
        *,
        url: str,
        path: str,
        secret: str,
        allowed_updates: list[str],
        max_connections: int,
        durable: Durability | None = None,
        checkpoint: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._application = application
        self._checkpoint = checkpoint
        application.bot_data.scrub_updates = set()  # the journal marks updates that may carry her details
        self._inbox = inbox
        self._url, self._path = url, path
        self._secret = secret.encode("ascii")
        self._allowed_updates = allowed_updates
        self._max_connections = max_connections
        self._metrics = application.bot_data.metrics
        self.dispatcher = Dispatcher(application, on_handled=self._handled, durable=durable)
        self._refused, self._refused_logged_at = 0, 0.0
        self.problem: str | None = None  # what Telegram last reported about delivering to us

    def routes(self) -> list[web.RouteDef]:
        return [web.post(self._path, self._receive)]

    # ------------------------------------------------------------------------------------- receiving

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            self._metrics.webhook_request("forbidden")
            self._note_refused()
            return web.Response(status=403)
        body = await request.read()
        update = self._parse(body)
        if update is None:
            self._metrics.webhook_request("malformed")
            log.warning("webhook request is not an update status=400")
            return web.Response(status=400)
        try:
            stored = await self._inbox.add(update.update_id, body)
        except (sqlite3.Error, OSError, NotCommitted, WritesLost) as error:  # not on disk: Telegram will send it again
            log.error("webhook update not stored update_id=%d error=%s", update.update_id, type(error).__name__)
            return web.Response(status=503)
        self._metrics.contact()
        if not stored:
            self._metrics.webhook_request("repeated")
            log.info("webhook update received again, not handled twice update_id=%d", update.update_id)
            return web.Response()
        self._metrics.webhook_request("accepted")
        self.dispatcher.begin(update)  # before the 200: Telegram posts this chat's next update only after it
        return web.Response()

    def _parse(self, body: bytes) -> Update | None:
        try:
            data: Any = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int or data["update_id"] < 0:
                return None
            return Update.de_json(data, self._application.bot)
        except Exception:  # not JSON, or not the shape of an update: nothing of it is kept
            return None

    def _note_refused(self) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._refused_logged_at >= REFUSED_LOG_SECONDS:
            log.warning("webhook requests without the right secret refused status=403 count=%d", self._refused)
            self._refused, self._refused_logged_at = 0, now

    async def _handled(self, update_id: int) -> None:
        try:
            await self._inbox.done(update_id)
        except (sqlite3.Error, OSError) as error:  # left in the inbox: handled again at the next start
            log.error("handled update left in the inbox update_id=%d error=%s", update_id, type(error).__name__)
            return
        scrub = self._application.bot_data.scrub_updates
        if scrub is not None and update_id in scrub:
            scrub.discard(update_id)
            await self._scrub()

    async def _scrub(self) -> None:
        """An update that may carry a statement's detail (her name, her address) was handled: its inbox row is
        deleted and overwritten, but the row's earlier pages, sealed, stay in the write-ahead log until a
        checkpoint copies the log into the database and empties it. Done now, not at SQLite's next automatic
        checkpoint, so that a copy of the data folder taken after she made her draft holds nothing of it."""
        if self._checkpoint is None:
            return
        try:
            await self._checkpoint()
        except (sqlite3.Error, OSError) as error:  # SQLite's own checkpoints will get there later
            log.warning("checkpoint after a private update failed error=%s", type(error).__name__)

    # ----------------------------------------------------------------------------------- the inbox

    async def recover(self) -> int:
        """Begin what a crash left in the inbox, oldest first; returns how many."""
        waiting = await self._inbox.waiting()
        for item in waiting:
            update = self._parse(item.body)
            if update is None or update.update_id != item.update_id:
                log.error("inbox update cannot be read, dropped update_id=%d", item.update_id)
                await self._inbox.done(item.update_id)
                continue
            self.dispatcher.begin(update)
        if waiting:
            log.info("inbox updates left by the last run are being handled count=%d", len(waiting))
        return len(waiting)

    # ------------------------------------------------------------------------ talking to Telegram

    async def register(self, stop: asyncio.Event) -> bool:
        """setWebhook, retried while the Bot API is unreachable; False if stopped first. Raises WebhookRefused."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self._application.bot.set_webhook(
                    self._url,
                    secret_token=self._secret.decode("ascii"),
                    allowed_updates=self._allowed_updates,
                    max_connections=self._max_connections,
                    drop_pending_updates=False,
                )
            except BadRequest as error:
                raise WebhookRefused(error.message) from None
            except (NetworkError, TimedOut) as error:
                log.warning("cannot register the webhook error=%s retry_in=%.0fs", type(error).__name__, delay)
                await _sleep(stop, delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            self._metrics.contact()
            return True
        return False

    async def check(self) -> None:
        """Ask Telegram how delivery goes: contact in the silence, and a problem for /healthz if any."""
        try:
            info = await self._application.bot.get_webhook_info()
        except InvalidToken:
            raise
        except TelegramError as error:
            log.warning("webhook check failed error=%s", type(error).__name__)
            return
        self._metrics.contact()
        problem = None
        if info.url != self._url:
            problem = "telegram: the webhook it has is not this bot's URL (changed or deleted meanwhile)"
        elif info.last_error_date is not None and info.pending_update_count > 0:
            since = time.time() - info.last_error_date.timestamp()
            if since < 2 * CHECK_SECONDS:
                problem = (
                    f"telegram: cannot deliver updates ({info.pending_update_count} waiting): "
                    f"{(info.last_error_message or 'no reason given')[:120]}"
                )
        if problem != self.problem:
            (log.warning if problem else log.info)("webhook check problem=%s", problem or "none")
        self.problem = problem

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: checks with Telegram now and then; raises an error that escaped a handler."""
        next_check = next_forget = time.monotonic()
        while not stop.is_set():
            if self.dispatcher.failures:
                raise self.dispatcher.failures[0]
            now = time.monotonic()
            if now >= next_check:
                await self.check()
                next_check = now + CHECK_SECONDS
            if now >= next_forget:
                with contextlib.suppress(sqlite3.Error):
                    await self._inbox.forget_old()
                next_forget = now + FORGET_DONE_SECONDS
            await _sleep(stop, 1.0)

    async def finish(self) -> None:
        """After the server stopped listening: let every update begun finish (a stop waits for them)."""
        await self.dispatcher.drain()
        if self.dispatcher.failures:
            raise self.dispatcher.failures[0]


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
