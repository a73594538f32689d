"""Flood control: one fast user is slowed kindly and alone."""

from __future__ import annotations

from tests.support.telegram import callback_update, text_update

FAST, CALM = 700001, 700002


async def test_a_burst_of_commands_is_cut_and_others_are_served_at_once(bot_app):
    app, request = bot_app
    for _ in range(40):
        await app.process_update(text_update(app, FAST, "/menu", language_code="en"))
    answered_fast = [c for c in request.calls if c.method == "sendMessage" and c.params["chat_id"] == FAST]
    assert len(answered_fast) == 20
    await app.process_update(text_update(app, CALM, "/menu", language_code="en"))
    assert request.last("sendMessage").params["chat_id"] == CALM


async def test_button_mashing_gets_a_short_wait_sign(bot_app):
    app, request = bot_app
    for _ in range(25):
        await app.process_update(callback_update(app, FAST, "1:s:menu", language_code="en"))
    answers = [c.params.get("text") for c in request.calls if c.method == "answerCallbackQuery"]
    assert answers.count("⏳") == 5 and len(answers) == 25  # every tap is answered; the spinner always stops
    assert len([c for c in request.calls if c.method == "editMessageText"]) == 20


async def test_fast_typing_gets_one_pointer_not_one_per_message(bot_app):
    app, request = bot_app
    for word in ("he", "is", "shouting", "again", "help"):
        await app.process_update(text_update(app, FAST, word, language_code="en"))
    pointers = [c for c in request.calls if c.method == "sendMessage" and "I answer with buttons" in c.params["text"]]
    assert len(pointers) == 1
