"""The services a running bot needs, opened together and closed together. No Telegram here.

This is the composition of the plain async services (guide, safety, handoff, journal) over their storage;
the Telegram layer reaches them through its typed `BotData`, the CLI and the tests open them directly.
Steps that span several capabilities — forgetting a person — are one call here, not handler code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.content.store import ContentStore
from bot.crypto import CASE_CHAT_ID, WIPE_CHAT_ID, Sealer
from bot.guide.service import GuideService
from bot.handoff.hours import WorkingHours
from bot.handoff.repository import AuditRepository, Case, CaseRepository, OutboxRepository, PairRepository
from bot.handoff.service import HandoffService
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.safety.service import SafetyService
from bot.storage.chat_log import ChatLogRepository, ChecklistRepository
from bot.storage.database import Database
from bot.storage.usage import UsageRepository
from bot.storage.users import UserRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backlog:
    """Work that waits, as counts and one time: what the operator's metrics show. Nothing about anyone."""

    outbox_pending: int  # relayed messages not sent yet
    oldest_pending_at: int | None  # when the oldest of them was written (unix time)
    wipes_due: int  # automatic wipes of a conversation that are due
    deletions_due: int  # single messages (an export) due to be deleted


@dataclass
class Services:
    database: Database
    content: ContentStore
    pseudonyms: Pseudonymizer
    safety: SafetyService
    guide: GuideService
    handoff: HandoffService
    journal: JournalService
    journal_database: Database  # its own connection: its transactions never take in other writes
    usage: UsageRepository
    users: UserRepository

    @classmethod
    async def open(cls, settings: Settings, content: ContentStore, secret_key: bytes) -> Services:
        database = await Database.open(settings.database_path)
        pseudonyms = Pseudonymizer(secret_key)
        users, checklists = UserRepository(database), ChecklistRepository(database)
        safety = SafetyService(
            users,
            ChatLogRepository(database),
            checklists,
            pseudonyms,
            Sealer(secret_key, WIPE_CHAT_ID),
            settings.auto_wipe_seconds,
        )
        usage = UsageRepository(database)
        handoff = HandoffService(
            CaseRepository(database),
            OutboxRepository(database),
            PairRepository(database),
            AuditRepository(database),
            pseudonyms,
            Sealer(secret_key, CASE_CHAT_ID),
            WorkingHours.parse(settings.work_hours, settings.work_days),
        )
        journal_database = await Database.open(settings.database_path)
        journal = JournalService(
            journal_database, settings.data_dir, secret_key, idle_seconds=settings.journal_idle_seconds
        )
        guide = GuideService(content, users, checklists, safety, pseudonyms, usage, journals=journal)
        return cls(database, content, pseudonyms, safety, guide, handoff, journal, journal_database, usage, users)

    async def forget(self, user_id: int) -> list[Case]:
        """Everything stored about her goes: her cases are erased (returned, so the advocates' desk can
        show that), her journal key and files are destroyed, then her user row, ticks and schedule.
        Her chat itself is emptied by the caller, who can talk to Telegram."""
        erased = await self.handoff.erase(user_id)
        await self.journal.delete_all(self.pseudonyms.user_key(user_id))
        await self.safety.forget(user_id)
        # What was deleted must leave the files: the old pages of the database file are overwritten only when
        # the write-ahead log is copied back into it (secure_delete), and the log itself is emptied.
        await self.database.checkpoint()
        log.info("user data forgotten user=%s", self.pseudonyms.for_log(user_id))
        return erased

    async def backlog(self) -> Backlog:
        pending = await self.handoff.outbox.pending_count()
        oldest = await self.handoff.outbox.oldest_pending_at() if pending else None
        wipes, deletions = await self.safety.backlog()
        return Backlog(pending, oldest, wipes, deletions)

    async def close(self) -> None:
        await self.usage.flush()
        await self.journal_database.close()
        await self.database.close()
