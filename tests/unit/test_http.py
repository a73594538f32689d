"""The aiohttp transport to the Bot API: same answers as PTB's own, and failures as PTB's own errors."""

from __future__ import annotations

import asyncio
import io

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.simulator import DEFAULT_TOKEN, Simulator
from bot.telegram.http import AiohttpRequest, UpdatesRequest


def bot_at(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(DEFAULT_TOKEN, base_url=f"{base_url}/bot", base_file_url=f"{base_url}/file/bot", request=request)


async def test_messages_and_files_travel_both_ways():
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="kk")
        await user.send_text("/start")  # a bot may not write first
        async with bot_at(sim.base_url, AiohttpRequest()) as bot:
            assert (await bot.get_me()).id == sim.world.bot.id
            await bot.send_message(user.chat_id, "<b>Сәлем</b> ә ғ қ ң", parse_mode="HTML")
            await bot.send_document(user.chat_id, io.BytesIO(b"%PDF-1.4 export"), filename="journal.pdf")
            text, document = user.bot_messages()[-2:]
            assert text.text == "Сәлем ә ғ қ ң" and text.html == "<b>Сәлем</b> ә ғ қ ң"
            assert document.media == "document" and document.raw["document"]["file_name"] == "journal.pdf"
            file = await bot.get_file(document.file_ids[0])
            assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 export"


async def test_a_server_that_does_not_answer_in_time_is_a_timeout():
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{DEFAULT_TOKEN}/getMe")
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_a_server_that_cannot_be_reached_is_a_network_error():
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:9/bot{DEFAULT_TOKEN}/getMe")  # nothing listens on port 9
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


async def test_the_long_poll_drops_updates_already_running_before_they_are_parsed():
    """Telegram answers getUpdates with the unconfirmed updates again while they run; the long poll's request
    object leaves out those the loop has begun, so only her new message becomes an Update."""
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        first, second = sim.add_user(first_name="Aigerim"), sim.add_user(first_name="Dana")
        await first.send_text("/start")
        request = UpdatesRequest()
        bot = Bot(DEFAULT_TOKEN, base_url=f"{sim.base_url}/bot", request=AiohttpRequest(), get_updates_request=request)
        async with bot:
            running = await bot.get_updates(timeout=0)
            assert [u.message.text for u in running if u.message] == ["/start"]
            await second.send_text("жаңа хабар")
            request.started_through = running[-1].update_id  # begun, not yet confirmed
            fresh = await bot.get_updates(offset=running[0].update_id, timeout=0)
            assert [u.message.text for u in fresh if u.message] == ["жаңа хабар"]
            request.started_through = None  # a new start: nothing is running, everything is handled
            assert len(await bot.get_updates(offset=running[0].update_id, timeout=0)) == 2


async def test_a_sent_message_comes_back_without_its_keyboard_and_an_update_keeps_it():
    """The bot reads only the id and date of what it sent: the echoed keyboard is not parsed (it cost a fifth
    of an edit). A tapped message in an update still shows its buttons."""
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="kk")
        await user.send_text("/start")
        request = UpdatesRequest()
        bot = Bot(DEFAULT_TOKEN, base_url=f"{sim.base_url}/bot", request=AiohttpRequest(), get_updates_request=request)
        async with bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("☰ Мәзір", callback_data="1:s:menu")]])
            sent = await bot.send_message(user.chat_id, "Сәлем", reply_markup=markup)
            assert sent.message_id and sent.date and sent.reply_markup is None
            assert user.bot_messages()[-1].button_texts() == ["☰ Мәзір"]  # she sees the keyboard
            await user.press("☰ Мәзір")
            updates = await bot.get_updates(timeout=0)
            tapped = next(u.callback_query for u in updates if u.callback_query)
            assert tapped.message.reply_markup == markup
