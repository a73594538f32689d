"""SQLite access for the handoff: cases, the relay outbox, message pairs, the audit log and the topics of
erased cases the advocates' group has yet to be told about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

CASE_COLUMNS = (
    "id, code, user_key, chat_ref, language, status, urgent, triage, thread_id, card_message_id, claimed_by, "
    "claimed_name, blocked, opened_at, activity_at, pinged_at, closed_at"
)


@dataclass(frozen=True)
class Case:
    id: int
    code: str
    user_key: str | None
    chat_ref: bytes | None
    language: str
    status: str
    urgent: bool
    triage: str
    thread_id: int | None
    card_message_id: int | None
    claimed_by: int | None
    claimed_name: str | None
    blocked: bool
    opened_at: int
    activity_at: int
    pinged_at: int | None
    closed_at: int | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    case_id: int
    direction: str
    source_message: int | None
    media_group_id: str | None
    reply_to: int | None
    notice: str | None
    attempts: int
    file_ref: bytes | None = None  # sealed: a photo sent as a file, to be relayed cleaned (see RelayFile)


class CaseRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self, code: str, user_key: str, chat_ref: bytes, language: str, urgent: bool, triage: str, now: int
    ) -> Case:
        cursor = await self._db.connection.execute(
            """INSERT INTO cases (code, user_key, chat_ref, language, status, urgent, triage, opened_at, activity_at)
               VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)""",
            (code, user_key, chat_ref, language, int(urgent), triage, now, now),
        )
        case = await self.get(cursor.lastrowid or 0)
        assert case is not None
        return case

    async def get(self, case_id: int) -> Case | None:
        return await self._one(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))

    async def code_exists(self, code: str) -> bool:
        async with self._db.connection.execute("SELECT 1 FROM cases WHERE code = ?", (code,)) as cursor:
            return await cursor.fetchone() is not None

    async def latest_for_user(self, user_key: str) -> Case | None:
        """Her open case, or else her most recent closed one (writing again reopens it)."""
        return await self._one(
            f"""SELECT {CASE_COLUMNS} FROM cases WHERE user_key = ? AND status != 'erased'
                ORDER BY status = 'open' DESC, id DESC LIMIT 1""",
            (user_key,),
        )

    async def by_thread(self, thread_id: int) -> Case | None:
        return await self._one(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE thread_id = ? ORDER BY id DESC LIMIT 1", (thread_id,)
        )

    async def open_cases(self) -> list[Case]:
        return await self._many(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE status = 'open' ORDER BY urgent DESC, opened_at", ()
        )

    async def unclaimed_since(self, before: int) -> list[Case]:
        return await self._many(
            f"""SELECT {CASE_COLUMNS} FROM cases WHERE status = 'open' AND claimed_by IS NULL
                AND pinged_at IS NULL AND opened_at <= ? AND thread_id IS NOT NULL""",
            (before,),
        )

    async def update(self, case_id: int, **fields: object) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        await self._db.connection.execute(f"UPDATE cases SET {names} WHERE id = ?", (*fields.values(), case_id))

    async def delete(self, case_id: int) -> None:
        """The case and, by cascade, its outbox and message pairs."""
        await self._db.connection.execute("DELETE FROM cases WHERE id = ?", (case_id,))

    async def purge_closed(self, closed_before: int) -> int:
        """Retention: the relay data of cases closed long ago goes (outbox and pairs cascade)."""
        cursor = await self._db.connection.execute(
            "DELETE FROM cases WHERE status IN ('closed', 'erased') AND closed_at IS NOT NULL AND closed_at < ?",
            (closed_before,),
        )
        return cursor.rowcount

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Case | None:
        async with self._db.connection.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return _case(row) if row else None

    async def _many(self, sql: str, params: tuple[Any, ...]) -> list[Case]:
        async with self._db.connection.execute(sql, params) as cursor:
            return [_case(row) for row in await cursor.fetchall()]


def _case(row: Iterable[Any]) -> Case:
    values = list(row)
    values[6] = bool(values[6])  # urgent
    values[12] = bool(values[12])  # blocked
    return Case(*values)


class OutboxRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        case_id: int,
        direction: str,
        now: int,
        *,
        source_message: int | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        notice: str | None = None,
        not_before: int | None = None,
        file_ref: bytes | None = None,
    ) -> int:
        cursor = await self._db.connection.execute(
            """INSERT OR IGNORE INTO outbox (case_id, direction, source_message, media_group_id, reply_to, notice,
                                   next_attempt_at, created_at, file_ref)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (case_id, direction, source_message, media_group_id, reply_to, notice, not_before or now, now, file_ref),
        )
        return cursor.lastrowid or 0

    async def due(self, now: int, limit: int = 50) -> list[OutboxItem]:
        """Pending items in the order they were written, each case's queue kept in order."""
        async with self._db.connection.execute(
            """SELECT id, case_id, direction, source_message, media_group_id, reply_to, notice, attempts, file_ref
               FROM outbox o WHERE status = 'pending' AND next_attempt_at <= ?
               AND NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.status = 'pending'
                               AND earlier.case_id = o.case_id AND earlier.direction = o.direction
                               AND earlier.id < o.id AND earlier.next_attempt_at > ?)
               ORDER BY id LIMIT ?""",
            (now, now, limit),
        ) as cursor:
            return [OutboxItem(*row) for row in await cursor.fetchall()]

    async def get(self, item_id: int) -> OutboxItem | None:
        async with self._db.connection.execute(
            """SELECT id, case_id, direction, source_message, media_group_id, reply_to, notice, attempts, file_ref
               FROM outbox WHERE id = ?""",
            (item_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return OutboxItem(*row) if row else None

    async def mark_sent(self, item_id: int, sent_message: int | None) -> None:
        await self._db.connection.execute(
            "UPDATE outbox SET status = 'sent', sent_message = ?, attempts = attempts + 1, file_ref = NULL "
            "WHERE id = ?",
            (sent_message, item_id),
        )

    async def mark_shown(self, item_id: int) -> bool:
        """A discreet reply is being shown: True the first time only."""
        cursor = await self._db.connection.execute(
            "UPDATE outbox SET status = 'shown' WHERE id = ? AND status = 'sent'", (item_id,)
        )
        return cursor.rowcount == 1

    async def retry_later(self, item_id: int, at: int) -> None:
        await self._db.connection.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?", (at, item_id)
        )

    async def drop(self, item_id: int) -> None:
        await self._db.connection.execute(
            "UPDATE outbox SET status = 'dropped', file_ref = NULL WHERE id = ?", (item_id,)
        )

    async def drop_pending(self, case_id: int, direction: str) -> None:
        await self._db.connection.execute(
            "UPDATE outbox SET status = 'dropped', file_ref = NULL "
            "WHERE case_id = ? AND direction = ? AND status = 'pending'",
            (case_id, direction),
        )

    async def pending_count(self) -> int:
        async with self._db.connection.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def oldest_pending_at(self) -> int | None:
        """When the oldest message still waiting to be relayed was written (unix time)."""
        async with self._db.connection.execute("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def album_due_at(self, case_id: int, media_group_id: str) -> int | None:
        """When the parts of this album already waiting to be relayed to the group fall due."""
        async with self._db.connection.execute(
            """SELECT MIN(next_attempt_at) FROM outbox WHERE case_id = ? AND direction = 'to_group'
               AND media_group_id = ? AND status = 'pending'""",
            (case_id, media_group_id),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def next_due_at(self) -> int | None:
        async with self._db.connection.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None


class PairRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, case_id: int, survivor_message: int, group_message: int) -> None:
        await self._db.connection.execute(
            "INSERT OR IGNORE INTO message_pairs (case_id, survivor_message, group_message) VALUES (?, ?, ?)",
            (case_id, survivor_message, group_message),
        )

    async def group_for(self, case_id: int, survivor_message: int) -> int | None:
        return await self._one(
            "SELECT group_message FROM message_pairs WHERE case_id = ? AND survivor_message = ?",
            (case_id, survivor_message),
        )

    async def survivor_for(self, case_id: int, group_message: int) -> int | None:
        return await self._one(
            "SELECT survivor_message FROM message_pairs WHERE case_id = ? AND group_message = ?",
            (case_id, group_message),
        )

    async def _one(self, sql: str, params: tuple[Any, ...]) -> int | None:
        async with self._db.connection.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, case_code: str, actor: int | None, action: str, at: int) -> None:
        await self._db.connection.execute(
            "INSERT INTO audit_log (case_code, actor, action, at) VALUES (?, ?, ?, ?)", (case_code, actor, action, at)
        )

    async def erased(self, case_code: str, at: int) -> None:
        """The case was erased at her request: of its lines only this one stays (a second call leaves one)."""
        await self._db.connection.execute("DELETE FROM audit_log WHERE case_code = ?", (case_code,))
        await self.record(case_code, None, "erase", at)

    async def purge_before(self, cutoff: int) -> int:
        cursor = await self._db.connection.execute("DELETE FROM audit_log WHERE at < ?", (cutoff,))
        return cursor.rowcount

    async def actions(self, case_code: str) -> list[tuple[int | None, str]]:
        async with self._db.connection.execute(
            "SELECT actor, action FROM audit_log WHERE case_code = ? ORDER BY id", (case_code,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]


@dataclass(frozen=True)
class ErasedTopic:
    """The topic of a case that was erased, until the advocates' group has been told."""

    thread_id: int
    code: str
    card_message_id: int | None


class ErasedTopicRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, topic: ErasedTopic, at: int) -> None:
        await self._db.connection.execute(
            "INSERT OR REPLACE INTO erased_topics (thread_id, code, card_message_id, erased_at) VALUES (?, ?, ?, ?)",
            (topic.thread_id, topic.code, topic.card_message_id, at),
        )

    async def waiting(self, limit: int = 20) -> list[ErasedTopic]:
        async with self._db.connection.execute(
            "SELECT thread_id, code, card_message_id FROM erased_topics ORDER BY erased_at LIMIT ?", (limit,)
        ) as cursor:
            return [ErasedTopic(*row) for row in await cursor.fetchall()]

    async def done(self, thread_id: int) -> None:
        await self._db.connection.execute("DELETE FROM erased_topics WHERE thread_id = ?", (thread_id,))


class DeskStateRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        async with self._db.connection.execute("SELECT value FROM desk_state WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        await self._db.connection.execute(
            "INSERT INTO desk_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
