"""Wiring: the python-telegram-bot Application around the services (bot/services.py), its handlers and jobs."""

from __future__ import annotations

import logging
from typing import cast

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE
from bot.content.store import ContentStore
from bot.services import Services
from bot.telegram import handlers
from bot.telegram import handoff as handoff_handlers
from bot.telegram.context import CONTEXT_TYPES, BotApplication, Context
from bot.telegram.desk import Desks
from bot.telegram.http import AiohttpRequest, UpdatesRequest

log = logging.getLogger(__name__)

# Everything the bot sends is silent (a notification sound draws attention to the phone), cannot be
# forwarded or saved (protect_content), and shows no link previews.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    disable_notification=True,
    protect_content=True,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
)
USAGE_FLUSH_SECONDS = 60  # screen counts reach the database once a minute (and at shutdown)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
COMMANDS = (
    ("start", "command_start"),
    ("sos", "command_sos"),
    ("menu", "command_menu"),
    ("language", "command_language"),
)


def build_application(
    settings: Settings,
    token: str,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> BotApplication:
    builder = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .defaults(DEFAULTS)
        .updater(None)  # bot/telegram/polling.py polls, confirming updates only once handled
    )
    if rate_limit:
        # Honours Telegram's flood limits and retries a 429 after its retry_after instead of losing the message.
        limiter = AIORateLimiter(
            max_retries=3,
            overall_max_rate=settings.messages_per_second,
            group_max_rate=settings.group_messages_per_minute,
            group_time_period=60,
        )
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB types it for its default builder
    http: tuple[BaseRequest, ...] = ()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # One pool for the bot's calls and one for the long poll, so a waiting getUpdates never blocks a reply.
        http = (AiohttpRequest(), UpdatesRequest())
        builder = builder.request(http[0]).get_updates_request(http[1])
    # The builder's generic parameters do not follow context_types(); the application is what CONTEXT_TYPES says.
    application = cast(BotApplication, builder.build())
    application.bot_data.http = http
    handlers.register(application)
    return application


async def close_http(application: BotApplication) -> None:
    """Close the HTTP sessions even when start-up failed half-way (PTB closes them only after a full start)."""
    for request in application.bot_data.http:
        await request.shutdown()


def attach(application: BotApplication, services: Services, settings: Settings) -> Desks:
    desks = Desks(application.bot, services, settings)
    application.bot_data.attach(services, settings, desks)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            handoff_handlers.periodic, interval=settings.wipe_check_seconds, first=settings.wipe_check_seconds,
            name="advocates-desks",
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
    return desks


async def _flush_usage(context: Context) -> None:
    await context.bot_data.services.usage.flush()


async def publish_commands(application: BotApplication, content: ContentStore) -> None:
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
