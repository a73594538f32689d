"""The handoff use-cases as plain async Python: opening, relaying, claiming, closing and transferring cases.

A survivor's case is known to advocates by a code (K7Q2), her language, the region she chose and what she
writes — never her name, username or Telegram id. Each case belongs to one desk (bot/handoff/desks.py); what
advocates do is written to the audit log with the desk, and each desk's figures are kept as counts by day.
Every relayed message goes through the outbox first (written before it is sent), so a crash or a Telegram
error delays it but never loses it; the Telegram layer (bot/telegram/desk.py) delivers the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from bot.crypto import Sealer
from bot.handoff.desks import DeskConfig, DeskDirectory
from bot.handoff.repository import (
    AuditRepository,
    Case,
    CaseRepository,
    DeskEventRepository,
    ErasedTopic,
    ErasedTopicRepository,
    OutboxItem,
    OutboxRepository,
    PairRepository,
)
from bot.privacy import Pseudonymizer
from bot.timezone import ALMATY

log = logging.getLogger(__name__)

CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 2/Z, 5/S, 8/B)
CODE_LENGTH = 4
ALBUM_WAIT = 2  # seconds: the parts of an album arrive one by one; send them together

# The outbox item that copies a transferred case's messages into its new topic: "transfer_history:<old group>".
TRANSFER_HISTORY = "transfer_history"

SAFE = {"y": "yes", "n": "no"}
HELP = {"l": "legal", "p": "psychological", "s": "shelter", "c": "police", "o": "other"}
WHEN = {"a": "any", "m": "morning", "d": "afternoon", "e": "evening"}


@dataclass(frozen=True)
class Triage:
    """Her optional answers, as short codes ("-" = skipped). Codes only: never her own words."""

    safe: str = "-"
    help: str = "-"
    when: str = "-"

    @classmethod
    def parse(cls, text: str) -> Triage:
        parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
        return cls(parts.get("safe", "-"), parts.get("help", "-"), parts.get("when", "-"))

    def encode(self) -> str:
        return f"safe={self.safe};help={self.help};when={self.when}"

    @property
    def urgent(self) -> bool:
        return self.safe == "n"


@dataclass(frozen=True)
class RelayFile:
    """A photo she sent as a file: relayed downloaded, cleaned of its metadata and sent anew under a neutral
    name, rather than copied as it is. Its caption (her words, as HTML) goes with it, since a new message
    cannot copy the old one's. Kept in the outbox only sealed, and only until it is sent."""

    file_id: str
    caption_html: str | None


class HandoffService:
    def __init__(
        self,
        cases: CaseRepository,
        outbox: OutboxRepository,
        pairs: PairRepository,
        audit: AuditRepository,
        erased_topics: ErasedTopicRepository,
        pseudonyms: Pseudonymizer,
        sealer: Sealer,
        file_sealer: Sealer,  # photos waiting in the outbox (their own key: another purpose than chat ids)
        events: DeskEventRepository,
        desks: DeskDirectory,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cases = cases
        self.outbox = outbox
        self.pairs = pairs
        self.audit = audit
        self.erased_topics = erased_topics
        self.events = events
        self.desks = desks
        self._pseudonyms = pseudonyms
        self._sealer = sealer
        self.clock = clock
        self._file_sealer = file_sealer

    # ------------------------------------------------------------------------------------ survivor side

    async def case_of(self, telegram_user_id: int) -> Case | None:
        return await self.cases.latest_for_user(self._pseudonyms.user_key(telegram_user_id))

    async def open_case(
        self,
        telegram_user_id: int,
        language: str,
        triage: Triage,
        desk_id: str | None = None,
        region: str | None = None,
        promised_by: int | None = None,
    ) -> Case:
        """Open her case at a desk (or return the one already open, wherever it is). The topic is created by
        the relay. `promised_by`: when she was told to expect an answer (the desk's figures compare)."""
        user_key = self._pseudonyms.user_key(telegram_user_id)
        existing = await self.cases.latest_for_user(user_key)
        if existing is not None and existing.is_open:
            return existing
        now = self._now()
        case = await self.cases.create(
            await self._new_code(), user_key, self._seal(user_key, telegram_user_id), language, triage.urgent,
            triage.encode(), now, desk_id=desk_id, region=region, promised_by=promised_by,
        )  # fmt: skip
        await self.audit.record(case.code, None, "open", now, desk_id)
        await self._count(case.desk_id, "opened")
        return case

    def desk_of(self, case: Case) -> DeskConfig | None:
        """The desk that handles the case; None if it is not configured (any more): see `adopt`."""
        return self.desks.book.get(case.desk_id)

    async def adopt(self, route: Callable[[Case], DeskConfig | None]) -> list[Case]:
        """Cases whose desk is not configured: opened before desks existed, or their desk left the file. With
        the shorthand they are its own (their topics are in its group); otherwise each goes to the desk `route`
        names, to get a new topic there (none usable: it waits). Returns the cases moved to a new desk."""
        book = self.desks.book
        moved = []
        for case in await self.cases.not_at(desk.id for desk in book):
            if case.desk_id is None and book.shorthand is not None:
                await self.cases.update(case.id, desk_id=book.shorthand.id)
                continue
            desk = route(case)
            if desk is None:
                continue
            await self.cases.update(case.id, desk_id=desk.id, thread_id=None, card_message_id=None)
            await self.audit.record(case.code, None, "transfer", self._now(), case.desk_id)
            await self._count(desk.id, "transfer_in")
            moved.append(case)
        return moved

    async def survivor_wrote(
        self,
        telegram_user_id: int,
        message_id: int,
        media_group_id: str | None,
        reply_to: int | None,
        file: RelayFile | None = None,
    ) -> Case | None:
        """Her message while she has a case: queued for the topic. A closed case opens again. `file`: a photo
        sent as a file, to be relayed cleaned of its metadata."""
        case = await self.case_of(telegram_user_id)
        if case is None:
            return None
        now = self._now()
        if not case.is_open:
            await self._set_status(case, "open", actor=None, action="reopen")
            await self.outbox.add(case.id, "to_group", now, notice="notice_reopened_by_survivor")
        await self.cases.update(case.id, activity_at=now)
        not_before = now
        if media_group_id:
            # Every part of an album waits for the same moment, the first part's: a second turning between
            # two parts would otherwise send the first one alone.
            not_before = await self.outbox.album_due_at(case.id, media_group_id) or now + ALBUM_WAIT
        file_ref = None
        if file is not None and case.user_key is not None:
            plain = json.dumps({"file_id": file.file_id, "caption": file.caption_html}).encode()
            file_ref = self._file_sealer.seal(plain, _file_binding(case.user_key, message_id))
        await self.outbox.add(
            case.id, "to_group", now, source_message=message_id, media_group_id=media_group_id, reply_to=reply_to,
            not_before=not_before, file_ref=file_ref,
        )  # fmt: skip
        return await self.cases.get(case.id)

    def relay_file(self, case: Case, item: OutboxItem) -> RelayFile | None:
        """The photo of an outbox item, to relay cleaned; None if it has none, or it cannot be opened (sealed
        under another key): it is then copied as it is, like any other file."""
        if item.file_ref is None or case.user_key is None or item.source_message is None:
            return None
        try:
            plain = json.loads(self._file_sealer.open(item.file_ref, _file_binding(case.user_key, item.source_message)))
        except (InvalidTag, ValueError):
            log.error("relay file unreadable case=%s error=InvalidTag", case.code)
            return None
        return RelayFile(str(plain["file_id"]), plain.get("caption"))

    async def close_by_survivor(self, telegram_user_id: int) -> Case | None:
        case = await self.case_of(telegram_user_id)
        if case is None or not case.is_open:
            return case
        await self._set_status(case, "closed", actor=None, action="close")
        await self.outbox.add(case.id, "to_group", self._now(), notice="notice_closed_by_survivor")
        return await self.cases.get(case.id)

    async def erase(self, telegram_user_id: int) -> list[Case]:
        """/forget: her cases are deleted at once — the case, its outbox and message pairs, and every audit
        line of it but one, that case #CODE was erased (no advocate, nothing of her). A case that had a topic
        leaves only what the group must still be told: the topic's number and the code (`erased_topics`).
        Returns the cases as they were, for the desk.

        Each step can be done twice: if the process dies half-way, the same /forget (Telegram sends the
        update again) finishes it."""
        user_key = self._pseudonyms.user_key(telegram_user_id)
        erased = []
        while (case := await self.cases.latest_for_user(user_key)) is not None:
            now = self._now()
            desk = self.desk_of(case)
            for chat_id, thread_id in await self.cases.former_topics(case.id):  # at desks it was transferred from
                await self.erased_topics.add(ErasedTopic(chat_id, thread_id, case.code), now)
            if case.thread_id is not None:
                chat_id = desk.chat_id if desk is not None else 0  # 0: a group no longer configured
                await self.erased_topics.add(ErasedTopic(chat_id, case.thread_id, case.code), now)
            await self.audit.erased(case.code, now, case.desk_id)
            await self.cases.delete(case.id)
            erased.append(case)
        return erased

    async def her_reply(self, item_id: int, telegram_user_id: int) -> tuple[Case, OutboxItem] | None:
        """An advocate's reply in her own case, for the Show button (discreet mode); None for anything else,
        so a forged id from someone else's case shows nothing."""
        item = await self.outbox.get(item_id)
        case = await self.cases.get(item.case_id) if item is not None else None
        if item is None or case is None or item.direction != "to_survivor" or self.chat_id(case) != telegram_user_id:
            return None
        return case, item

    async def first_show(self, item: OutboxItem) -> bool:
        """True the first time only: a second tap on Show does not deliver the reply twice."""
        return await self.outbox.mark_shown(item.id)

    def chat_id(self, case: Case) -> int | None:
        """Her chat id, unsealed for delivery; None once she erased her data."""
        if case.chat_ref is None or case.user_key is None:
            return None
        return int(self._sealer.open(case.chat_ref, case.user_key.encode()))

    # ----------------------------------------------------------------------------------- advocate side

    async def case(self, case_id: int) -> Case | None:
        return await self.cases.get(case_id)

    async def case_in_topic(self, desk: DeskConfig, thread_id: int) -> Case | None:
        return await self.cases.by_topic(desk.id, thread_id)

    async def act(self, case: Case, verb: str, advocate_id: int, first_name: str) -> Case | None:
        """Claim, release, close or reopen from the desk; the desk is told in the topic. None for another verb.
        The advocate's first name is shown to colleagues (card, notice), never to her."""
        if verb == "claim":
            case, notice = await self.claim(case, advocate_id, first_name), "notice_claimed"
        elif verb == "release":
            case, notice = await self.release(case, advocate_id), "notice_released"
        elif verb == "close":
            case, notice = await self.close(case, advocate_id), "notice_closed"
        elif verb == "reopen":
            case, notice = await self.reopen(case, advocate_id), "notice_reopened"
        else:
            return None
        await self.outbox.add(case.id, "to_group", self._now(), notice=notice)
        return case

    async def advocate_wrote(self, case: Case, message_id: int, reply_to: int | None) -> bool:
        """An advocate's message in the case topic: queued for her. False if it cannot reach her."""
        if not case.is_open or case.blocked or case.user_key is None:
            return False
        now = self._now()
        await self.cases.update(case.id, activity_at=now)
        desk = self.desk_of(case)
        await self.outbox.add(
            case.id, "to_survivor", now, source_message=message_id, reply_to=reply_to,
            group_chat=desk.chat_id if desk is not None else None,
        )  # fmt: skip
        if case.first_reply_at is None:
            await self.cases.update(case.id, first_reply_at=now)
            in_time = case.promised_by is None or now <= case.promised_by
            await self._count(case.desk_id, "first_reply", minutes=(now - case.opened_at) // 60, in_time=in_time)
        return True

    async def transfer(self, case: Case, to: DeskConfig, coordinator_id: int) -> Case:
        """A coordinator moves the case to another desk: it gets a new topic there, whose first item (queued
        before anything she writes next, so the order holds) copies the case's messages from the topic it
        leaves; the old topic is kept as a former topic (erased with the case). Nobody holds it at the new
        desk until someone claims it. Her chat does not change."""
        old = self.desk_of(case)
        now = self._now()
        if old is not None and case.thread_id is not None:
            await self.cases.add_former_topic(case.id, old.chat_id, case.thread_id)
            await self.pairs.name_group(case.id, old.chat_id)
            await self.outbox.name_group(case.id, old.chat_id)
        await self.cases.update(
            case.id, desk_id=to.id, thread_id=None, card_message_id=None, claimed_by=None, claimed_name=None,
            pinged_at=None, activity_at=now,
        )  # fmt: skip
        await self.audit.record(case.code, coordinator_id, "transfer", now, case.desk_id)
        await self._count(case.desk_id, "transfer_out")
        await self._count(to.id, "transfer_in")
        if old is not None and case.thread_id is not None:
            # Her messages still waiting for the group come after the copied conversation, as she wrote them.
            history = await self.outbox.add(case.id, "to_group", now, notice=f"{TRANSFER_HISTORY}:{old.chat_id}")
            await self.outbox.move_behind(history)
        return await self._reload(case)

    async def claim(self, case: Case, advocate_id: int, first_name: str) -> Case:
        await self.cases.update(case.id, claimed_by=advocate_id, claimed_name=first_name[:64])
        await self.audit.record(case.code, advocate_id, "claim", self._now(), case.desk_id)
        return await self._reload(case)

    async def release(self, case: Case, advocate_id: int) -> Case:
        await self.cases.update(case.id, claimed_by=None, claimed_name=None)
        await self.audit.record(case.code, advocate_id, "release", self._now(), case.desk_id)
        return await self._reload(case)

    async def close(self, case: Case, advocate_id: int) -> Case:
        if case.is_open:
            await self._set_status(case, "closed", actor=advocate_id, action="close")
        return await self._reload(case)

    async def reopen(self, case: Case, advocate_id: int) -> Case:
        if case.status == "closed":
            await self._set_status(case, "open", actor=advocate_id, action="reopen")
        return await self._reload(case)

    async def unclaimed(self, minutes: int) -> list[Case]:
        """Open cases nobody has claimed for `minutes`, not pinged yet; marks them pinged."""
        now = self._now()
        cases = await self.cases.unclaimed_since(now - minutes * 60)
        for case in cases:
            await self.cases.update(case.id, pinged_at=now)
        return cases

    async def purge(self, retention_days: int, audit_retention_days: int | None = None) -> int:
        """Relay data of cases closed longer than `retention_days` ago; audit lines older than
        `audit_retention_days` (who claimed or closed which case is kept for accountability, not for ever)."""
        if audit_retention_days is not None:
            await self.audit.purge_before(self._now() - audit_retention_days * 86400)
            await self.events.purge_before(self.day(self._now() - audit_retention_days * 86400))
        return await self.cases.purge_closed(self._now() - retention_days * 86400)

    # ------------------------------------------------------------------------------------------ helpers

    async def _set_status(self, case: Case, status: str, actor: int | None, action: str) -> None:
        now = self._now()
        closed_at = now if status != "open" else None
        await self.cases.update(case.id, status=status, closed_at=closed_at, activity_at=now, pinged_at=None)
        await self.audit.record(case.code, actor, action, now, case.desk_id)
        if status == "closed":
            await self._count(case.desk_id, "closed")

    async def _count(self, desk_id: str | None, kind: str, **details: int | bool) -> None:
        """One more event in a desk's figures (a case of no desk counts for none)."""
        if desk_id is not None:
            await self.events.add(desk_id, kind, self.day(self._now()), **details)  # type: ignore[arg-type]

    @staticmethod
    def day(timestamp: int) -> str:
        """The Kazakhstan date of a moment: the desks' figures are kept by day."""
        return dt.datetime.fromtimestamp(timestamp, ALMATY).date().isoformat()

    async def _reload(self, case: Case) -> Case:
        fresh = await self.cases.get(case.id)
        return fresh if fresh is not None else case

    async def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if not await self.cases.code_exists(code):
                return code

    def _seal(self, user_key: str, telegram_user_id: int) -> bytes:
        return self._sealer.seal(str(telegram_user_id).encode(), user_key.encode())

    def _now(self) -> int:
        return int(self.clock())


def _file_binding(user_key: str, message_id: int) -> bytes:
    """A sealed file reference belongs to her message and no other row."""
    return f"{user_key}/{message_id}".encode()
