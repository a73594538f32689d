"""The topic of a case she erased leaves the desk's group, through PTB with a recording request: the topic is
deleted (deleteForumTopic, her words and files with it) and the group's general topic gets one line that the
case was erased at her request; then the last row of the case goes. A Telegram error keeps the row for later;
a topic an advocate already deleted still gets its line."""

from __future__ import annotations

import pytest

from bot.handoff.repository import ErasedTopic
from bot.telegram.desk import Desks
from tests.support.desk import GROUP, use_desks

ERASED_LINE = "Обращение #K7Q2 удалено по просьбе обратившегося человека: его тема и все сообщения в ней удалены."


@pytest.fixture
def desks(bot_app) -> Desks:
    app, _request = bot_app
    use_desks(app.bot_data.desks)
    return app.bot_data.desks


async def test_the_topic_is_deleted_the_general_topic_gets_one_line_and_the_row_goes(bot_app, services, desks):
    _app, request = bot_app
    await services.handoff.erased_topics.add(ErasedTopic(GROUP, 77, "K7Q2"), at=1)
    assert await desks.tell_erased() == 1
    delete, line = request.calls[:2]
    assert delete.method == "deleteForumTopic" and delete.params == {"chat_id": GROUP, "message_thread_id": 77}
    assert line.method == "sendMessage" and line.params["chat_id"] == GROUP and line.params["text"] == ERASED_LINE
    assert "message_thread_id" not in line.params  # the general topic
    assert await services.handoff.erased_topics.waiting() == []
    assert await desks.tell_erased() == 0  # once


async def test_a_network_error_keeps_the_row_and_a_topic_already_gone_still_gets_its_line(bot_app, services, desks):
    _app, request = bot_app
    await services.handoff.erased_topics.add(ErasedTopic(GROUP, 77, "K7Q2"), at=1)
    request.fail_methods["deleteForumTopic"] = (502, "Bad Gateway")
    assert await desks.tell_erased() == 0
    assert await services.handoff.erased_topics.waiting() == [ErasedTopic(GROUP, 77, "K7Q2")]
    assert not [call for call in request.calls if call.method == "sendMessage"]

    request.fail_methods["deleteForumTopic"] = (400, "Bad Request: TOPIC_ID_INVALID")
    clock = services.handoff.clock
    services.handoff.clock = lambda: clock() + 120  # past the back-off
    try:
        assert await desks.tell_erased() == 1
    finally:
        services.handoff.clock = clock
    assert ERASED_LINE in [call.params["text"] for call in request.calls if call.method == "sendMessage"]
    assert await services.handoff.erased_topics.waiting() == []
