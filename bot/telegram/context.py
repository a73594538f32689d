"""The typed context every handler and job receives (PTB's `ContextTypes`, as in its contexttypesbot example).

`context.bot_data` is one `BotData` for the whole application: the services, the settings, the advocates'
desks, the flood guard and the metrics, as attributes rather than string keys. `context.chat_data` is one
`ChatData` per chat: the journal's place and the danger check's answers, in memory (a restart forgets them, on
purpose; the ids of the journal flow's messages are in the database, so they are still deleted after a restart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.metrics import Metrics
from bot.telegram.flood import FloodGuard

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.config import Settings
    from bot.services import Services
    from bot.telegram.danger.flow import DangerFlow
    from bot.telegram.desk import Desks
    from bot.telegram.journal.flow import Flow


class NotAttached(RuntimeError):
    """A handler ran before `bot.app.attach` gave the application its services."""


class BotData:
    """What every handler shares. Created empty by PTB when the application is built; `attach` fills it."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._settings: Settings | None = None
        self._desks: Desks | None = None
        self.flood = FloodGuard()
        self.metrics = Metrics()  # a registry of its own per application
        self.http: tuple[BaseRequest, ...] = ()  # the real application's HTTP request objects, closed at the end
        # Webhook mode only (None otherwise): ids of updates that may carry a statement's detail, whose inbox
        # row is followed by a WAL checkpoint once deleted (bot.telegram.webhook).
        self.scrub_updates: set[int] | None = None

    def attach(self, services: Services, settings: Settings, desks: Desks) -> None:
        self._services, self._settings, self._desks = services, settings, desks

    @property
    def services(self) -> Services:
        if self._services is None:
            raise NotAttached("services")
        return self._services

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise NotAttached("settings")
        return self._settings

    @property
    def desks(self) -> Desks:
        if self._desks is None:
            raise NotAttached("desks")
        return self._desks


class ChatData:
    """One chat's state in memory, never persisted (the application has no PTB persistence). Nothing she
    writes is kept here — only where she is in a flow; while she takes the danger check, her yes / no / skip to
    each question; and while she puts a statement draft together, the details she typed for it
    (`journal.statement`), dropped once the files are made or the flow ends."""

    def __init__(self) -> None:
        self.journal: Flow | None = None
        self.danger: DangerFlow | None = None
        # False until the chat's first update since the bot started: then the messages of a journal flow
        # that a restart interrupted are deleted (bot.telegram.journal.observe).
        self.journal_checked = False


Context: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], ChatData, BotData]
BotApplication: TypeAlias = Application[ExtBot[None], Context, dict[Any, Any], ChatData, BotData, JobQueue[Context]]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData, chat_data=ChatData)
