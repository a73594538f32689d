"""GET /healthz and GET /metrics: what an operator's monitoring asks the running bot.

/healthz answers 200 `ok` while the bot can do its work, else 503 with one short line saying what is wrong:
- the database does not answer a read within a few seconds, or its file was removed or replaced under the
  running bot (what it writes would then be lost at the next start, and missing from backups);
- the bot has not heard from the Bot API for CONTACT_WINDOW seconds. Polling hears from it at least every
  ten seconds (a long poll ends); in webhook mode, where silence is normal, the webhook check
  (getWebhookInfo, every minute) counts as contact, and an update arriving does too;
- in webhook mode, Telegram reports that it cannot deliver updates to the webhook, or that the webhook it
  has is not this bot's URL.

/metrics is Prometheus' text format from the bot's own registry (bot/metrics.py); the backlog gauges are
read from the database just before, through aiosqlite's thread (the event loop only awaits them), with a
time limit. Neither page says anything about a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from bot.config import ConfigError, parse_listen
from bot.metrics import CONTENT_TYPE, Metrics
from bot.services import Services
from bot.storage.inbox import UpdateInbox

log = logging.getLogger(__name__)

CONTACT_WINDOW = 180  # seconds without a word from the Bot API before /healthz says so (3 webhook checks)
DATABASE_TIMEOUT = 3.0  # seconds a health or metrics read of the database may take


class Monitor:
    def __init__(
        self,
        metrics: Metrics,
        services: Services,
        *,
        inbox: UpdateInbox | None = None,
        telegram_problem: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.metrics = metrics
        self._services = services
        self._inbox = inbox
        self._telegram_problem = telegram_problem

    async def problem(self) -> str | None:
        """What keeps the bot from working, in a few words; None when it is healthy."""
        database = self._services.database
        try:
            await asyncio.wait_for(database.answers(), DATABASE_TIMEOUT)
        except TimeoutError:
            return f"database: no answer within {DATABASE_TIMEOUT:.0f} s"
        except Exception as error:  # sqlite3.Error, a closed connection: the type says enough
            return f"database: {type(error).__name__}"
        if not database.still_in_place():
            return "database: its file was removed or replaced while the bot runs"
        age = self.metrics.contact_age()
        if age is None:
            return "telegram: no contact with the Bot API yet"
        if age > CONTACT_WINDOW:
            return f"telegram: no contact with the Bot API for {age:.0f} s"
        return self._telegram_problem()

    async def refresh(self) -> None:
        """The gauges read from the database. A slow database leaves the previous values (and says so)."""
        try:
            await asyncio.wait_for(self._read_gauges(), DATABASE_TIMEOUT)
        except Exception as error:
            log.warning("metrics could not read the database error=%s", type(error).__name__)

    async def _read_gauges(self) -> None:
        now = int(time.time())
        backlog = await self._services.backlog()
        self.metrics.outbox_pending.set(backlog.outbox_pending)
        oldest = backlog.oldest_pending_at
        self.metrics.outbox_oldest_seconds.set(0 if oldest is None else max(now - oldest, 0))
        self.metrics.wipe_backlog.labels("chat").set(backlog.wipes_due)
        self.metrics.wipe_backlog.labels("export").set(backlog.deletions_due)
        if self._inbox is not None:
            waiting, _oldest = await self._inbox.depth()
            self.metrics.inbox_pending.set(waiting)

    # ------------------------------------------------------------------------------------------ HTTP

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self._healthz), web.get("/metrics", self._metrics)]

    async def _healthz(self, _request: web.Request) -> web.Response:
        problem = await self.problem()
        if problem is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=problem + "\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        await self.refresh()
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


@contextlib.asynccontextmanager
async def listening(routes: Sequence[web.RouteDef], address: str, variable: str) -> AsyncIterator[web.AppRunner]:
    """An HTTP server on `address` (host:port) serving these routes, until the block ends. A port that cannot
    be used is a configuration error naming `variable`."""
    host, port = parse_listen(address)
    app = web.Application(client_max_size=1024 * 1024)  # Telegram's updates are far smaller
    app.add_routes(routes)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            raise ConfigError(f"{variable}: cannot listen on {address} ({error.strerror or error})") from None
        yield runner
    finally:
        await runner.cleanup()
