"""The database knows which key it belongs to (issue 13, item 2): the wrong key is refused, never silently
used to give everyone new pseudonyms."""

from __future__ import annotations

import pytest

from bot.crypto import Sealer
from bot.privacy import Pseudonymizer
from bot.storage.database import Database
from bot.storage.key_check import WrongKey, verify_key

KEY_A, KEY_B = b"a" * 32, b"b" * 32


async def test_the_first_start_records_the_key_and_later_starts_compare(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await verify_key(database, KEY_A) is True
        assert await verify_key(database, KEY_A) is False  # the same key: nothing to record
        with pytest.raises(WrongKey, match="not the key this database was created with"):
            await verify_key(database, KEY_B)
        async with database.connection.execute("SELECT check_value FROM key_check") as cursor:
            stored = (await cursor.fetchone())[0]
        assert KEY_A not in stored and len(stored) == 16  # a derived value, not the key
    finally:
        await database.close()


async def seal_a_wipe(database: Database, key: bytes, telegram_user_id: int) -> None:
    user_key = Pseudonymizer(key).user_key(telegram_user_id)
    chat_ref = Sealer(key, b"wipe-chat-id").seal(str(telegram_user_id).encode(), user_key.encode())
    await database.connection.execute(
        "INSERT INTO wipe_schedule (user_key, chat_ref, due_at) VALUES (?, ?, 0)", (user_key, chat_ref)
    )
    await database.connection.commit()


async def test_a_database_from_before_the_check_accepts_only_the_key_that_opens_what_it_sealed(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await seal_a_wipe(database, KEY_A, 424242)
        with pytest.raises(WrongKey, match="does not open what this database holds"):
            await verify_key(database, KEY_B)
        async with database.connection.execute("SELECT COUNT(*) FROM key_check") as cursor:
            assert (await cursor.fetchone())[0] == 0  # the wrong key recorded nothing
        assert await verify_key(database, KEY_A) is True
    finally:
        await database.close()
