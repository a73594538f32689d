"""Running the bot: start, poll until asked to stop, shut down cleanly. Used by `run` and by `demo`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.app import ALLOWED_UPDATES, attach, build_application, close_http, publish_commands
from bot.config import ConfigError, Settings
from bot.content.problems import ContentError
from bot.content.store import ContentStore
from bot.services import Services
from bot.telegram.context import BotApplication
from bot.telegram.polling import poll

log = logging.getLogger(__name__)

MAX_START_DELAY = 30.0  # seconds between attempts to reach the Bot API server at start


async def serve(
    settings: Settings,
    token: str,
    content: ContentStore,
    secret_key: bytes,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
) -> None:
    """Poll for updates until `stop` is set. Raises ConfigError for a token the server rejects."""
    application = build_application(settings, token)
    try:
        if await _initialize(application, stop):
            await _serve(application, settings, content, secret_key, stop, ready)
    finally:
        await close_http(application)


async def _serve(
    application: BotApplication,
    settings: Settings,
    content: ContentStore,
    secret_key: bytes,
    stop: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    services = None
    try:
        services = await Services.open(settings, content, secret_key)
        desk = attach(application, services, settings)
        await services.journal.remove_stray_files()  # a crash between writing a file and its row
        await publish_commands(application, content)
        await desk.check_group()
        relay = asyncio.create_task(desk.run(), name="relay")
        await application.start()
        log.info("bot started username=%s", application.bot.username)
        if ready is not None:
            ready.set()
        # Pending updates are kept (never dropped): a message sent while the bot was down still gets its answer.
        await poll(application, stop, ALLOWED_UPDATES)
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


async def _initialize(application: BotApplication, stop: asyncio.Event) -> bool:
    """Reach the Bot API server, retrying with growing pauses while it is unreachable."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise ConfigError("BOT_TOKEN: the Bot API server rejected this token; check it with @BotFather") from None
        except (NetworkError, TimedOut) as error:
            log.warning("cannot reach the Bot API server error=%s retry_in=%.0fs", type(error).__name__, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, MAX_START_DELAY)
    return False
