"""The webhook's inbox: updates written durably before Telegram is told "received", deleted once handled.

Telegram forgets an update as soon as the webhook answers 200, so the update must be on disk first: `add`
commits it (synchronous=FULL) before it returns. Her words are in it, so the body is sealed (AES-256-GCM,
bound to its update id); only the id and the arrival time are readable in the file. `done` deletes the row
(secure_delete overwrites it) and, in the same statement (a trigger), remembers the id for a day, so the
same update posted again — Telegram retries when our 200 was lost — is not handled twice.

The inbox uses the bot's main connection. A connection of its own was tried: under load its commits made the
handlers' writes on the main connection fail at once with "database is locked" (a connection that is still
reading cannot take the write lock once another connection has committed since), so one writing connection
it is. Its writes join the connection's group commit (bot/storage/database.py): `add` returns once the group
holding its row is committed, so the updates Telegram posts side by side share one fsync. On a connection
without group commit, `add` refuses to report a row written inside someone else's open transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from bot.crypto import INBOX_UPDATE, Sealer
from bot.storage.database import Database

log = logging.getLogger(__name__)

DONE_RETENTION_SECONDS = 26 * 3600  # Telegram keeps an undelivered update for 24 hours, then stops retrying


@dataclass(frozen=True)
class Waiting:
    update_id: int
    body: bytes  # the update's JSON, as Telegram sent it


class NotCommitted(Exception):
    """The row was written inside a transaction someone else opened on the connection: not on disk yet."""


class UpdateInbox:
    def __init__(self, database: Database, secret_key: bytes) -> None:
        self._db = database
        self._sealer = Sealer(secret_key, INBOX_UPDATE)

    async def add(self, update_id: int, body: bytes) -> bool:
        """Store an update durably (committed when this returns); False if it is here already or was handled
        lately (a repeat). Raises NotCommitted if the row may still be rolled back (see the module's notes)."""
        sealed = self._sealer.seal(body, _bound(update_id))
        epoch = self._db.epoch  # a group lost after this INSERT took the row with it: no 200 then
        async with self._db.connection.execute(
            "INSERT INTO update_inbox (update_id, body, received_at) SELECT ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM update_done WHERE update_id = ?) ON CONFLICT DO NOTHING",
            (update_id, sealed, int(time.time()), update_id),
        ) as cursor:
            stored = cursor.rowcount == 1
        await self._db.durable(since=epoch)
        if not self._db.group_commit and self._db.connection.in_transaction:
            raise NotCommitted()
        return stored

    async def waiting(self) -> list[Waiting]:
        """Every update not handled yet, oldest (lowest id) first. A row the key cannot open is dropped."""
        async with self._db.connection.execute("SELECT update_id, body FROM update_inbox ORDER BY update_id") as cursor:
            rows = await cursor.fetchall()
        waiting = []
        for update_id, sealed in rows:
            try:
                waiting.append(Waiting(update_id, self._sealer.open(sealed, _bound(update_id))))
            except InvalidTag:  # damaged, or moved from another row: it can never be read
                log.error("inbox update cannot be opened, dropped update_id=%d", update_id)
                await self.done(update_id)
        return waiting

    async def done(self, update_id: int) -> None:
        await self._db.connection.execute("DELETE FROM update_inbox WHERE update_id = ?", (update_id,))

    async def forget_old(self, now: int | None = None) -> int:
        """Drop the ids of updates handled longer ago than Telegram would retry them."""
        cutoff = (int(time.time()) if now is None else now) - DONE_RETENTION_SECONDS
        async with self._db.connection.execute("DELETE FROM update_done WHERE done_at < ?", (cutoff,)) as cursor:
            return cursor.rowcount

    async def depth(self) -> tuple[int, int | None]:
        """How many updates wait, and when the oldest arrived (unix time)."""
        async with self._db.connection.execute("SELECT count(*), min(received_at) FROM update_inbox") as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), row[1]) if row else (0, None)


def _bound(update_id: int) -> bytes:
    return b"update:%d" % update_id
