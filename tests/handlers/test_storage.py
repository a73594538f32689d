"""Storage failing under the handlers: a full disk gives her a kind answer and leaves the database sound
(SQLite storage itself: tests/unit/test_storage.py)."""

from __future__ import annotations

import sqlite3

from bot.storage.users import UserRepository
from tests.support.telegram import text_update


async def test_a_full_disk_gives_the_person_a_kind_answer_and_keeps_the_database_sound(
    bot_app, services, caplog, monkeypatch
):
    app, request = bot_app

    async def disk_full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(UserRepository, "save", disk_full)  # remembering her place fails, as on a full disk
    await app.process_update(text_update(app, 777, "/menu", language_code="en"))
    assert "Sorry, something went wrong on our side" in request.last("sendMessage").params["text"]
    assert "error=OperationalError" in caplog.text
    assert await services.database.integrity_ok()
