"""Telegram's side of a webhook: posting the bot's updates to it, as api.telegram.org does.

While a webhook is set (setWebhook), every update of a kind the bot asked for is POSTed as JSON to the
webhook's URL, with the `X-Telegram-Bot-Api-Secret-Token` header when a secret was given. As in Telegram's
Bot API server (tdlib/telegram-bot-api, WebhookActor): one chat's updates go one at a time, the next only
after the previous was answered with a 2xx; different chats go side by side, up to max_connections at once;
an update answered otherwise (or whose connection failed) waits and is sent again — after 1 s, then twice as
long each time, up to a minute — and the failure is what getWebhookInfo reports as last_error_date and
last_error_message. An update leaves the queue only with a 2xx.

There is no TLS and no network here: `proxy` ("http://127.0.0.1:PORT", `Simulator.webhook_proxy`) stands for
the operator's TLS reverse proxy. The URL's scheme, host and port are replaced by it and its path is kept.
Without a proxy every delivery fails, as if the host could not be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .state import WebhookRec, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_RETRY = 1.0
MAX_RETRY = 60.0
REQUEST_TIMEOUT = 60.0  # how long Telegram waits for the webhook's answer (approximation)


@dataclass(frozen=True)
class Delivery:
    """One POST of an update to the webhook, as the simulator made it."""

    update_id: int
    url: str
    status: int | None  # the HTTP status; None when no answer came (connection refused, cut, timed out)
    error: str | None  # what getWebhookInfo reports for it; None for a 2xx

    @property
    def ok(self) -> bool:
        return self.error is None


class WebhookSender:
    def __init__(self, world: World) -> None:
        self.world = world
        self.proxy: str | None = None
        self.first_retry = FIRST_RETRY
        self.deliveries: list[Delivery] = []
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # update id -> its POST
        self._failures: dict[int, int] = {}  # update id -> failed attempts so far
        self._retry_at: dict[int, float] = {}  # update id -> monotonic time of its next attempt
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._running = False

    def start(self) -> None:
        if self._task is None:
            self._running = True
            self._session = aiohttp.ClientSession()
            self._task = asyncio.create_task(self._run(), name="sim-webhook")

    async def stop(self) -> None:
        # The flag too: Python 3.11's wait_for can swallow a cancellation that meets a change of the world.
        self._running = False
        self.world.notify()
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._in_flight.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while self._running:
            hook = self.world.webhook
            wait = self._send_ready(hook) if hook is not None else 3600.0
            await self.world.wait_change(wait)

    def _send_ready(self, hook: WebhookRec) -> float:
        """Start the POSTs that may go now; returns how long until a waiting one may be retried."""
        now, wait = time.monotonic(), 3600.0
        queues: set[object] = set()
        for update in list(self.world.updates):
            kind = next(k for k in update if k != "update_id")
            if kind not in self.world.allowed_updates:
                continue
            queue = _queue(update)
            if queue in queues:
                continue  # the chat's earlier update goes first
            queues.add(queue)
            update_id = update["update_id"]
            if update_id in self._in_flight:
                continue
            retry_at = self._retry_at.get(update_id, 0.0)
            if retry_at > now:
                wait = min(wait, retry_at - now)
                continue
            if len(self._in_flight) >= hook.max_connections:
                break
            self._in_flight[update_id] = asyncio.create_task(self._post(hook, update), name=f"sim-post-{update_id}")
        return wait

    async def _post(self, hook: WebhookRec, update: dict[str, Any]) -> None:
        update_id, url = update["update_id"], self._target(hook.url)
        status: int | None = None
        try:
            if url is None:
                error: str | None = "Failed to resolve host: no webhook proxy set in the simulator"
            else:
                headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
                assert self._session is not None
                timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
                async with self._session.post(url, json=update, headers=headers, timeout=timeout) as response:
                    status = response.status
                    await response.read()
                    ok = 200 <= status <= 299
                    error = None if ok else f"Wrong response from the webhook: {status} {response.reason or ''}".strip()
        except (aiohttp.ClientError, TimeoutError) as failure:
            error = f"Connection failed: {type(failure).__name__}"
        finally:
            self._in_flight.pop(update_id, None)
        self.deliveries.append(Delivery(update_id, url or hook.url, status, error))
        if error is None:
            self._failures.pop(update_id, None)
            self._retry_at.pop(update_id, None)
            self.world.updates = [u for u in self.world.updates if u["update_id"] != update_id]
        else:
            fails = self._failures[update_id] = self._failures.get(update_id, 0) + 1
            self._retry_at[update_id] = time.monotonic() + min(self.first_retry * 2 ** (fails - 1), MAX_RETRY)
            hook.last_error_date, hook.last_error_message = self.world.clock.now(), error
        self.world.notify()

    def _target(self, url: str) -> str | None:
        """Where the proxy forwards the webhook's URL: its path (and query), on the proxy's address."""
        if self.proxy is None:
            return None
        public, proxy = urlsplit(url), urlsplit(self.proxy)
        return urlunsplit((proxy.scheme, proxy.netloc, public.path or "/", public.query, ""))


def _queue(update: dict[str, Any]) -> object:
    """Updates of one chat share a queue; an update without a chat has its own."""
    payload = next(value for key, value in update.items() if key != "update_id")
    if isinstance(payload, dict):
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", sender["id"])
    return ("update", update["update_id"])
