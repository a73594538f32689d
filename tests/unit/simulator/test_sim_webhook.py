"""setWebhook, deleteWebhook and getWebhookInfo, and the updates the simulator then posts, through PTB 22.8.

A small aiohttp server on 127.0.0.1 plays the bot's webhook; `sim.webhook_proxy` points the simulator's posts
at it, as the operator's TLS proxy would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.simulator import Simulator

URL = "https://bot.example.org/telegram/hook"
SECRET = "s3cret_token-" + "x" * 24


@dataclass
class Receiver:
    """The bot's side: records each post; answers with `statuses` in turn (then 200)."""

    port: int = 0
    posts: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)  # path, secret, update
    statuses: list[int] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posts.append((request.path, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def texts(self) -> list[str]:
        return [update["message"]["text"] for _path, _secret, update in self.posts if "message" in update]


@pytest.fixture
async def receiver(sim: Simulator) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{path:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.port = int(runner.addresses[0][1])
    sim.webhook_proxy = f"http://127.0.0.1:{receiver.port}"
    sim.server.webhook.first_retry = 0.05  # retries within the test's patience
    yield receiver
    await runner.cleanup()


async def test_updates_are_posted_with_the_secret_to_the_urls_path_and_leave_the_queue_on_200(
    sim: Simulator, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(URL, secret_token=SECRET, allowed_updates=["message"], max_connections=5)
    user = sim.add_user(first_name="Aigerim", language_code="kk")
    await user.send_text("/start")
    await sim.wait_until(lambda: receiver.posts and not sim.pending_updates)
    path, secret, update = receiver.posts[0]
    assert (path, secret) == ("/telegram/hook", SECRET)
    assert update["message"]["text"] == "/start" and update["message"]["chat"]["id"] == user.id
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.max_connections) == (URL, 0, 5)
    assert info.last_error_date is None


async def test_a_refused_post_is_sent_again_and_reported_by_get_webhook_info(
    sim: Simulator, bot: Bot, receiver: Receiver
) -> None:
    receiver.statuses = [403, 500]
    await bot.set_webhook(URL, secret_token=SECRET)
    user = sim.add_user(first_name="Dana", language_code="ru")
    await user.send_text("hello")
    await sim.wait_until(lambda: len(receiver.posts) == 3 and not sim.pending_updates)
    assert receiver.texts() == ["hello", "hello", "hello"]
    assert [d.status for d in sim.webhook_deliveries] == [403, 500, 200]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_one_chats_updates_go_one_at_a_time_in_order(sim: Simulator, bot: Bot, receiver: Receiver) -> None:
    receiver.statuses = [502]  # the first is refused once: the second must wait for it
    await bot.set_webhook(URL, secret_token=SECRET)
    user = sim.add_user(first_name="Dana", language_code="ru")
    await user.send_text("first")
    await user.send_text("second")
    await sim.wait_until(lambda: not sim.pending_updates)
    assert receiver.texts() == ["first", "first", "second"]


async def test_get_updates_is_refused_while_a_webhook_is_set_and_works_again_after_delete_webhook(
    sim: Simulator, bot: Bot
) -> None:
    await bot.set_webhook(URL, secret_token=SECRET)  # no proxy: nothing can be delivered
    user = sim.add_user(first_name="Aigerim", language_code="kk")
    await user.send_text("/start")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    await sim.wait_until(lambda: sim.webhook_deliveries)  # tried, and failed
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message
    assert await bot.delete_webhook(drop_pending_updates=False)
    updates = await bot.get_updates(timeout=0)  # the update waited: switching back loses nothing
    assert [u.message.text for u in updates if u.message] == ["/start"]
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.parametrize(
    ("url", "secret", "expected"),
    [
        ("http://bot.example.org/hook", SECRET, "An HTTPS URL must be provided for webhook"),
        ("https://bot.example.org:9000/hook", SECRET, "Webhook can be set up only on ports 80, 88, 443 or 8443"),
        (URL, "has spaces in it", "secret token contains unallowed characters"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    bot: Bot, description: Callable[[str], str], url: str, secret: str, expected: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook(url, secret_token=secret)
    assert expected in description("setWebhook")


async def test_a_waiting_get_updates_ends_when_a_webhook_is_set(sim: Simulator, bot: Bot, make_bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await sim.wait_until(lambda: sim.world.poller is not None)
    async with make_bot() as other:
        await other.set_webhook(URL, secret_token=SECRET)
    with pytest.raises(Conflict):
        await asyncio.wait_for(poll, 5)
