"""Handlers through python-telegram-bot itself: real Update objects into process_update, every Bot API
call recorded by the request object."""

from __future__ import annotations

import logging
import re

import pytest

from bot.logging_setup import configure_logging
from tests.support.telegram import button_texts, callback_for, callback_update, text_update

USER = 111222333


async def test_start_in_kazakh_names_emergency_numbers_and_offers_languages(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="kk"))

    call = request.last("sendMessage")
    assert call.params["chat_id"] == USER
    assert "Сәлеметсіз бе" in call.params["text"]
    assert "102" in call.params["text"] and "112" in call.params["text"]
    assert "Қазір сіз қауіпсізсіз бе?" in call.params["text"]
    assert button_texts(call)[:5] == [
        "Жоқ, маған қауіп төніп тұр",
        "Иә, қазір қауіпсізбін",
        "Қазақша",
        "Русский",
        "English",
    ]
    # Silent, not forwardable, formatted as HTML.
    assert call.params["parse_mode"] == "HTML"
    assert call.params["protect_content"] is True
    assert call.params["disable_notification"] is True


async def test_unknown_language_falls_back_to_russian_and_offers_the_choice(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="de"))
    call = request.last("sendMessage")
    assert "Здравствуйте" in call.params["text"]
    assert {"Қазақша", "Русский", "English"} <= set(button_texts(call))


async def test_danger_first_path_from_start(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="en"))
    question = request.last("sendMessage")
    assert "Are you safe right now?" in question.params["text"]

    await app.process_update(callback_update(app, USER, callback_for(question, "No, I am in danger"), "en"))
    emergency = request.last("editMessageText")
    for number in ("102", "112", "103", "111"):
        assert number in emergency.params["text"]
    # A frightened person reads this screen: its sources stay in the file, not on the screen (show_sources).
    assert "Sources" not in emergency.params["text"] and "Sources" not in button_texts(emergency)
    assert "answerCallbackQuery" in request.methods()


async def test_a_legal_screen_shows_a_compact_source_line_and_its_sources_one_tap_away(bot_app):
    app, request = bot_app
    await app.process_update(callback_update(app, USER, "1:s:police_must_do", language_code="en"))
    screen = request.last("editMessageText")
    line = screen.params["text"].rsplit("\n", 1)[-1]
    assert line.startswith("<i>Sources: Criminal Procedure Code (articles 179, 185) · Checked on ")
    assert "adilet.zan.kz" not in screen.params["text"]  # addresses are in the full list

    await app.process_update(callback_update(app, USER, callback_for(screen, "Sources"), language_code="en"))
    full = request.last("editMessageText")
    link = '<a href="https://adilet.zan.kz/rus/docs/K1400000231">Criminal Procedure Code of the Republic'
    assert link in full.params["text"]
    assert "adilet.zan.kz, February 2026" in full.params["text"]
    assert button_texts(full) == ["« Back", "🆘 SOS", "✖ Exit"]

    await app.process_update(callback_update(app, USER, callback_for(full, "« Back"), language_code="en"))
    assert request.last("editMessageText").params["text"] == screen.params["text"]

    # A screen that keeps its sources in the file only (the emergency numbers) just shows itself.
    await app.process_update(callback_update(app, USER, "1:src:emergency", language_code="en"))
    emergency = request.last("editMessageText")
    assert "112" in emergency.params["text"] and "Sources" not in emergency.params["text"]


async def test_choosing_a_language_rerenders_the_screen_and_is_remembered(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", language_code="ru"))
    await app.process_update(callback_update(app, USER, callback_for(request.last("sendMessage"), "English")))
    assert request.last("answerCallbackQuery").params["text"] == "Language: English"
    assert "Hello." in request.last("editMessageText").params["text"]

    # A later command, from a phone still set to Russian, keeps her choice.
    await app.process_update(text_update(app, USER, "/menu", language_code="ru"))
    assert "Main menu" in request.last("sendMessage").params["text"]


async def test_sos_answers_with_numbers_at_once(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/sos", language_code="ru"))
    assert request.methods() == ["sendMessage"]
    text = request.last("sendMessage").params["text"]
    assert "102" in text and "112" in text and "111" in text


@pytest.mark.parametrize("data", ["garbage", "1:s:no_such_screen", "9:s:menu", "1:a:self_destruct", "1:s:" + "x" * 70])
async def test_forged_or_stale_buttons_lead_kindly_to_the_menu(bot_app, data):
    app, request = bot_app
    await app.process_update(callback_update(app, USER, data, language_code="en"))
    assert request.last("answerCallbackQuery").params["text"] == "This button is out of date. Here is the main menu."
    assert "Main menu" in request.last("editMessageText").params["text"]


async def test_free_text_gets_a_pointer_to_the_buttons_and_is_never_logged(bot_app, caplog):
    app, request = bot_app
    secret_words = "he hit me yesterday near the bazaar"
    configure_logging("DEBUG")  # the operator's most verbose setting
    with caplog.at_level(logging.DEBUG):
        await app.process_update(text_update(app, USER, secret_words, language_code="en"))
        logging.getLogger("bot.test").debug("capture-works")
    assert "capture-works" in caplog.text
    text = request.last("sendMessage").params["text"]
    assert "I answer with buttons" in text and "Main menu" in text
    assert secret_words not in caplog.text
    assert str(USER) not in caplog.text


async def test_group_messages_are_not_answered(bot_app):
    app, request = bot_app
    await app.process_update(text_update(app, USER, "/start", chat_type="supergroup", chat_id=-1001234567890))
    await app.process_update(text_update(app, USER, "hello", chat_type="group", chat_id=-4001))
    assert request.methods() == []


async def test_edit_that_fails_falls_back_to_a_new_message(bot_app):
    app, request = bot_app
    request.fail_methods["editMessageText"] = (400, "Bad Request: message to edit not found")
    await app.process_update(callback_update(app, USER, "1:s:menu", language_code="en"))
    assert "Main menu" in request.last("sendMessage").params["text"]


async def test_an_internal_error_gives_a_kind_message_and_logs_no_personal_data(bot_app, services, caplog):
    app, request = bot_app
    await services.database.close()  # every query now fails inside the handler
    with caplog.at_level(logging.INFO):
        await app.process_update(text_update(app, USER, "/menu", language_code="kk"))
    text = request.last("sendMessage").params["text"]
    assert "Кешіріңіз" in text and "102" in text and "111" in text
    assert "update failed" in caplog.text and "error=" in caplog.text
    assert str(USER) not in caplog.text and "Aigerim" not in caplog.text
    metrics = app.bot_data.metrics.render().decode()  # counted by the exception's type, nothing else
    assert re.search(r'^bot_handler_errors_total\{error="ValueError"\} [1-9]\d*\.0$', metrics, re.M), metrics
