"""Fuzzing the handlers with generated updates: nothing raises, and the bot never writes where it does not serve.

Generated: texts with emoji, right-to-left and zero-width characters up to 4,096 characters, commands,
stickers and locations, edits, random and forged callback data, channel posts, updates of kinds the bot
does not ask for, in private chats, groups, supergroups and channels.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.services import Services
from tests.support.application import TEST_SECRET, offline_settings, running_application
from tests.support.telegram import BOT_USER, RecordingRequest

CONTENT = ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS)
TRICKY = ["\u202e", "\u200b", "\u200d", "🆘", "👩‍👧", "ә", "\ufeff", "<b>", "&amp;", "{", "}", "**", "_", "\n", " "]
COMMANDS = ["/start", "/sos", "/menu", "/exit", "/forget", "/journal", "/cancel", "/claim", "/reload", "/note x", "/x"]
CALLBACK_PREFIXES = ["1:s:", "1:a:", "1:t:", "1:c:", "1:h:", "1:h:t:", "1:h:show:", "1:h:claim:", "1:j:", "2:s:", ""]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(TRICKY), max_size=40).map("".join),
    st.sampled_from(COMMANDS),
    st.integers(min_value=1, max_value=4096).map(lambda n: ("ә🆘\u200b" * 2000)[:n]),
)


def _payload(prefix: str, rest: str) -> str:
    return (prefix + rest).encode()[:64].decode(errors="ignore") or "x"


callback_data = st.one_of(
    st.builds(_payload, st.sampled_from(CALLBACK_PREFIXES), st.text(min_size=0, max_size=60)),
    st.sampled_from(["1:s:menu", "1:s:plan_leaving", "1:t:plan_leaving:0", "1:t:plan_leaving:99", "1:a:exit",
                     "1:a:forget", "1:a:wipe_after:off", "1:a:journal:open", "1:h:t:n:l:e", "1:h:x"]),
)  # fmt: skip
chat_kinds = st.sampled_from(["private", "private", "private", "group", "supergroup", "channel"])


@st.composite
def raw_updates(draw: st.DrawFn) -> dict:
    user_id = draw(st.integers(min_value=1, max_value=2**40))
    kind = draw(chat_kinds)
    chat_id = user_id if kind == "private" else -draw(st.integers(min_value=1, max_value=10**13))
    chat = {"id": chat_id, "type": kind}
    chat.update({"first_name": "A"} if kind == "private" else {"title": "T"})
    user = {"id": user_id, "is_bot": False, "first_name": draw(st.text(max_size=20)) or "A"}
    if draw(st.booleans()):
        user["language_code"] = draw(st.sampled_from(["kk", "ru", "en", "uz", "de", "zh-hans"]))
    message = {"message_id": draw(st.integers(min_value=1, max_value=10**6)), "date": int(time.time()), "chat": chat}
    if kind != "channel":
        message["from"] = user
    body = draw(st.sampled_from(["text", "text", "sticker", "location"]))
    if body == "text":
        text = draw(texts)
        if not text:
            text = "."
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    elif body == "sticker":
        message["sticker"] = {"file_id": "s", "file_unique_id": "u", "type": "regular", "width": 1, "height": 1,
                              "is_animated": False, "is_video": False}  # fmt: skip
    else:
        message["location"] = {"latitude": 43.2, "longitude": 76.9}
    shape = draw(st.sampled_from(["message", "edited_message", "callback_query", "channel_post", "unknown"]))
    if shape == "callback_query" and kind != "channel":
        bot_message = {"message_id": message["message_id"], "date": int(time.time()), "chat": chat, "from": BOT_USER,
                       "text": "screen"}  # fmt: skip
        query = {"id": str(draw(st.integers(min_value=1))), "from": user, "chat_instance": "-1",
                 "data": draw(callback_data), "message": bot_message}  # fmt: skip
        return {"update_id": 1, "callback_query": query}
    if shape == "edited_message":
        message["edit_date"] = message["date"] + 1
        return {"update_id": 1, "edited_message": message}
    if shape == "channel_post" or kind == "channel":
        message.pop("from", None)
        return {"update_id": 1, "channel_post": message}
    if shape == "unknown":
        return {"update_id": 1, "message_reaction_count": {"chat": chat, "message_id": 1, "date": 1, "reactions": []}}
    return {"update_id": 1, "message": message}


async def _run(batch: list[dict]) -> tuple[list, list[str]]:
    failures: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                failures.append(record.getMessage())

    catcher = Catch()
    logging.getLogger().addHandler(catcher)
    with tempfile.TemporaryDirectory() as tmp:
        config = offline_settings(Path(tmp))
        services = await Services.open(config, CONTENT, TEST_SECRET)
        request = RecordingRequest()
        try:
            async with running_application(config, services, request) as app:
                for number, raw in enumerate(batch):
                    raw["update_id"] = number + 1
                    await app.process_update(Update.de_json(raw, app.bot))
        finally:
            await services.close()
            logging.getLogger().removeHandler(catcher)
    return request.calls, failures


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(raw_updates(), min_size=1, max_size=12))
def test_generated_updates_never_crash_and_never_reach_chats_the_bot_does_not_serve(batch: list[dict]) -> None:
    calls, failures = asyncio.run(_run(batch))
    assert failures == []
    served = {
        raw[key]["from"]["id"]
        for raw in batch
        for key in ("message", "edited_message", "callback_query")
        if key in raw and "from" in raw[key] and (key == "callback_query" or raw[key]["chat"]["type"] == "private")
    }
    for call in calls:
        chat_id = call.params.get("chat_id")
        if chat_id is not None:
            assert int(chat_id) in served, (call.method, chat_id)
