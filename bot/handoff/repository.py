"""SQLite access for the handoff: cases, the relay outbox, message pairs, the audit log, the topics of
erased cases a desk's group has yet to lose, and the desks' figures (counts by day)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database

CASE_COLUMNS = (
    "id, code, user_key, chat_ref, language, status, urgent, triage, thread_id, card_message_id, claimed_by, "
    "claimed_name, blocked, opened_at, activity_at, pinged_at, closed_at, desk_id, region, promised_by, first_reply_at"
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
    desk_id: str | None = None  # None: opened before desks existed, in BOT_ADVOCATE_CHAT_ID's group
    region: str | None = None  # the ISO 3166-2:KZ code she chose, if she did
    promised_by: int | None = None  # when she was told to expect an answer by
    first_reply_at: int | None = None

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
    group_chat: int | None = None  # her message: the group it was sent to; a reply: the group it was written in


class CaseRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self,
        code: str,
        user_key: str,
        chat_ref: bytes,
        language: str,
        urgent: bool,
        triage: str,
        now: int,
        *,
        desk_id: str | None = None,
        region: str | None = None,
        promised_by: int | None = None,
    ) -> Case:
        cursor = await self._db.connection.execute(
            """INSERT INTO cases (code, user_key, chat_ref, language, status, urgent, triage, opened_at, activity_at,
                                  desk_id, region, promised_by)
               VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)""",
            (code, user_key, chat_ref, language, int(urgent), triage, now, now, desk_id, region, promised_by),
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

    async def by_topic(self, desk_id: str, thread_id: int) -> Case | None:
        """The case of a topic in a desk's group (topic numbers are per group)."""
        return await self._one(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE desk_id = ? AND thread_id = ? ORDER BY id DESC LIMIT 1",
            (desk_id, thread_id),
        )

    async def open_cases(self, desk_id: str) -> list[Case]:
        """A desk's open cases, most urgent and longest waiting first."""
        return await self._many(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE status = 'open' AND desk_id = ? ORDER BY urgent DESC, opened_at",
            (desk_id,),
        )

    async def not_at(self, desk_ids: Iterable[str]) -> list[Case]:
        """Cases whose desk is none of these (opened before desks existed, or their desk left the file)."""
        desks, ids = _in(desk_ids)
        return await self._many(f"SELECT {CASE_COLUMNS} FROM cases WHERE desk_id IS NULL OR desk_id NOT {desks}", ids)

    async def unclaimed_since(self, before: int) -> list[Case]:
        return await self._many(
            f"""SELECT {CASE_COLUMNS} FROM cases WHERE status = 'open' AND claimed_by IS NULL
                AND pinged_at IS NULL AND opened_at <= ? AND thread_id IS NOT NULL""",
            (before,),
        )

    async def update(self, case_id: int, **fields: object) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        await self._db.connection.execute(f"UPDATE cases SET {names} WHERE id = ?", (*fields.values(), case_id))

    async def add_former_topic(self, case_id: int, chat_id: int, thread_id: int) -> None:
        await self._db.connection.execute(
            "INSERT OR IGNORE INTO former_topics (case_id, chat_id, thread_id) VALUES (?, ?, ?)",
            (case_id, chat_id, thread_id),
        )

    async def former_topics(self, case_id: int) -> list[tuple[int, int]]:
        """(group, topic) of the topics the case had at desks it was transferred from, oldest first."""
        async with self._db.connection.execute(
            "SELECT chat_id, thread_id FROM former_topics WHERE case_id = ? ORDER BY rowid", (case_id,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

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


def _in(desk_ids: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """`IN (?, ?, …)` and its values; never matches for no desk."""
    ids = tuple(desk_ids)
    return f"IN ({', '.join('?' * len(ids)) or 'NULL'})", ids


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
        group_chat: int | None = None,
    ) -> int:
        cursor = await self._db.connection.execute(
            """INSERT OR IGNORE INTO outbox (case_id, direction, source_message, media_group_id, reply_to, notice,
                                   next_attempt_at, created_at, file_ref, group_chat)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                case_id, direction, source_message, media_group_id, reply_to, notice, not_before or now, now,
                file_ref, group_chat,
            ),
        )  # fmt: skip
        return cursor.lastrowid or 0

    async def due(self, now: int, desk_ids: Iterable[str], limit: int = 50) -> list[OutboxItem]:
        """Pending items of these desks' cases in the order they were written, each case's queue kept in order
        (the cases of a desk whose group is unusable wait, without holding up the others)."""
        desks, ids = _in(desk_ids)
        async with self._db.connection.execute(
            f"""SELECT id, case_id, direction, source_message, media_group_id, reply_to, notice, attempts, file_ref,
                       group_chat
                FROM outbox o WHERE status = 'pending' AND next_attempt_at <= ?
                AND case_id IN (SELECT id FROM cases WHERE desk_id {desks})
                AND NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.status = 'pending'
                                AND earlier.case_id = o.case_id AND earlier.direction = o.direction
                                AND earlier.id < o.id AND earlier.next_attempt_at > ?)
                ORDER BY id LIMIT ?""",
            (now, *ids, now, limit),
        ) as cursor:
            return [OutboxItem(*row) for row in await cursor.fetchall()]

    async def get(self, item_id: int) -> OutboxItem | None:
        async with self._db.connection.execute(
            """SELECT id, case_id, direction, source_message, media_group_id, reply_to, notice, attempts, file_ref,
                      group_chat
               FROM outbox WHERE id = ?""",
            (item_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return OutboxItem(*row) if row else None

    async def mark_sent(self, item_id: int, sent_message: int | None, group_chat: int | None = None) -> None:
        """Sent; `group_chat`: the desk's group her message's copy went to (a reply keeps the group it came from)."""
        await self._db.connection.execute(
            "UPDATE outbox SET status = 'sent', sent_message = ?, attempts = attempts + 1, file_ref = NULL, "
            "group_chat = COALESCE(?, group_chat) WHERE id = ?",
            (sent_message, group_chat, item_id),
        )

    async def conversation(self, case_id: int, group_chat: int) -> list[tuple[bool, int, int]]:
        """The case's messages in a desk's group, in the order they appear there: (hers, the id to copy — in her
        chat for hers, in the group for an advocate's —, the id in the group). Advocates' replies count whether
        or not she has opened them yet."""
        async with self._db.connection.execute(
            """SELECT direction = 'to_group', source_message, CASE direction WHEN 'to_group' THEN sent_message
                      ELSE source_message END AS place
               FROM outbox WHERE case_id = ? AND group_chat = ? AND source_message IS NOT NULL
               AND ((direction = 'to_group' AND status = 'sent' AND sent_message IS NOT NULL)
                    OR (direction = 'to_survivor' AND status != 'dropped'))
               ORDER BY place""",
            (case_id, group_chat),
        ) as cursor:
            return [(bool(row[0]), int(row[1]), int(row[2])) for row in await cursor.fetchall()]

    async def name_group(self, case_id: int, group_chat: int) -> None:
        """Items relayed before desks were in this group (the one there was): say so, before a transfer."""
        await self._db.connection.execute(
            "UPDATE outbox SET group_chat = ? WHERE case_id = ? AND group_chat IS NULL "
            "AND (direction = 'to_survivor' OR status = 'sent')",
            (group_chat, case_id),
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

    async def move_behind(self, item_id: int) -> None:
        """The case's other messages waiting for the group go after this item, in their order: one statement,
        so a crash leaves them either where they were or all moved (ids are only the queue's order)."""
        await self._db.connection.execute(
            """UPDATE outbox SET id = id + (SELECT MAX(id) FROM outbox)
               WHERE case_id = (SELECT case_id FROM outbox WHERE id = ?) AND direction = 'to_group'
               AND status = 'pending' AND id < ?""",
            (item_id, item_id),
        )

    async def received_since(self, desk_id: str, since: int) -> list[int]:
        """When her messages to a desk's cases arrived since then (unix times; for the shift summary)."""
        async with self._db.connection.execute(
            """SELECT created_at FROM outbox WHERE direction = 'to_group' AND source_message IS NOT NULL
               AND created_at >= ? AND case_id IN (SELECT id FROM cases WHERE desk_id = ?)""",
            (since, desk_id),
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

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

    async def next_due_at(self, desk_ids: Iterable[str]) -> int | None:
        desks, ids = _in(desk_ids)
        async with self._db.connection.execute(
            f"""SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'
                AND case_id IN (SELECT id FROM cases WHERE desk_id {desks})""",
            ids,
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None


class PairRepository:
    """Which message in her chat is which message in a desk's group, so replies keep their reply-to links.
    Message ids are per chat: every lookup names the group (NULL: relayed before desks, in the one group)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        case_id: int,
        survivor_message: int,
        group_message: int,
        group_chat: int | None = None,
    ) -> None:
        await self._db.connection.execute(
            """INSERT OR IGNORE INTO message_pairs (case_id, survivor_message, group_message, group_chat)
               VALUES (?, ?, ?, ?)""",
            (case_id, survivor_message, group_message, group_chat),
        )

    async def group_for(self, case_id: int, survivor_message: int, group_chat: int) -> int | None:
        return await self._one(
            """SELECT group_message FROM message_pairs WHERE case_id = ? AND survivor_message = ?
               AND (group_chat = ? OR group_chat IS NULL) ORDER BY group_chat IS NULL LIMIT 1""",
            (case_id, survivor_message, group_chat),
        )

    async def survivor_for(self, case_id: int, group_message: int, group_chat: int) -> int | None:
        return await self._one(
            """SELECT survivor_message FROM message_pairs WHERE case_id = ? AND group_message = ?
               AND (group_chat = ? OR group_chat IS NULL) ORDER BY group_chat IS NULL LIMIT 1""",
            (case_id, group_message, group_chat),
        )

    async def name_group(self, case_id: int, group_chat: int) -> None:
        """Pairs relayed before desks were in this group (the one there was): say so, before a transfer."""
        await self._db.connection.execute(
            "UPDATE message_pairs SET group_chat = ? WHERE case_id = ? AND group_chat IS NULL", (group_chat, case_id)
        )

    async def _one(self, sql: str, params: tuple[Any, ...]) -> int | None:
        async with self._db.connection.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, case_code: str, actor: int | None, action: str, at: int, desk_id: str | None = None) -> None:
        await self._db.connection.execute(
            "INSERT INTO audit_log (case_code, actor, action, at, desk_id) VALUES (?, ?, ?, ?, ?)",
            (case_code, actor, action, at, desk_id),
        )

    async def erased(self, case_code: str, at: int, desk_id: str | None = None) -> None:
        """The case was erased at her request: of its lines only this one stays (a second call leaves one)."""
        await self._db.connection.execute("DELETE FROM audit_log WHERE case_code = ?", (case_code,))
        await self.record(case_code, None, "erase", at, desk_id)

    async def purge_before(self, cutoff: int) -> int:
        cursor = await self._db.connection.execute("DELETE FROM audit_log WHERE at < ?", (cutoff,))
        return cursor.rowcount

    async def actions(self, case_code: str) -> list[tuple[int | None, str]]:
        async with self._db.connection.execute(
            "SELECT actor, action FROM audit_log WHERE case_code = ? ORDER BY id", (case_code,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def lines(self, case_code: str) -> list[tuple[int | None, str, str | None]]:
        """(actor, action, desk) of a case, oldest first."""
        async with self._db.connection.execute(
            "SELECT actor, action, desk_id FROM audit_log WHERE case_code = ? ORDER BY id", (case_code,)
        ) as cursor:
            return [(row[0], row[1], row[2]) for row in await cursor.fetchall()]


@dataclass(frozen=True)
class ErasedTopic:
    """The topic of a case that was erased, until it is gone from its desk's group: the group, the topic's
    number and the case code — nothing of her. chat_id 0: erased before desks existed (BOT_ADVOCATE_CHAT_ID)."""

    chat_id: int
    thread_id: int
    code: str


class ErasedTopicRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, topic: ErasedTopic, at: int) -> None:
        await self._db.connection.execute(
            "INSERT OR REPLACE INTO erased_topics (chat_id, thread_id, code, erased_at) VALUES (?, ?, ?, ?)",
            (topic.chat_id, topic.thread_id, topic.code, at),
        )

    async def waiting(self, limit: int = 20) -> list[ErasedTopic]:
        async with self._db.connection.execute(
            "SELECT chat_id, thread_id, code FROM erased_topics ORDER BY erased_at LIMIT ?", (limit,)
        ) as cursor:
            return [ErasedTopic(*row) for row in await cursor.fetchall()]

    async def done(self, topic: ErasedTopic) -> None:
        await self._db.connection.execute(
            "DELETE FROM erased_topics WHERE chat_id = ? AND thread_id = ?", (topic.chat_id, topic.thread_id)
        )


@dataclass(frozen=True)
class DeskFigures:
    """One desk's figures over some days: counts only (`python -m bot desks stats`)."""

    desk_id: str
    opened: int = 0
    closed: int = 0
    transfers_out: int = 0
    transfers_in: int = 0
    first_reply_minutes: tuple[int, ...] = ()  # one per answered case, sorted
    answered_in_time: int = 0


class DeskEventRepository:
    """What happened at each desk, by day: opened, closed, first replies (minutes, in time or not), transfers.
    No case code and no time of day, so the figures outlive erased cases and point to nobody."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self, desk_id: str, kind: str, day: str, minutes: int | None = None, in_time: bool | None = None
    ) -> None:
        await self._db.connection.execute(
            "INSERT INTO desk_events (desk_id, kind, day, minutes, in_time) VALUES (?, ?, ?, ?, ?)",
            (desk_id, kind, day, minutes, None if in_time is None else int(in_time)),
        )

    async def figures(self, since_day: str) -> list[DeskFigures]:
        async with self._db.connection.execute(
            "SELECT desk_id, kind, minutes, in_time FROM desk_events WHERE day >= ? ORDER BY desk_id, minutes",
            (since_day,),
        ) as cursor:
            rows = await cursor.fetchall()
        counts: dict[str, dict[str, Any]] = {}
        for desk_id, kind, minutes, in_time in rows:
            desk = counts.setdefault(desk_id, {"minutes": [], "in_time": 0})
            desk[kind] = desk.get(kind, 0) + 1
            if kind == "first_reply":
                desk["minutes"].append(int(minutes or 0))
                desk["in_time"] += int(in_time or 0)
        return [
            DeskFigures(
                desk_id,
                desk.get("opened", 0),
                desk.get("closed", 0),
                desk.get("transfer_out", 0),
                desk.get("transfer_in", 0),
                tuple(sorted(desk["minutes"])),
                desk["in_time"],
            )
            for desk_id, desk in counts.items()
        ]

    async def purge_before(self, day: str) -> None:
        await self._db.connection.execute("DELETE FROM desk_events WHERE day < ?", (day,))


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
