"""Exit & wipe, the automatic wipe, settings, checklists and /forget, through PTB with a recording request."""

from __future__ import annotations

import time

from telegram.ext import CallbackContext

from bot.handoff.repository import ErasedTopic
from bot.handoff.service import Triage
from bot.telegram import handlers
from tests.support.desk import GROUP, use_desks
from tests.support.telegram import button_texts, callback_for, callback_update, text_update

USER = 444555666


async def table_count(services, table: str) -> int:
    async with services.database.connection.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        return (await cursor.fetchone())[0]


async def test_every_screen_offers_exit_and_sos_and_inner_screens_back_and_menu(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/menu", language_code="en"))
    menu = request.last("sendMessage")
    assert button_texts(menu)[-2:] == ["🆘 SOS", "✖ Exit"]
    await app.process_update(callback_update(app, USER, callback_for(menu, "The police: what to expect"), "en"))
    police = request.last("editMessageText")
    assert button_texts(police)[-3:] == ["☰ Menu", "🆘 SOS", "✖ Exit"]  # its parent is the menu: no Back
    inner = callback_for(police, next(text for text in button_texts(police) if "must" in text.lower()))
    await app.process_update(callback_update(app, USER, inner, "en"))
    assert button_texts(request.last("editMessageText"))[-4:] == ["« Back", "☰ Menu", "🆘 SOS", "✖ Exit"]
    await app.process_update(text_update(app, USER, "/sos", language_code="en"))
    emergency = request.last("sendMessage")
    assert "🆘 SOS" not in button_texts(emergency) and "✖ Exit" in button_texts(emergency)


async def test_exit_deletes_both_sides_of_the_chat_and_leaves_one_neutral_line(bot_app, services):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="ru"))
    await app.process_update(text_update(app, USER, "he said he would come back", language_code="ru"))
    await app.process_update(text_update(app, USER, "/sos", language_code="ru"))
    user_ids = {update_message for update_message in await services.safety.messages_to_delete(USER)}
    assert len(user_ids) == 6  # three of hers, three of the bot's

    await app.process_update(callback_update(app, USER, "1:a:exit", language_code="ru"))
    deleted = [i for call in request.calls if call.method == "deleteMessages" for i in call.params["message_ids"]]
    assert set(deleted) == user_ids
    assert request.last("sendMessage").params["text"] == "Хорошего дня!"
    assert request.methods()[-1] == "sendMessage"
    assert await table_count(services, "chat_messages") == 0  # ids are forgotten once deleted


async def test_exit_command_and_batches_of_at_most_100(bot_app, services):
    app, request = bot_app
    now = int(time.time())
    await services.safety.record(USER, list(range(100_000, 100_250)), now)
    await services.safety.record(USER, [90_000, 90_001], now - 49 * 3600)  # too old for Telegram to delete
    await app.process_update(text_update(app, USER, "/exit", language_code="en"))
    batches = [call.params["message_ids"] for call in request.calls if call.method == "deleteMessages"]
    assert [len(batch) for batch in batches] == [100, 100, 51]  # 250 recorded + the /exit message itself
    deleted = {message_id for batch in batches for message_id in batch}
    assert 90_000 not in deleted and 90_001 not in deleted
    assert await table_count(services, "chat_messages") == 0


async def test_automatic_wipe_runs_when_due(bot_app, services):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="kk"))
    context = CallbackContext(app)
    await handlers.auto_wipe(context)
    assert "deleteMessages" not in request.methods()  # not due yet

    services.safety.clock = lambda: time.time() + 3601  # the default wipe time is one hour
    await handlers.auto_wipe(context)
    assert len(request.last("deleteMessages").params["message_ids"]) == 2
    assert request.methods()[-1] == "deleteMessages"  # the automatic wipe leaves nothing behind
    assert await table_count(services, "wipe_schedule") == 0


async def test_settings_show_the_current_choice_and_warn_when_wipe_is_off(bot_app, services):
    app, request = bot_app
    await app.process_update(callback_update(app, USER, "1:s:settings", language_code="en"))
    settings = request.last("editMessageText")
    assert "after 1 hour" in settings.params["text"] or "1 hour after" in settings.params["text"]
    assert "✓ 1 hour" in button_texts(settings) and "✓ Discreet mode: on" in button_texts(settings)

    await app.process_update(callback_update(app, USER, "1:a:wipe_after:15", language_code="en"))
    assert "✓ 15 min" in button_texts(request.last("editMessageText"))
    assert "15 minutes after your last message" in request.last("editMessageText").params["text"]

    await app.process_update(callback_update(app, USER, "1:a:wipe_after:off", language_code="en"))
    assert "Messages will stay in the chat" in request.last("answerCallbackQuery").params["text"]
    assert await table_count(services, "wipe_schedule") == 0


async def test_discreet_mode_off_sends_with_sound_and_unprotected(bot_app):
    app, request = bot_app
    await app.process_update(callback_update(app, USER, "1:a:discreet:off", language_code="en"))
    await app.process_update(text_update(app, USER, "/menu", language_code="en"))
    menu = request.last("sendMessage")
    assert menu.params["disable_notification"] is False and menu.params["protect_content"] is False
    await app.process_update(callback_update(app, USER, "1:a:discreet:on", language_code="en"))
    await app.process_update(text_update(app, USER, "/menu", language_code="en"))
    assert request.last("sendMessage").params["protect_content"] is True


async def test_checklist_ticks_are_private_and_clearable(bot_app, services):
    app, request = bot_app
    await app.process_update(callback_update(app, USER, "1:s:plan_leaving", language_code="ru"))
    first_item = button_texts(request.last("editMessageText"))[0]
    assert first_item.startswith("☐ ")
    await app.process_update(callback_update(app, USER, "1:t:plan_leaving:0", language_code="ru"))
    ticked = button_texts(request.last("editMessageText"))
    assert ticked[0] == "☑ " + first_item[2:]
    assert "Снять все отметки" in ticked
    async with services.database.connection.execute("SELECT tick FROM checklist_ticks") as cursor:
        stored = [row[0] for row in await cursor.fetchall()]
    assert len(stored) == 1 and "documents" not in stored[0] and "plan_leaving" not in stored[0]

    await app.process_update(callback_update(app, USER, "1:c:plan_leaving", language_code="ru"))
    assert button_texts(request.last("editMessageText"))[0].startswith("☐ ")
    assert await table_count(services, "checklist_ticks") == 0


async def test_a_tap_handled_again_after_a_crash_leaves_her_tick_as_she_set_it(bot_app, services):
    """After a crash Telegram sends an unconfirmed tap again, and refuses a second answer to it. The tap
    still shows her screen, with no apology, and a tick is not undone by its repeat."""
    app, request = bot_app
    await app.process_update(callback_update(app, USER, "1:s:plan_leaving", language_code="ru"))
    tick = callback_for(request.last("editMessageText"), button_texts(request.last("editMessageText"))[0])
    tap = callback_update(app, USER, tick, language_code="ru")
    await app.process_update(tap)
    request.fail_methods["answerCallbackQuery"] = (
        400,
        "Bad Request: query is too old and response timeout expired or query id is invalid",
    )
    await app.process_update(tap)  # the same update again

    again = request.last("editMessageText")
    assert button_texts(again)[0].startswith("☑ ")
    assert await table_count(services, "checklist_ticks") == 1
    assert not any("что-то пошло не так" in text for text in request.sent_texts())
    untick = callback_for(again, button_texts(again)[0])
    assert untick != tick  # the ticked item's button says "untick", not "toggle"
    await app.process_update(callback_update(app, USER, untick, language_code="ru"))
    await app.process_update(callback_update(app, USER, untick, language_code="ru"))
    assert button_texts(request.last("editMessageText"))[0].startswith("☐ ")
    assert await table_count(services, "checklist_ticks") == 0


async def test_forget_asks_first_then_deletes_everything(bot_app, services):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="en"))
    await app.process_update(callback_update(app, USER, "1:t:plan_leaving:1", language_code="en"))
    await app.process_update(text_update(app, USER, "/forget", language_code="en"))
    confirm = request.last("sendMessage")
    text = confirm.params["text"]
    assert "Delete everything?" in text
    # Everything that goes is named before anything goes.
    for named in ("your journal", "photo", "your case", "settings", "ticks", "younger than 48 hours"):
        assert named in text, named
    assert "Save my journal first (PDF)" not in button_texts(confirm)  # she has no journal to save
    assert await table_count(services, "users") == 1

    # A second, explicit confirmation; nothing is deleted until it is pressed.
    await app.process_update(callback_update(app, USER, callback_for(confirm, "Next"), "en"))
    final = request.last("editMessageText")
    assert "Last step" in final.params["text"] and "Nobody can recover it" in final.params["text"]
    assert await table_count(services, "users") == 1 and "deleteMessages" not in request.methods()

    await app.process_update(callback_update(app, USER, callback_for(final, "Yes, delete everything for good"), "en"))
    assert request.last("answerCallbackQuery").params["text"] == "Done. Everything was deleted."
    assert "deleteMessages" in request.methods()
    assert request.last("sendMessage").params["text"] == "Have a nice day!"
    for table in ("users", "chat_messages", "wipe_schedule", "checklist_ticks"):
        assert await table_count(services, table) == 0, table


async def test_stickers_and_files_get_the_kind_pointer(bot_app):
    app, request = bot_app
    update = text_update(app, USER, "x", language_code="kk")
    data = update.to_dict()
    del data["message"]["text"]
    data["message"]["sticker"] = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                                  "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
    from telegram import Update

    await app.process_update(Update.de_json(data, app.bot))
    text = request.last("sendMessage").params["text"]
    assert "түймелер арқылы" in text and "Басты мәзір" in text


async def test_an_edited_message_gets_the_kind_pointer_not_a_second_command_run(bot_app):
    app, request = bot_app
    update = text_update(app, USER, "/forget", language_code="en")
    data = update.to_dict()
    data["edited_message"] = data.pop("message")
    data["edited_message"]["edit_date"] = data["edited_message"]["date"] + 5
    from telegram import Update

    await app.process_update(Update.de_json(data, app.bot))
    text = request.last("sendMessage").params["text"]
    assert "I answer with buttons" in text and "Delete everything?" not in text


async def test_forget_leaves_nothing_of_her_in_the_database_files_not_even_in_the_write_ahead_log(
    bot_app, services, settings
):
    # Issue 13, item 10: deleted rows must not linger as old pages in bot.sqlite3-wal after /forget.
    app, request = bot_app
    her_key = services.pseudonyms.user_key(USER).encode()
    await app.process_update(text_update(app, USER, "/start", language_code="en"))
    await app.process_update(callback_update(app, USER, "1:t:plan_leaving:1", language_code="en"))
    await services.usage.flush()
    await services.database.durable()  # as the poll loop does before confirming an update

    def files_holding_her() -> list[str]:
        return [path.name for path in settings.data_dir.glob("bot.sqlite3*") if her_key in path.read_bytes()]

    assert "bot.sqlite3-wal" in files_holding_her()  # her pseudonym is there while she uses the bot
    await app.process_update(text_update(app, USER, "/forget", language_code="en"))
    await app.process_update(callback_update(app, USER, callback_for(request.last("sendMessage"), "Next"), "en"))
    final = request.last("editMessageText")
    await app.process_update(callback_update(app, USER, callback_for(final, "Yes, delete everything for good"), "en"))
    await services.database.durable()
    assert files_holding_her() == []


async def test_forget_deletes_her_case_at_once_and_leaves_only_the_line_that_it_was_erased(bot_app, services, settings):
    # Issue 13, item 10: the case's rows go with /forget, not with the retention purge weeks later.
    app, request = bot_app
    (desk,) = use_desks(app.bot_data.desks)  # her messages go to the outbox (the relay itself does not run here)
    handoff = services.handoff
    case = await handoff.open_case(USER, "en", Triage(safe="n", help="l"), desk.id)
    await handoff.cases.update(case.id, thread_id=77, card_message_id=78)  # as if the desk made its topic
    await handoff.claim(case, advocate_id=9001, first_name="Saule")
    her_words = "he said he will take the children " + str(time.time_ns())
    await app.process_update(text_update(app, USER, her_words, language_code="en"))
    await handoff.pairs.add(case.id, 5, 6)
    assert await table_count(services, "outbox") == 1
    sealed_chat = (await handoff.cases.get(case.id)).chat_ref
    her_key = services.pseudonyms.user_key(USER).encode()

    def files_holding_her() -> list[str]:
        return [
            path.name
            for path in settings.data_dir.rglob("*")
            if path.is_file()
            and any(needle in path.read_bytes() for needle in (her_key, sealed_chat, her_words.encode()))
        ]

    await app.process_update(text_update(app, USER, "/forget", language_code="en"))
    await app.process_update(callback_update(app, USER, callback_for(request.last("sendMessage"), "Next"), "en"))
    final = request.last("editMessageText")
    await app.process_update(callback_update(app, USER, callback_for(final, "Yes, delete everything for good"), "en"))

    for table in ("cases", "outbox", "message_pairs"):
        assert await table_count(services, table) == 0, table
    # The claim by an advocate and the opening went too: one line, the code and "erase", no one named.
    assert await handoff.audit.actions(case.code) == [(None, "erase")]
    assert await table_count(services, "audit_log") == 1
    # What the advocates' group must still be told: which topic, which code; nothing of her.
    assert await handoff.erased_topics.waiting() == [ErasedTopic(GROUP, 77, case.code)]
    await services.database.durable()
    assert files_holding_her() == []
