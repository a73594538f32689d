"""The topic of a case she erased is told once, through PTB with a recording request: a line that the case
was erased, the card (which held her answers) reduced to the code, the topic renamed and closed; then the
last row of the case goes. A Telegram error keeps the row for later; a topic that is gone drops it."""

from __future__ import annotations

import pytest

from bot.handoff.repository import ErasedTopic
from bot.telegram.desk import Desk

GROUP = -1001234567890


@pytest.fixture
def desk(bot_app, services, settings) -> Desk:
    app, _request = bot_app
    desk = Desk(app.bot, services, settings.model_copy(update={"advocate_chat_id": GROUP}))
    desk.enabled = True
    return desk


async def test_the_topic_is_told_the_card_loses_her_answers_and_the_row_goes(bot_app, services, desk):
    _app, request = bot_app
    await services.handoff.erased_topics.add(ErasedTopic(77, "K7Q2", 78), at=1)
    assert await desk.tell_erased() == 1
    line, card, topic, close = request.calls[:4]
    assert line.method == "sendMessage" and line.params["message_thread_id"] == 77
    assert (
        line.params["text"]
        == "По просьбе обратившегося человека все данные удалены. Обращение закрыто; ответы больше не доставляются."
    )
    assert card.method == "editMessageText" and card.params["message_id"] == 78
    assert card.params["text"] == "#K7Q2 · удалено по просьбе обратившегося человека"
    assert "reply_markup" not in card.params  # Claim / Close are gone with the case
    assert topic.method == "editForumTopic" and topic.params["name"] == card.params["text"]
    assert close.method == "closeForumTopic"
    assert await services.handoff.erased_topics.waiting() == []
    assert await desk.tell_erased() == 0  # told once


async def test_a_network_error_keeps_the_row_and_a_deleted_topic_drops_it(bot_app, services, desk):
    _app, request = bot_app
    await services.handoff.erased_topics.add(ErasedTopic(77, "K7Q2", None), at=1)
    request.fail_methods["sendMessage"] = (502, "Bad Gateway")
    assert await desk.tell_erased() == 0
    assert await services.handoff.erased_topics.waiting() == [ErasedTopic(77, "K7Q2", None)]

    request.fail_methods["sendMessage"] = (400, "Bad Request: message thread not found")
    clock = services.handoff.clock
    services.handoff.clock = lambda: clock() + 120  # past the back-off
    try:
        await desk.tell_erased()
    finally:
        services.handoff.clock = clock
    assert await services.handoff.erased_topics.waiting() == []
