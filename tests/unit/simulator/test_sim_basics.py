"""getMe, the update queue, long polling, tokens and unknown methods, through PTB 22.8."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import Conflict, EndPointNotFound, InvalidToken
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.simulator import DEFAULT_TOKEN, Simulator


async def test_get_me(bot: Bot, sim: Simulator) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "test_help_bot" and me.id == sim.bot_id
    assert me.can_join_groups is True and me.can_read_all_group_messages is False


async def test_text_arrives_through_get_updates(sim: Simulator, bot: Bot) -> None:
    user = sim.add_user(first_name="Aigerim", language_code="kk", username="aigerim_k")
    sent = await user.send_text("/start")
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start" and message.message_id == sent.message_id
    assert message.chat.id == user.id == message.from_user.id and message.chat.type == "private"
    assert message.from_user.language_code == "kk" and message.from_user.is_bot is False
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 6)]
    assert abs(message.date.timestamp() - time.time()) < 5  # seconds, not milliseconds

    # Without an offset the update is delivered again; the offset confirms it.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert sim.pending_updates == []


async def test_long_poll_returns_as_soon_as_an_update_arrives(sim: Simulator, bot: Bot) -> None:
    user = sim.add_user(first_name="Dana", language_code="ru")
    await user.send_text("/start")
    first = await bot.get_updates(timeout=1)
    poll = asyncio.create_task(bot.get_updates(offset=first[-1].update_id + 1, timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    started = time.monotonic()
    await user.send_text("hello")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates] == ["hello"]


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_limit_and_allowed_updates(sim: Simulator, bot: Bot) -> None:
    user = sim.add_user(first_name="Aruzhan")
    for text in ("one", "two", "three"):
        await user.send_text(text)
    updates = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in updates] == ["one", "two"]
    # Asking only for callback queries drops the pending messages, as Telegram does.
    assert await bot.get_updates(timeout=0, allowed_updates=[Update.CALLBACK_QUERY]) == ()
    await user.send_text("four")
    assert await bot.get_updates(timeout=0) == ()


async def test_second_get_updates_ends_the_first_with_conflict(
    sim: Simulator, bot: Bot, make_bot: Callable[..., Bot]
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with make_bot() as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await asyncio.wait_for(first, 3)
    assert "terminated by other getUpdates request" in sim.calls_to("getUpdates")[0].response["description"]


async def test_wrong_token_is_401(sim: Simulator, make_bot: Callable[..., Bot]) -> None:
    wrong = "7000000001:AAHwrongTokenxxxxxxxxxxxxxxxxxxxxxxx"
    with pytest.raises(InvalidToken):
        async with make_bot(token=wrong):
            pass
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sim.base_url}/bot{wrong}/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_404(sim: Simulator, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{sim.base_url}/bot{DEFAULT_TOKEN}/sendTelepathy")
        assert response.status_code == 404
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        # Method names are case-insensitive; a JSON body works as well as form fields.
        response = await client.post(f"{sim.base_url}/bot{DEFAULT_TOKEN}/GETME", json={})
        assert response.json()["result"]["username"] == "test_help_bot"


async def test_forward_message_exists_but_sets_forward_origin(sim: Simulator, bot: Bot) -> None:
    user = sim.add_user(first_name="Aigerim")
    sent = await user.send_text("/start")
    forwarded = await bot.forward_message(user.id, from_chat_id=user.id, message_id=sent.message_id)
    assert forwarded.forward_origin is not None and forwarded.forward_origin.type == "user"
    assert sim.calls_to("forwardMessage")[-1].ok


async def test_a_real_application_polls_and_replies(sim: Simulator) -> None:
    """The way the bot runs: PTB's Application with long polling, against the simulator."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "<b>Hello</b>", parse_mode="HTML")

    app = (
        Application.builder()
        .token(DEFAULT_TOKEN)
        .base_url(f"{sim.base_url}/bot")
        .base_file_url(sim.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            user = sim.add_user(first_name="Aigerim", language_code="kk")
            await user.send_text("/start")
            reply = await user.wait_reply(timeout=5)
            assert reply.html == "<b>Hello</b>" and reply.from_bot
        finally:
            await app.updater.stop()
            await app.stop()
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= {c.method for c in sim.calls}
    assert all(not c.ignored for c in sim.calls), [c for c in sim.calls if c.ignored]
