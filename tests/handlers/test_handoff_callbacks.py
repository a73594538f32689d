"""A forged handoff button through python-telegram-bot: the kind answer, never an error (the payloads
themselves: tests/unit/test_handoff_callbacks.py)."""

from __future__ import annotations

from tests.support.telegram import callback_update


async def test_a_forged_show_button_with_a_huge_id_gets_the_kind_answer_not_an_error(bot_app, caplog) -> None:
    app, request = bot_app
    await app.process_update(callback_update(app, 5550001, "1:h:show:" + "9" * 50, language_code="en"))
    assert "update failed" not in caplog.text
    assert "something went wrong" not in " ".join(request.sent_texts()).lower()
    assert request.last("answerCallbackQuery").params.get("text")  # "this message is no longer available"
