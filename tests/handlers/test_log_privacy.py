"""Nothing she types reaches the logs, even at DEBUG: not what the bot deletes after a restart (it may be her
PIN), not a message whose handling failed. Handlers through python-telegram-bot with the recording request;
the real process's log is checked in tests/e2e/test_log_privacy.py."""

from __future__ import annotations

import logging
import secrets

import pytest

from bot.logging_setup import configure_logging
from tests.support.telegram import callback_for, callback_update, text_update

USER = 333444555


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The operator's most verbose setting, every record captured."""
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_a_pin_typed_after_a_restart_is_deleted_and_never_logged(bot_app, debug_logs):
    """She was at the prompt for a new PIN when the bot restarted; she types her PIN anyway. The bot deletes
    it and says why — and the log says only that it did, not what she typed."""
    app, request = bot_app
    pin = "lotus-" + secrets.token_hex(6)
    await app.process_update(text_update(app, USER, "/journal", language_code="en"))
    await app.process_update(callback_update(app, USER, callback_for(request.last("sendMessage"), "Set a PIN"), "en"))
    assert "PIN" in request.sent_texts()[-1]

    app.drop_chat_data(USER)  # what a restart forgets: her place in the journal
    typed = text_update(app, USER, pin, language_code="en")
    await app.process_update(typed)

    assert int(request.last("deleteMessage").params["message_id"]) == typed.message.message_id
    assert "lost your place in the journal" in request.sent_texts()[-1]
    assert "journal input after a restart deleted" in debug_logs.text  # the path taken, and logged
    assert pin not in debug_logs.text


async def test_a_message_whose_handling_failed_is_not_logged_with_the_error(bot_app, services, debug_logs):
    """The database fails while her message is being handled: the error is logged (its type and the update
    id) and she gets the kind message with the emergency numbers; her words are not in the log."""
    app, request = bot_app
    words = "he said he will take the children tonight " + secrets.token_hex(6)
    await services.database.close()  # every query now fails inside the handlers
    await app.process_update(text_update(app, USER, words, language_code="en"))

    assert "something went wrong" in request.last("sendMessage").params["text"]
    assert "update failed" in debug_logs.text and "error=" in debug_logs.text
    assert words not in debug_logs.text
    assert words.split()[-1] not in debug_logs.text  # not even its unique part, in a traceback or a repr


async def test_telegram_refusing_an_answer_to_her_message_logs_none_of_it(bot_app, debug_logs):
    """Telegram refuses the bot's answer to what she wrote (a 400): the error handler logs the failure, and
    the follow-up that fails too, without a word of hers."""
    app, request = bot_app
    words = "my husband's brother works at the police " + secrets.token_hex(6)
    request.fail_methods["sendMessage"] = (400, "Bad Request: chat not found")
    await app.process_update(text_update(app, USER, words, language_code="en"))

    assert [call.method for call in request.calls].count("sendMessage") == 2  # the answer, then the kind message
    assert "update failed" in debug_logs.text and "error=BadRequest" in debug_logs.text
    assert "could not tell the user about the error" in debug_logs.text
    assert words not in debug_logs.text and words.split()[-1] not in debug_logs.text
