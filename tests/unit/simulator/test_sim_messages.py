"""Sending, editing and deleting messages; formatting and keyboards; callback queries; access rules."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden

from bot.simulator import Simulator, SimUser

Description = Callable[[str], str]
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


async def test_send_html_with_inline_keyboard(bot: Bot, user: SimUser) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Қазақша", callback_data="lang:kk"),
                InlineKeyboardButton("Русский", callback_data="lang:ru"),
            ],
            [InlineKeyboardButton("Site", url="https://example.org/help")],
        ]
    )
    sent = await bot.send_message(
        user.chat_id,
        '<b>Сәлем</b>, <i>қош келдіңіз</i> 😀 <a href="https://example.org">сайт</a> &amp; <code>/help</code>',
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert sent.text == "Сәлем, қош келдіңіз 😀 сайт & /help"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 7, 12),
        ("text_link", 23, 4),
        ("code", 30, 5),
    ]
    assert sent.entities[2].url == "https://example.org/"
    assert sent.reply_markup == markup and sent.from_user.is_bot and sent.chat.id == user.id

    seen = await user.wait_reply()
    assert seen.message_id == sent.message_id and seen.from_bot
    assert seen.html == (
        '<b>Сәлем</b>, <i>қош келдіңіз</i> 😀 <a href="https://example.org/">сайт</a> &amp; <code>/help</code>'
    )
    assert seen.button_texts() == ["Қазақша", "Русский", "Site"]
    assert seen.buttons[1][0].url == "https://example.org/help"
    assert [m.message_id for m in user.bot_messages()] == [sent.message_id]


async def test_edit_is_seen_and_keyboard_goes_without_reply_markup(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.chat_id, "Step 1", reply_markup=keyboard([("Next", "next")]))
    assert (await user.wait_reply()).button_texts() == ["Next"]

    edited = await bot.edit_message_text("<b>Step 2</b>", user.chat_id, sent.message_id, parse_mode="HTML")
    assert edited.edit_date is not None and edited.reply_markup is None
    seen = await user.wait_reply()
    assert seen.message_id == sent.message_id and seen.html == "<b>Step 2</b>" and seen.buttons == []
    assert [m.text for m in user.bot_messages()] == ["Step 2"]

    await bot.edit_message_reply_markup(user.chat_id, sent.message_id, reply_markup=keyboard([("Back", "back")]))
    assert (await user.wait_reply()).button_texts() == ["Back"]


async def test_edit_with_same_content_is_refused(bot: Bot, user: SimUser, sim: Simulator) -> None:
    markup = keyboard([("A", "a")])
    sent = await bot.send_message(user.chat_id, "<b>Same</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Same</b>", user.chat_id, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    assert sim.calls_to("editMessageText")[-1].response["description"] == NOT_MODIFIED
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(user.chat_id, sent.message_id, reply_markup=markup)
    # Different formatting of the same text is a change.
    await bot.edit_message_text("Same", user.chat_id, sent.message_id, reply_markup=markup)


async def test_edit_errors(bot: Bot, user: SimUser, description: Description) -> None:
    mine = await user.send_text("my words")
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", user.chat_id, mine.message_id)
    assert description("editMessageText") == "Bad Request: message can't be edited"
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", user.chat_id, 9999)
    assert description("editMessageText") == "Bad Request: message to edit not found"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<x>hi</x>", 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'),
        ("<b>open", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ("1 < 2", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        (
            "<b><i>x</b></i>",
            'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
    ],
)
async def test_bad_html_is_refused(bot: Bot, user: SimUser, description: Description, html: str, expected: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user.chat_id, html, parse_mode="HTML")
    assert description("sendMessage") == expected
    assert user.bot_messages() == []


async def test_text_length_is_counted_after_parsing(bot: Bot, user: SimUser, description: Description) -> None:
    await bot.send_message(user.chat_id, "<b>" + "я" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.chat_id, "я" * 4097)
    assert description("sendMessage") == "Bad Request: message is too long"
    with pytest.raises(BadRequest):
        await bot.send_message(user.chat_id, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest):
        await bot.send_message(user.chat_id, "")
    assert description("sendMessage") == "Bad Request: message text is empty"
    with pytest.raises(BadRequest):
        await bot.send_message(user.chat_id, "<b> </b>\n", parse_mode="HTML")
    assert description("sendMessage") == "Bad Request: message must be non-empty"


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, user: SimUser, description: Description) -> None:
    await bot.send_message(user.chat_id, "ok", reply_markup=keyboard([("x", "a" * 64)]))
    for data in ("a" * 65, "я" * 33):  # 33 Cyrillic letters are 66 bytes
        with pytest.raises(BadRequest):
            await bot.send_message(user.chat_id, "too long", reply_markup=keyboard([("x", data)]))
        assert description("sendMessage") == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest):
        await bot.send_message(user.chat_id, "no action", reply_markup={"inline_keyboard": [[{"text": "x"}]]})
    assert "Text buttons are unallowed in the inline keyboard" in description("sendMessage")
    assert len(user.bot_messages()) == 1


async def test_press_gives_callback_query_and_answer(bot: Bot, user: SimUser, sim: Simulator) -> None:
    sent = await bot.send_message(user.chat_id, "Language?", reply_markup=keyboard([("Қазақша", "lang:kk")]))
    with pytest.raises(LookupError, match="Қазақша"):
        await user.press("Deutsch")
    press = await user.press("Қазақша")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "lang:kk" and query.id == press.id
    assert query.from_user.id == user.id and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert not press.answered
    assert await query.answer("Done") is True
    assert press.answer == {"text": "Done", "show_alert": False, "cache_time": 0}
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    assert sim.calls_to("answerCallbackQuery")[-1].response["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_press_index_and_stale_query(bot: Bot, user: SimUser, sim: Simulator) -> None:
    sent = await bot.send_message(user.chat_id, "Pick", reply_markup=keyboard([("A", "a"), ("B", "b")]))
    seen = await user.wait_reply()
    assert seen.message_id == sent.message_id
    press = await user.press_index(seen, 0, 1)
    assert press.data == "b"
    sim.clock.advance(60)  # the bot took too long
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.id)


async def test_delete_both_sides_and_48_hour_window(
    bot: Bot, user: SimUser, sim: Simulator, description: Description
) -> None:
    theirs = await user.send_text("my story")
    ours = await bot.send_message(user.chat_id, "reply")
    assert await bot.delete_message(user.chat_id, theirs.message_id) is True  # incoming, private chat
    assert [m.message_id for m in user.messages] == [1, ours.message_id]
    with pytest.raises(BadRequest):
        await bot.delete_message(user.chat_id, theirs.message_id)
    assert description("deleteMessage") == "Bad Request: message to delete not found"

    old = [await bot.send_message(user.chat_id, f"old {i}") for i in range(3)]
    sim.clock.advance(49 * 3600)
    fresh = await bot.send_message(user.chat_id, "fresh")
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(user.chat_id, old[0].message_id)
    assert description("deleteMessage") == "Bad Request: message can't be deleted"

    ids = [m.message_id for m in old] + [fresh.message_id, 12345]
    assert await bot.delete_messages(user.chat_id, ids) is True  # old and missing ones are skipped
    remaining = [m.message_id for m in user.messages]
    assert fresh.message_id not in remaining and all(m.message_id in remaining for m in old)

    with pytest.raises(BadRequest):
        await bot.delete_messages(user.chat_id, list(range(1, 102)))
    assert description("deleteMessages") == "Bad Request: too many message identifiers specified"
    with pytest.raises(BadRequest):
        await bot.delete_messages(user.chat_id, [])
    assert description("deleteMessages") == "Bad Request: message identifiers are not specified"


async def test_access_rules(bot: Bot, sim: Simulator, user: SimUser, description: Description) -> None:
    user.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.chat_id, "hello?")
    assert description("sendMessage") == "Forbidden: bot was blocked by the user"
    user.unblock_bot()
    await bot.send_message(user.chat_id, "hello again")

    stranger = sim.add_user(first_name="Stranger")
    with pytest.raises(Forbidden, match="initiate conversation"):
        await bot.send_message(stranger.chat_id, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    assert description("sendMessage") == "Bad Request: chat not found"


async def test_options_are_recorded_and_visible(bot: Bot, user: SimUser, sim: Simulator) -> None:
    first = await user.send_text("question")
    sent = await bot.send_message(
        user.chat_id,
        "answer",
        protect_content=True,
        disable_notification=True,
        reply_parameters=ReplyParameters(first.message_id),
        link_preview_options={"is_disabled": True},
    )
    assert sent.has_protected_content and sent.reply_to_message.message_id == first.message_id
    seen = await user.wait_reply()
    assert seen.protect_content and seen.disable_notification and seen.reply_to_message_id == first.message_id
    call = sim.calls_to("sendMessage")[-1]
    assert call.params["protect_content"] is True and call.params["disable_notification"] is True
    assert call.params["reply_parameters"] == {"message_id": first.message_id} and call.ignored == []
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(user.chat_id, "x", reply_parameters=ReplyParameters(999))


async def test_reply_keyboard(bot: Bot, user: SimUser) -> None:
    await bot.send_message(
        user.chat_id, "Menu", reply_markup=ReplyKeyboardMarkup([[KeyboardButton("Help"), "Exit"]], resize_keyboard=True)
    )
    assert user.reply_keyboard == [["Help", "Exit"]]
    await bot.send_message(user.chat_id, "Bye", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard is None


async def test_user_edit_sends_edited_message(bot: Bot, user: SimUser) -> None:
    sent = await user.send_text("first version")
    await user.edit_text(sent, "second version")
    updates = await bot.get_updates(timeout=1)
    assert updates[0].message.text == "first version"
    assert updates[1].edited_message.text == "second version" and updates[1].edited_message.edit_date


async def test_wait_reply_times_out_helpfully(user: SimUser) -> None:
    with pytest.raises(TimeoutError, match="no bot message"):
        await user.wait_reply(timeout=0.2)
    await user.assert_no_reply(within=0.1)


async def test_form_fields_are_json_encoded_by_ptb(sim: Simulator, bot: Bot, user: SimUser) -> None:
    """Documents what PTB 22.8 actually sends: strings raw, everything else JSON in form fields."""
    await bot.send_message(user.chat_id, "x", reply_markup=keyboard([("A", "a")]), disable_notification=True)
    call = sim.calls_to("sendMessage")[-1]
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.raw["chat_id"] == str(user.chat_id) and call.raw["text"] == "x"
    assert call.raw["disable_notification"] == "true"
    assert json.loads(call.raw["reply_markup"]) == json.loads(keyboard([("A", "a")]).to_json())
    # ... and what the method read from them:
    assert call.params["chat_id"] == user.chat_id and call.params["disable_notification"] is True


async def test_explicit_entities_instead_of_parse_mode(bot: Bot, user: SimUser, description: Description) -> None:
    sent = await bot.send_message(
        user.chat_id,
        "Hello world",
        entities=[MessageEntity("bold", 0, 5), MessageEntity("text_link", 6, 5, url="https://example.org")],
    )
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 5), ("text_link", 6, 5)]
    assert (await user.wait_reply()).html == '<b>Hello</b> <a href="https://example.org/">world</a>'
    with pytest.raises(BadRequest):
        await bot.send_message(user.chat_id, "short", entities=[MessageEntity("bold", 2, 10)])
    assert description("sendMessage") == (
        "Bad Request: can't parse entities: entity beginning at UTF-16 offset 2 ends after the end of the text "
        "at UTF-16 offset 12"
    )


async def test_pin_shows_a_service_message(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.chat_id, "Safety plan")
    await bot.pin_chat_message(user.chat_id, sent.message_id, disable_notification=True)
    assert user.messages[-1].is_service and "pinned_message" in (user.messages[-1].service or {})
    assert (await bot.get_chat(user.chat_id)).pinned_message.message_id == sent.message_id
    assert await bot.unpin_chat_message(user.chat_id) is True


async def test_wait_replies_collects_a_burst(bot: Bot, user: SimUser) -> None:
    first = await bot.send_message(user.chat_id, "one")
    await bot.send_message(user.chat_id, "two")
    await bot.edit_message_text("one, edited", user.chat_id, first.message_id)
    replies = await user.wait_replies(timeout=1, quiet=0.2)
    # The first message shows its current text; the edit is reported again as its own event.
    assert [r.text for r in replies] == ["one, edited", "two", "one, edited"]
