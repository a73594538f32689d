"""One update being handled by the journal: who, in which language, where to answer, and the helpers that
show a screen and take the flow's messages out of the chat again.

The flow's message ids are kept in the database (`SafetyService.track_flow`), written as each message is
sent or received and dropped once deleted, so a restart does not leave them behind (`restore`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from bot.content.i18n import Localizer
from bot.content.render import ScreenView
from bot.storage.flow_messages import FlowKind
from bot.telegram.context import Context
from bot.telegram.journal.flow import Flow, flow_of
from bot.telegram.views import DELETE_BATCH, keyboard, message_html

if TYPE_CHECKING:
    from bot.journal.service import JournalService
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """One update being handled: who, in which language, and where to answer."""

    context: Context
    user_id: int
    chat_id: int
    key: str  # her pseudonymous user key: the journal service never sees a Telegram id
    ui: Localizer
    flow: Flow
    pressed: Message | None = None  # the message whose button she pressed: edited in place

    @property
    def services(self) -> Services:
        return self.context.bot_data.services

    @property
    def journal(self) -> JournalService:
        return self.services.journal

    async def show(self, view: ScreenView, *, edit: bool = True, entry: bool = False, pin: bool = False) -> int:
        """Edit the pressed message into `view`, or send it anew; entry/pin: part of that flow."""
        message_id = None
        if edit and self.pressed is not None and self.pressed.is_accessible:
            try:
                await self.pressed.edit_text(message_html(view), reply_markup=keyboard(view))
                message_id = self.pressed.message_id
            except BadRequest as error:
                if "not modified" in error.message:
                    message_id = self.pressed.message_id
        if message_id is None:
            message_id = await self.send(view)
            self.pressed = None
        if pin:
            await self.track(message_id, kind=FlowKind.PIN)
        elif entry:
            await self.track(message_id)
        return message_id

    async def track(self, message_id: int, kind: FlowKind = FlowKind.ENTRY) -> None:
        """A message of the flow, deleted when it ends (or after a restart: `restore`)."""
        await self.services.safety.track_flow(self.chat_id, [message_id], kind)

    async def untrack(self, message_id: int) -> None:
        await self.services.safety.untrack_flow(self.chat_id, [message_id])

    async def send(self, view: ScreenView) -> int:
        """A new message, silent as her settings say and always protected; remembered for the wipe."""
        discreet = (await self.services.safety.settings(self.chat_id)).discreet
        message = await self.context.bot.send_message(
            self.chat_id,
            message_html(view),
            reply_markup=keyboard(view),
            disable_notification=discreet,
            protect_content=True,
        )
        await self.services.safety.record(self.chat_id, [message.message_id], int(message.date.timestamp()))
        return message.message_id

    async def delete(self, message_ids: list[int]) -> None:
        for start in range(0, len(message_ids), DELETE_BATCH):
            try:
                await self.context.bot.delete_messages(self.chat_id, message_ids[start : start + DELETE_BATCH])
            except TelegramError as error:
                log.warning("journal messages not deleted error=%s", type(error).__name__)

    async def delete_flow(self) -> None:
        """Every message of the flow: the entry's and the PIN dialog's."""
        await self._delete_tracked(None)

    async def delete_pin_prompts(self) -> None:
        await self._delete_tracked(FlowKind.PIN)

    async def _delete_tracked(self, kind: FlowKind | None) -> None:
        safety = self.services.safety
        ids = await safety.flow_messages(self.chat_id, kind)
        if not ids:
            return
        if self.pressed is not None and self.pressed.message_id in ids:
            self.pressed = None
        # Deleted first, then forgotten: a crash in between deletes them once more, never leaves them behind.
        # One that Telegram refused (a network error) is left to the automatic wipe, as before.
        await self.delete(ids)
        await safety.untrack_flow(self.chat_id, ids)


async def turn_of(update: Update, context: Context) -> Turn | None:
    """The turn of an update from a private chat; None for anything else."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return None
    svc = context.bot_data.services
    language = await svc.guide.language_of(user.id, user.language_code)
    query = update.callback_query
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    return Turn(context, user.id, chat.id, svc.pseudonyms.user_key(user.id), svc.content.ui(language),
                flow_of(context), pressed)  # fmt: skip
