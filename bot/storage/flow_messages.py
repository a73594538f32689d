"""The journal flow's messages in a private chat: the guided entry's prompts and her answers, the PIN dialog's
prompts. Ids only, never text (migration 0010).

The flow deletes them from the chat when it ends; kept here rather than in memory, so that a restart in the
middle of an entry or a PIN dialog does not leave them behind. Written in autocommit like every other id the
bot keeps of her chat (bot/storage/chat_log.py): durable once the statement returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.storage.database import Database


class FlowKind(StrEnum):
    ENTRY = "entry"  # the guided entry's prompts and answers
    PIN = "pin"  # the PIN dialog's prompts (her PIN itself is deleted at once, never kept)


class FlowMessageRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, user_key: str, message_ids: Iterable[int], kind: FlowKind) -> None:
        """A message that was ever a PIN prompt stays one: it goes when the PIN dialog ends, as it always did."""
        await self._db.connection.executemany(
            """
            INSERT INTO journal_flow_messages (user_key, message_id, kind) VALUES (?, ?, ?)
            ON CONFLICT (user_key, message_id) DO UPDATE SET kind = excluded.kind WHERE excluded.kind = 'pin'
            """,
            [(user_key, message_id, kind.value) for message_id in message_ids],
        )

    async def ids(self, user_key: str, kind: FlowKind | None = None) -> list[int]:
        """Her flow's messages, oldest first; of one kind, or all."""
        if kind is None:
            rows = await self._db.connection.execute_fetchall(
                "SELECT message_id FROM journal_flow_messages WHERE user_key = ? ORDER BY message_id", (user_key,)
            )
        else:
            rows = await self._db.connection.execute_fetchall(
                "SELECT message_id FROM journal_flow_messages WHERE user_key = ? AND kind = ? ORDER BY message_id",
                (user_key, kind.value),
            )
        return [row[0] for row in rows]

    async def remove(self, user_key: str, message_ids: Iterable[int] | None = None) -> None:
        """These ids (deleted from the chat, or no longer the flow's), or every one of hers."""
        if message_ids is None:
            await self._db.connection.execute("DELETE FROM journal_flow_messages WHERE user_key = ?", (user_key,))
            return
        await self._db.connection.executemany(
            "DELETE FROM journal_flow_messages WHERE user_key = ? AND message_id = ?",
            [(user_key, message_id) for message_id in message_ids],
        )
