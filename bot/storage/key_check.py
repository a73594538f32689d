"""The database remembers which key it belongs to, so the wrong key is refused before anything is written.

Every pseudonym, sealed chat id and server-wrapped journal key depends on BOT_SECRET_KEY. Started with a
different key, the bot would silently treat everyone as new and could never read or wipe what it stored.
So the first start records a check value (HKDF of the key: it says nothing about the key itself) and every
later start compares. A database from before the check is accepted only if the key opens what it sealed.
"""

from __future__ import annotations

import hmac
import time

from cryptography.exceptions import InvalidTag

from bot.crypto import WIPE_CHAT_ID, Sealer, derive_key
from bot.privacy import Pseudonymizer
from bot.storage.database import Database, StorageError

CHECK_PURPOSE = b"key-check"


class WrongKey(StorageError):
    """The key is not the one the database was created with."""


def check_value(secret_key: bytes) -> bytes:
    return derive_key(secret_key, CHECK_PURPOSE)[:16]


async def verify_key(database: Database, secret_key: bytes) -> bool:
    """Raise WrongKey for a different key; record the check on first use. True when it was recorded now."""
    expected = check_value(secret_key)
    async with database.connection.execute("SELECT check_value FROM key_check WHERE id = 1") as cursor:
        row = await cursor.fetchone()
    if row is not None:
        if not hmac.compare_digest(bytes(row[0]), expected):
            async with database.connection.execute("SELECT previous_check FROM key_rotation WHERE id = 1") as cursor:
                rotation = await cursor.fetchone()
            if rotation is not None and hmac.compare_digest(bytes(rotation[0]), expected):
                raise WrongKey("this database was moved to a new key (python -m bot keys rotate); start with that one")
            raise WrongKey("this is not the key this database was created with")
        return False
    await _opens_what_it_sealed(database, secret_key)
    await database.connection.execute(
        "INSERT INTO key_check (id, check_value, recorded_at) VALUES (1, ?, ?)", (expected, int(time.time()))
    )
    await database.connection.commit()
    return True


async def _opens_what_it_sealed(database: Database, secret_key: bytes) -> None:
    """A database from before the check: a scheduled wipe's sealed chat id must open with this key and give
    back the very pseudonym it is stored under."""
    async with database.connection.execute("SELECT user_key, chat_ref FROM wipe_schedule LIMIT 1") as cursor:
        row = await cursor.fetchone()
    if row is None:
        return  # nothing sealed yet: nothing to lose
    user_key, chat_ref = str(row[0]), bytes(row[1])
    try:
        chat_id = int(Sealer(secret_key, WIPE_CHAT_ID).open(chat_ref, user_key.encode()))
    except (InvalidTag, ValueError):
        raise WrongKey("this key does not open what this database holds") from None
    if Pseudonymizer(secret_key).user_key(chat_id) != user_key:
        raise WrongKey("this key does not match the pseudonyms in this database")
