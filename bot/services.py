"""The services a running bot needs, opened together and closed together. No Telegram here.

This is the composition of the plain async services (guide, safety, handoff, journal, the danger check) over
their storage; the Telegram layer reaches them through its typed `BotData`, the CLI and the tests open them directly.
Steps that span several capabilities — forgetting a person, saving a danger check in her journal — are one call
here, not handler code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.content.i18n import Localizer
from bot.content.store import ContentStore
from bot.crypto import CASE_CHAT_ID, RELAY_FILE, WIPE_CHAT_ID, Sealer
from bot.danger.model import Result
from bot.danger.service import DangerCheckService
from bot.guide.service import GuideService
from bot.handoff.desks import DeskDirectory
from bot.handoff.repository import (
    AuditRepository,
    Case,
    CaseRepository,
    DeskEventRepository,
    ErasedTopicRepository,
    OutboxRepository,
    PairRepository,
)
from bot.handoff.service import HandoffService
from bot.journal.model import Entry, EntryFields
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.rotation.moves import PseudonymMoves
from bot.rotation.rotate import load_legacy
from bot.safety.service import SafetyService
from bot.storage.chat_log import ChatLogRepository, ChecklistRepository
from bot.storage.database import Database
from bot.storage.flow_messages import FlowMessageRepository
from bot.storage.usage import UsageRepository
from bot.storage.users import UserRepository

log = logging.getLogger(__name__)


def open_desks(settings: Settings) -> DeskDirectory:
    """The configured desks; raises DesksError (every problem as path:line) for a desks file with errors."""
    return DeskDirectory.configured(
        settings.desks_file, settings.advocate_chat_id, settings.work_hours, settings.work_days,
        settings.advocate_language,
    )  # fmt: skip


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
    danger: DangerCheckService
    moves: PseudonymMoves  # after a key rotation: people move to their new pseudonym when they write
    desks: DeskDirectory  # the advocates' desks (BOT_DESKS_FILE or BOT_ADVOCATE_CHAT_ID), swapped on reload

    @classmethod
    async def open(
        cls, settings: Settings, content: ContentStore, secret_key: bytes, desks: DeskDirectory | None = None
    ) -> Services:
        """`desks`: already loaded (the command line checks the file before anything starts), else loaded here."""
        desks = desks or open_desks(settings)
        # Group commit: the handlers' writes share fsyncs; an update is confirmed only once they are durable.
        database = await Database.open(settings.database_path, group_commit=True)
        legacy = await load_legacy(database, secret_key)
        pseudonyms = Pseudonymizer(secret_key)
        users, checklists = UserRepository(database), ChecklistRepository(database)
        safety = SafetyService(
            users,
            ChatLogRepository(database),
            checklists,
            FlowMessageRepository(database),
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
            ErasedTopicRepository(database),
            pseudonyms,
            Sealer(secret_key, CASE_CHAT_ID),
            Sealer(secret_key, RELAY_FILE),
            DeskEventRepository(database),
            desks,
        )
        journal_database = await Database.open(settings.database_path)
        journal = JournalService(
            journal_database,
            settings.data_dir,
            secret_key,
            idle_seconds=settings.journal_idle_seconds,
            legacy_kek=legacy.journal_kek if legacy is not None else None,
            calibrate=True,
        )
        guide = GuideService(content, users, checklists, safety, pseudonyms, usage, journals=journal)
        danger = DangerCheckService(content)
        moves = PseudonymMoves(database, secret_key, pseudonyms, legacy, content.checklist_items)
        return cls(
            database,
            content,
            pseudonyms,
            safety,
            guide,
            handoff,
            journal,
            journal_database,
            usage,
            users,
            danger,
            moves,
            desks,
        )

    async def recognise(self, user_id: int) -> None:
        """After a key rotation: if she has not written since, her rows move to her new pseudonym now."""
        if await self.moves.recognise(user_id):
            self.safety.forget_cached(user_id)

    async def forget(self, user_id: int) -> list[Case]:
        """Everything stored about her goes: her cases are deleted (returned, so the advocates' desk can
        tell their topics), her journal key and files are destroyed, then her user row, ticks, schedule and the ids
        the bot kept of her chat (the wipe's, the journal flow's, a pending export deletion).
        Her chat itself is emptied by the caller, who can talk to Telegram."""
        erased = await self.handoff.erase(user_id)
        await self.journal.delete_all(self.pseudonyms.user_key(user_id))
        await self.safety.forget(user_id)
        # What was deleted must leave the files: the old pages of the database file are overwritten only when
        # the write-ahead log is copied back into it (secure_delete), and the log itself is emptied.
        await self.database.checkpoint()
        log.info("user data forgotten user=%s", self.pseudonyms.for_log(user_id))
        return erased

    async def save_danger_check(self, user_key: str, result: Result, ui: Localizer) -> Entry:
        """Her danger check's result as a journal entry, dated today, encrypted like every entry: the only way
        its answers are ever stored, and only when she asks for it. Raises what the journal raises
        (JournalLocked: ask for the PIN, or create the journal, and call again)."""
        text = self.danger.entry_text(result, ui)
        fields = EntryFields(occurred_on=self.journal.today(), what_happened=text)
        entry = await self.journal.add_entry(user_key, fields)
        log.info("danger check saved to the journal")
        return entry

    async def backlog(self) -> Backlog:
        pending = await self.handoff.outbox.pending_count()
        oldest = await self.handoff.outbox.oldest_pending_at() if pending else None
        wipes, deletions = await self.safety.backlog()
        return Backlog(pending, oldest, wipes, deletions)

    async def close(self) -> None:
        await self.usage.flush()
        await self.journal_database.close()
        await self.database.close()
