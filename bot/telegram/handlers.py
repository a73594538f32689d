"""Thin Telegram handlers: read the update, call the guide service, show the result.

Only private chats are served here. Nothing a person writes is logged or stored: handlers pass ids to the
services, and logs carry pseudonyms and error types only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.content.i18n import guess_language
from bot.content.registry import EMERGENCY_SCREEN, LANGUAGE_SCREEN, MENU_SCREEN, START_SCREEN
from bot.telegram.views import keyboard, message_html, replace_view, send_view

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


def show_screen(screen_id: str) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """A command that answers with one screen as a new message: /start, /sos, /menu, /language."""

    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        reply = await services(context).guide.open(user.id, user.language_code, screen_id)
        await send_view(context.bot, chat.id, reply.view)

    command.__name__ = f"show_{screen_id}"
    return command


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    if query.message is not None and query.message.chat.type != query.message.chat.PRIVATE:
        await query.answer()  # our guidance buttons live only in private chats; anything else is forged
        return
    reply = await services(context).guide.press(query.from_user.id, query.from_user.language_code, query.data)
    # Answer first: it stops the spinner on her button even if showing the screen then fails.
    await query.answer(reply.notice)
    if query.message is None or not query.message.is_accessible:
        await send_view(context.bot, query.from_user.id, reply.view)
        return
    await replace_view(query.message, reply.view)


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text, stickers, files, unknown commands: a kind pointer to the buttons, and the menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    reply = await services(context).guide.text_received(user.id, user.language_code)
    await send_view(context.bot, chat.id, reply.view, intro=reply.notice)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error type and update id only; tell the person kindly, with the emergency numbers."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "update failed update_id=%s error=%s",
        update_id,
        type(error).__name__,
        exc_info=log.isEnabledFor(logging.DEBUG) and error is not None,
    )
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != chat.PRIVATE:
        return
    try:
        guide = services(context).guide
        try:
            language = await guide.language_of(user.id, user.language_code)
        except Exception:  # the database itself may be what failed
            language = guess_language(user.language_code)[0]
        view = guide.content.render(language, MENU_SCREEN)
        notice = guide.content.ui(language).text("something_went_wrong")
        await context.bot.send_message(chat.id, message_html(view, notice), reply_markup=keyboard(view))
    except TelegramError as follow_up:
        log.error(
            "could not tell the user about the error update_id=%s error=%s",
            update_id,
            type(follow_up).__name__,
        )


def register(application: Application) -> None:
    # /start opens the welcome screen, which already names the emergency numbers; /sos (and /help, which a
    # frightened person may try first) shows them at once, from anywhere.
    application.add_handler(CommandHandler("start", show_screen(START_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler(["sos", "help"], show_screen(EMERGENCY_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("menu", show_screen(MENU_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("language", show_screen(LANGUAGE_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(PRIVATE_MESSAGES, other_message))
    application.add_error_handler(on_error)
