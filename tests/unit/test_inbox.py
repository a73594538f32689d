"""The webhook's inbox (bot/storage/inbox.py): updates sealed at rest, each handled once, kept for the restart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time

import pytest

from bot.storage.database import Database
from bot.storage.inbox import DONE_RETENTION_SECONDS, NotCommitted, UpdateInbox

KEY = b"k" * 64
WORDS = "он забрал мой телефон"


def body(update_id: int, text: str = WORDS) -> bytes:
    return json.dumps({"update_id": update_id, "message": {"text": text}}, ensure_ascii=False).encode()


async def test_an_update_is_kept_sealed_until_handled_and_its_words_are_not_in_the_file(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        inbox = UpdateInbox(database, KEY)
        assert await inbox.add(7, body(7))
        assert await inbox.add(5, body(5, "второе"))
        assert [(item.update_id, item.body) for item in await inbox.waiting()] == [
            (5, body(5, "второе")),  # oldest (lowest id) first
            (7, body(7)),
        ]
        assert await inbox.depth() == (2, await _received_at(database, 5))
        await database.checkpoint()
        assert WORDS.encode() not in (tmp_path / "bot.sqlite3").read_bytes()
        # Another key (or a row moved to another id) cannot open it: it is dropped, never handled wrongly.
        assert await UpdateInbox(database, b"z" * 64).waiting() == []
        assert await inbox.waiting() == []
    finally:
        await database.close()


async def test_an_update_posted_again_is_stored_once_and_not_again_after_it_was_handled(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        inbox = UpdateInbox(database, KEY)
        assert await inbox.add(7, body(7))
        assert not await inbox.add(7, body(7))  # still waiting: the same row
        await inbox.done(7)
        assert await inbox.waiting() == []
        assert not await inbox.add(7, body(7))  # handled: Telegram's retry is not handled twice
        assert await inbox.add(8, body(8))
    finally:
        await database.close()


async def test_the_ids_of_handled_updates_are_forgotten_after_a_day(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        inbox = UpdateInbox(database, KEY)
        await inbox.add(7, body(7))
        await inbox.done(7)
        assert await inbox.forget_old() == 0
        assert await inbox.forget_old(now=int(time.time()) + DONE_RETENTION_SECONDS + 5) == 1
    finally:
        await database.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM update_done").fetchone() == (0,)


async def _received_at(database: Database, update_id: int) -> int:
    async with database.connection.execute(
        "SELECT received_at FROM update_inbox WHERE update_id = ?", (update_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def test_a_row_written_inside_someone_elses_transaction_is_not_reported_as_stored(tmp_path):
    # The 200 may go to Telegram only once the update is on disk; inside an open transaction it is not yet.
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        inbox = UpdateInbox(database, KEY)
        await database.connection.execute("BEGIN")
        with pytest.raises(NotCommitted):
            await inbox.add(7, body(7))
        await database.connection.execute("ROLLBACK")
        assert await inbox.waiting() == []
    finally:
        await database.close()


async def test_with_group_commit_updates_posted_together_are_each_on_disk_before_their_200(tmp_path):
    """The bot's own connection commits writes in groups: `add` returns only once its row is committed (the
    200 may then go to Telegram), and forty updates posted at once share the fsyncs."""
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    try:
        inbox = UpdateInbox(database, KEY)

        async def post(update_id: int) -> None:
            assert await inbox.add(update_id, body(update_id))
            with contextlib.closing(sqlite3.connect(path)) as other:  # what a restart would find
                assert other.execute("SELECT 1 FROM update_inbox WHERE update_id = ?", (update_id,)).fetchone()

        await asyncio.gather(*(post(update_id) for update_id in range(1, 41)))
        assert len(await inbox.waiting()) == 40
    finally:
        await database.close()
