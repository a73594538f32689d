"""Wiring: the services a running bot needs, and the python-telegram-bot Application around them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE
from bot.content.store import ContentStore
from bot.crypto import Sealer
from bot.guide.service import GuideService
from bot.handoff.repository import AuditRepository, CaseRepository, OutboxRepository, PairRepository
from bot.handoff.service import HandoffService, WorkingHours
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.safety.service import SafetyService
from bot.storage.chat_log import ChatLogRepository, ChecklistRepository
from bot.storage.database import Database
from bot.storage.usage import UsageRepository
from bot.storage.users import UserRepository
from bot.telegram import handlers
from bot.telegram import handoff as handoff_handlers
from bot.telegram.desk import Desk
from bot.telegram.http import AiohttpRequest

log = logging.getLogger(__name__)

# Everything the bot sends is silent (a notification sound draws attention to the phone), cannot be
# forwarded or saved (protect_content), and shows no link previews.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    disable_notification=True,
    protect_content=True,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
)
HTTP_KEY = "http"  # bot_data: the HTTP request objects of a real (not test) application
USAGE_FLUSH_SECONDS = 60  # screen counts reach the database once a minute (and at shutdown)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
COMMANDS = (
    ("start", "command_start"),
    ("sos", "command_sos"),
    ("menu", "command_menu"),
    ("language", "command_language"),
)


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
            Sealer(secret_key, b"wipe-chat-id"),
            settings.auto_wipe_seconds,
        )
        usage = UsageRepository(database)
        guide = GuideService(content, users, checklists, safety, pseudonyms, usage)
        handoff = HandoffService(
            CaseRepository(database),
            OutboxRepository(database),
            PairRepository(database),
            AuditRepository(database),
            pseudonyms,
            Sealer(secret_key, b"case-chat-id"),
            WorkingHours.parse(settings.work_hours, settings.work_days),
        )
        journal_database = await Database.open(settings.database_path)
        journal = JournalService(
            journal_database, settings.data_dir, secret_key, idle_seconds=settings.journal_idle_seconds
        )
        return cls(database, content, pseudonyms, safety, guide, handoff, journal, journal_database, usage, users)

    async def close(self) -> None:
        await self.usage.flush()
        await self.journal_database.close()
        await self.database.close()


def build_application(
    settings: Settings,
    token: str,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .defaults(DEFAULTS)
        .updater(None)  # bot/telegram/polling.py polls, confirming updates only once handled
    )
    if rate_limit:
        # Honours Telegram's flood limits and retries a 429 after its retry_after instead of losing the message.
        builder = builder.rate_limiter(
            AIORateLimiter(
                max_retries=3,
                overall_max_rate=settings.messages_per_second,
                group_max_rate=settings.group_messages_per_minute,
                group_time_period=60,
            )
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # One pool for the bot's calls and one for the long poll, so a waiting getUpdates never blocks a reply.
        http = (AiohttpRequest(), AiohttpRequest(connection_pool_size=1))
        builder = builder.request(http[0]).get_updates_request(http[1])
    application = builder.build()
    if request is None:
        application.bot_data[HTTP_KEY] = http
    handlers.register(application, settings.advocate_chat_id)
    return application


async def close_http(application: Application) -> None:
    """Close the HTTP sessions even when start-up failed half-way (PTB closes them only after a full start)."""
    for request in application.bot_data.get(HTTP_KEY, ()):
        await request.shutdown()


def attach(application: Application, services: Services, settings: Settings) -> Desk:
    application.bot_data["services"] = services
    application.bot_data["settings"] = settings
    desk = application.bot_data["desk"] = Desk(application.bot, services, settings)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            handoff_handlers.periodic, interval=settings.wipe_check_seconds, first=settings.wipe_check_seconds,
            name="advocates-desk",
        )  # fmt: skip
        # Restart-safe: the due times live in the database, the job only looks for them.
        application.job_queue.run_repeating(
            handlers.auto_wipe,
            interval=settings.wipe_check_seconds,
            first=settings.wipe_check_seconds,
            name="auto-wipe",
        )
        application.job_queue.run_repeating(
            _flush_usage, interval=USAGE_FLUSH_SECONDS, first=USAGE_FLUSH_SECONDS, name="usage-counts"
        )
    return desk


async def _flush_usage(context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.application.bot_data["services"].usage.flush()


async def publish_commands(application: Application, content: ContentStore) -> None:
    """The command menu in each language; a failure here is logged, never fatal."""
    for language in LANGUAGES:
        ui = content.ui(language)
        commands = [BotCommand(name, ui.text(key)) for name, key in COMMANDS]
        try:
            await application.bot.set_my_commands(
                commands, language_code=None if language == SOURCE_LANGUAGE else language
            )
        except TelegramError as error:
            log.warning("could not set the command menu language=%s error=%s", language, type(error).__name__)
