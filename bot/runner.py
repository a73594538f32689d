"""Running the bot: start, take updates until asked to stop, shut down cleanly. Used by `run` and by `demo`.

Updates come by long polling, or — when BOT_WEBHOOK_URL is set — by webhook (bot/telegram/webhook.py).
/healthz and /metrics (bot/monitor.py) are served on the webhook's listener, and on BOT_METRICS_LISTEN when
that is set (in polling mode the only place).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.app import ALLOWED_UPDATES, attach, build_application, close_http, publish_commands
from bot.config import ENV_PREFIX, ConfigError, Settings
from bot.content.problems import ContentError
from bot.content.store import ContentStore
from bot.handoff.desks import DeskDirectory, DesksError
from bot.monitor import Monitor, listening
from bot.services import Services
from bot.storage.inbox import UpdateInbox
from bot.telegram.context import BotApplication
from bot.telegram.polling import poll
from bot.telegram.webhook import Webhook, WebhookRefused

log = logging.getLogger(__name__)

MAX_START_DELAY = 30.0  # seconds between attempts to reach the Bot API server at start


async def serve(
    settings: Settings,
    token: str,
    content: ContentStore,
    secret_key: bytes,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    desks: DeskDirectory | None = None,
) -> None:
    """Poll for updates until `stop` is set. Raises ConfigError for a token the server rejects. `desks`: as
    loaded by the caller (else from the settings)."""
    application = build_application(settings, token)
    try:
        if await _initialize(application, stop):
            await _serve(application, settings, content, secret_key, stop, ready, desks)
    finally:
        await close_http(application)


async def _serve(
    application: BotApplication,
    settings: Settings,
    content: ContentStore,
    secret_key: bytes,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
    desks: DeskDirectory | None,
) -> None:
    services = None
    try:
        services = await Services.open(settings, content, secret_key, desks)
        advocates = attach(application, services, settings)
        await services.journal.remove_stray_files()  # a crash between writing a file and its row
        await publish_commands(application, content)
        await advocates.check_all()
        relay = asyncio.create_task(advocates.run(), name="relay")
        await application.start()
        if settings.webhook_url is None:
            await _poll(application, settings, services, stop, ready)
        else:
            await _receive(application, settings, services, secret_key, stop, ready)
        log.info("stopping")
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
        if services is not None:
            await services.close()
        log.info("stopped")


async def _poll(
    application: BotApplication,
    settings: Settings,
    services: Services,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    """Long polling; /healthz and /metrics on BOT_METRICS_LISTEN if it is set."""
    if not await _delete_webhook(application, stop):
        return
    monitor = Monitor(application.bot_data.metrics, services)
    async with contextlib.AsyncExitStack() as servers:
        if settings.metrics_listen is not None:
            await servers.enter_async_context(listening(monitor.routes(), settings.metrics_listen, _METRICS_LISTEN))
        _started(application, "polling", ready)
        # Pending updates are kept (never dropped): a message sent while the bot was down still gets its answer.
        await poll(application, stop, ALLOWED_UPDATES, durable=services.database)


async def _receive(
    application: BotApplication,
    settings: Settings,
    services: Services,
    secret_key: bytes,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    """Webhook mode: what the last run left in the inbox first, then the webhook's server (with /healthz and
    /metrics), then setWebhook; until `stop`, when the server stops listening and what was begun finishes."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    inbox = UpdateInbox(services.database, secret_key)
    webhook = Webhook(
        application,
        inbox,
        url=settings.webhook_url,
        path=settings.webhook_path,
        secret=settings.webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=settings.webhook_max_connections,
        durable=services.database,
        checkpoint=services.database.checkpoint,
    )
    monitor = Monitor(application.bot_data.metrics, services, inbox=inbox, telegram_problem=lambda: webhook.problem)
    try:
        await webhook.recover()
        async with contextlib.AsyncExitStack() as servers:
            routes = webhook.routes() + monitor.routes()
            await servers.enter_async_context(listening(routes, settings.webhook_listen, _WEBHOOK_LISTEN))
            if settings.metrics_listen is not None:
                await servers.enter_async_context(listening(monitor.routes(), settings.metrics_listen, _METRICS_LISTEN))
            try:
                if not await webhook.register(stop):
                    return
            except WebhookRefused as refused:
                raise ConfigError(f"{ENV_PREFIX}WEBHOOK_URL: Telegram refused the webhook: {refused}") from None
            _started(application, "webhook", ready)
            await webhook.run(stop)
    finally:
        await webhook.finish()


_WEBHOOK_LISTEN, _METRICS_LISTEN = f"{ENV_PREFIX}WEBHOOK_LISTEN", f"{ENV_PREFIX}METRICS_LISTEN"


def _started(application: BotApplication, mode: str, ready: asyncio.Event | None) -> None:
    log.info("bot started username=%s mode=%s", application.bot.username, mode)
    if ready is not None:
        ready.set()


async def _delete_webhook(application: BotApplication, stop: asyncio.Event) -> bool:
    """Telegram refuses getUpdates while a webhook is set, so one left from webhook mode is removed first; the
    updates waiting there are kept (drop_pending_updates=False). False if stopped before it worked."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.bot.delete_webhook(drop_pending_updates=False)
        except (NetworkError, TimedOut) as error:
            log.warning("cannot remove the webhook error=%s retry_in=%.0fs", type(error).__name__, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, MAX_START_DELAY)
            continue
        application.bot_data.metrics.contact()
        return True
    return False


def reload_content(content: ContentStore) -> bool:
    """SIGHUP: new texts without a restart, or — if they have errors — the old ones, and the reasons logged
    as path:line (content paths are the editors' files, not personal data)."""
    try:
        warnings = content.reload()
    except ContentError as error:
        errors = [problem for problem in error.problems if problem.is_error]
        log.error("content reload refused, still serving the previous content errors=%d", len(errors))
        for problem in errors:
            log.error("content problem %s", problem)
        return False
    log.info("content reloaded fingerprint=%s warnings=%d", content.tree.fingerprint, len(warnings))
    return True


def reload_desks(desks: DeskDirectory) -> bool:
    """SIGHUP: the desks file read again (an advocate removed from it can no longer act), or — if it has
    errors — the previous desks kept, and the reasons logged as path:line (the operator's file)."""
    try:
        book = desks.reload()
    except DesksError as error:
        log.error("desks reload refused, still using the previous desks errors=%d", len(error.problems))
        for problem in error.problems:
            log.error("desks problem %s", problem)
        return False
    if desks.path is not None:
        log.info("desks reloaded desks=%d", len(book))
    return True


def reload_all(content: ContentStore, desks: DeskDirectory) -> None:
    """SIGHUP: the content and the desks, each refused on its own if it has errors."""
    reload_content(content)
    reload_desks(desks)


async def _initialize(application: BotApplication, stop: asyncio.Event) -> bool:
    """Reach the Bot API server, retrying with growing pauses while it is unreachable."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            application.bot_data.metrics.contact()
            return True
        except InvalidToken:
            raise ConfigError("BOT_TOKEN: the Bot API server rejected this token; check it with @BotFather") from None
        except (NetworkError, TimedOut) as error:
            log.warning("cannot reach the Bot API server error=%s retry_in=%.0fs", type(error).__name__, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, MAX_START_DELAY)
    return False
