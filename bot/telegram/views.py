"""Showing things in a person's chat, and remembering every message id there so it can be wiped."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, cast

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from bot.content import callbacks
from bot.content.i18n import Localizer
from bot.content.registry import EMERGENCY_SCREEN, EXIT_ACTION, MENU_SCREEN
from bot.content.render import ButtonView, ScreenView

if TYPE_CHECKING:
    from telegram._utils.types import JSONDict  # typing only: what TelegramObject.to_dict returns

    from bot.services import Services

log = logging.getLogger(__name__)
DELETE_BATCH = 100  # deleteMessages takes 1 to 100 ids


def escape(text: str) -> str:
    """Her language's texts and anything typed, safe inside Telegram HTML (quotes need no escaping there)."""
    return html.escape(text, quote=False)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def navigation_row(ui: Localizer, *, menu: bool = True) -> list[ButtonView]:
    """The way out on a screen the code builds: Menu (unless the screen has its own), SOS, Exit — one row."""
    row = [ButtonView(ui.text("button_menu"), callbacks.for_screen(MENU_SCREEN))] if menu else []
    row.append(ButtonView(ui.text("button_sos"), callbacks.for_screen(EMERGENCY_SCREEN)))
    row.append(ButtonView(ui.text("button_exit"), callbacks.for_action(EXIT_ACTION)))
    return row


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard serialised once. PTB turns a markup into JSON through its generic to_dict(), button
    by button, on every request that carries it (about 40% of an editMessageText call, measured); a screen's
    keyboard is the same for everyone shown that screen, so its dict is made when the keyboard is."""

    __slots__ = ("_as_dict",)
    _as_dict: JSONDict

    def __init__(self, inline_keyboard: list[list[InlineKeyboardButton]]) -> None:
        super().__init__(inline_keyboard)
        # The markup is frozen now (PTB objects are immutable), so its dict can never go stale.
        object.__setattr__(self, "_as_dict", super().to_dict())

    def to_dict(self, recursive: bool = True) -> JSONDict:
        # PTB only reads this dict (json.dumps); shared between requests, it is never to be changed.
        return self._as_dict if recursive else super().to_dict(recursive)


KEYBOARD = "telegram_keyboard"  # its key in ScreenView.derived


def keyboard(view: ScreenView) -> InlineKeyboardMarkup | None:
    """The view's buttons as an inline keyboard, built and serialised once per view (views of the content are
    kept until the next reload, see ScreenView.derived)."""
    if KEYBOARD in view.derived:
        return cast(Keyboard | None, view.derived[KEYBOARD])
    rows = [
        [InlineKeyboardButton(button.text, callback_data=button.callback_data, url=button.url) for button in row]
        for row in view.buttons
    ]
    built = Keyboard(rows) if rows else None
    view.derived[KEYBOARD] = built
    return built


def message_html(view: ScreenView, intro: str | None = None) -> str:
    if intro:
        return f"<i>{escape(intro)}</i>\n\n{view.html}"
    return view.html


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the spinner on her button. A query answered before (its update handled again after a crash) or
    too old is refused by Telegram; the tap itself is still carried out."""
    try:
        await query.answer(text)
    except BadRequest as error:
        if "query" not in error.message.lower():
            raise
        log.info("callback query not answered error=%s", type(error).__name__)


async def send_view(bot: Bot, services: Services, chat_id: int, view: ScreenView, intro: str | None = None) -> Message:
    """Send a screen as a new message; its id is remembered for the wipe.

    Discreet mode (the default) sends silently and protected (no forwarding or saving); parse mode and
    no link previews come from the bot's Defaults.
    """
    settings = await services.safety.settings(chat_id)
    message = await bot.send_message(
        chat_id,
        message_html(view, intro),
        reply_markup=keyboard(view),
        disable_notification=settings.discreet,
        protect_content=settings.discreet,
    )
    await services.safety.record(chat_id, [message.message_id], int(message.date.timestamp()), settings)
    return message


async def replace_view(
    services: Services, message: MaybeInaccessibleMessage, view: ScreenView, intro: str | None = None
) -> None:
    """Edit the pressed message in place, so the chat stays short; send anew if it can't be edited
    (too old, already deleted)."""
    if not isinstance(message, Message):  # older than 48 hours: Telegram no longer lets the bot edit it
        await send_view(message.get_bot(), services, message.chat.id, view, intro)
        return
    text, markup = message_html(view, intro), keyboard(view)
    try:
        try:
            await message.edit_text(text, reply_markup=markup)
        except TimedOut:
            # Under load (a starved machine) the edit may well have been made and only Telegram's answer was
            # late. Without this, the update failed and the apology came with the menu — the screen she had
            # just left, as the load test saw. Editing again is safe: an edit that was made is "not modified".
            log.info("screen edit timed out, sent again")
            await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message:
            return
        await send_view(message.get_bot(), services, message.chat_id, view, intro)


async def wipe_chat(bot: Bot, services: Services, chat_id: int) -> bool:
    """Delete every message of the chat the bot may still delete, hers and its own, in batches of 100.

    Returns False (and keeps the ids, to try again soon) if Telegram could not be reached; a chat whose
    person blocked the bot cannot be wiped any more, so its ids are forgotten.
    """
    ids = await services.safety.messages_to_delete(chat_id)
    try:
        for start in range(0, len(ids), DELETE_BATCH):
            await bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
    except Forbidden:
        log.info("chat cannot be wiped: the bot was blocked user=%s", services.pseudonyms.for_log(chat_id))
    except TelegramError as error:
        log.warning("wipe failed user=%s error=%s", services.pseudonyms.for_log(chat_id), type(error).__name__)
        await services.safety.wipe_failed(chat_id)
        return False
    await services.safety.wiped(chat_id)
    return True
