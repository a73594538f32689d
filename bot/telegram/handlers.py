"""Thin Telegram handlers: read the update, call a service, show the result.

Only private chats are served here. Nothing a person writes is logged or stored: handlers pass ids to the
services, and logs carry pseudonyms and error types only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.content.i18n import guess_language
from bot.content.problems import ContentError
from bot.content.registry import (
    EMERGENCY_SCREEN,
    FORGET_SCREEN,
    LANGUAGE_SCREEN,
    MENU_SCREEN,
    START_SCREEN,
)
from bot.guide.service import Reply
from bot.handoff.desks import DesksError
from bot.telegram import danger, handoff, journal
from bot.telegram.context import BotApplication, Context
from bot.telegram.flood import FloodHandler
from bot.telegram.groups import Group
from bot.telegram.views import answer_query, keyboard, message_html, replace_view, send_view, shorten, wipe_chat

log = logging.getLogger(__name__)

PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
PRIVATE_EDITS = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE


async def move_pseudonym(update: Update, context: Context) -> None:
    """After a key rotation (`python -m bot keys rotate`): the first update of a person who has not written
    since moves her rows to her new pseudonym. Nothing is done, not even a query, when no rotation waits."""
    user, chat = update.effective_user, update.effective_chat
    services = context.bot_data.services
    if services.moves.active and user is not None and chat is not None and chat.type == chat.PRIVATE:
        await services.recognise(user.id)


async def track_incoming(update: Update, context: Context) -> None:
    """Remember the id of every message she sends in her private chat, so Exit can delete it too."""
    message = update.message
    if message is None or message.chat.type != message.chat.PRIVATE or update.effective_user is None:
        return
    await context.bot_data.services.safety.record(
        update.effective_user.id, [message.message_id], int(message.date.timestamp())
    )


def show_screen(screen_id: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """A command that answers with one screen as a new message: /start, /sos, /menu, /language, /forget."""

    async def command(update: Update, context: Context) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        reply = await context.bot_data.services.guide.open(user.id, user.language_code, screen_id)
        await send_view(context.bot, context.bot_data.services, chat.id, reply.view, reply.intro)

    command.__name__ = f"show_{screen_id}"
    return command


async def exit_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    language = await context.bot_data.services.guide.language_of(user.id, user.language_code)
    await _wipe_and_leave(context, user.id, language)


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    if query.message is not None and query.message.chat.type != query.message.chat.PRIVATE:
        await answer_query(query)  # our buttons live only in private chats; anything else is forged
        return
    user = query.from_user
    reply = await context.bot_data.services.guide.press(user.id, user.language_code, query.data)
    # Answer first: it stops the spinner on her button even if showing the screen then fails.
    await answer_query(query, reply.notice)
    if reply.effect is not None:
        await _carry_out(context, user.id, reply)
        return
    if query.message is None or not query.message.is_accessible:
        await send_view(context.bot, context.bot_data.services, user.id, reply.view, reply.intro)
        return
    await replace_view(context.bot_data.services, query.message, reply.view, reply.intro)


async def _carry_out(context: Context, user_id: int, reply: Reply) -> None:
    if reply.effect == "forget":
        await wipe_chat(context.bot, context.bot_data.services, user_id)
        context.bot_data.desks.erased(await context.bot_data.services.forget(user_id))
    await _wipe_and_leave(context, user_id, reply.view.language)


async def _wipe_and_leave(context: Context, user_id: int, language: str) -> None:
    """Exit: the chat is emptied of everything the bot can delete, and one neutral line stays."""
    await wipe_chat(context.bot, context.bot_data.services, user_id)
    neutral = context.bot_data.services.content.ui(language).text("neutral_line")
    # Not remembered for the next wipe: the neutral line is what should remain.
    await context.bot.send_message(user_id, neutral, disable_notification=True)


async def other_message(update: Update, context: Context) -> None:
    """Text, stickers, voice, files, unknown commands: to her advocate if she has a case; otherwise a kind
    pointer to the buttons, and the menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if await journal.take_message(update, context):
        return
    if update.message is not None and not _is_command(update) and await handoff.relay_from_her(update, context):
        return
    if not context.bot_data.flood.pointer_allowed(user.id):
        return  # she is typing fast: the pointer and menu she just got are still on screen
    reply = await context.bot_data.services.guide.text_received(user.id, user.language_code)
    await send_view(context.bot, context.bot_data.services, chat.id, reply.view, reply.intro)


async def reload_command(update: Update, context: Context) -> None:
    """/reload from a configured admin: new content and desks now, or the reasons (path:line) either was
    refused (each is refused on its own, keeping what was served before)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if user.id not in context.bot_data.settings.admins:
        await other_message(update, context)  # to anyone else it is just an unknown command
        return
    content = context.bot_data.services.content
    try:
        warnings = content.reload()
    except ContentError as error:
        lines = [str(problem) for problem in error.problems if problem.is_error]
        log.info("content reload refused by admin errors=%d", len(lines))
        text = "Content NOT reloaded; still serving the previous version.\n" + "\n".join(lines)
    else:
        log.info("content reloaded by admin fingerprint=%s", content.tree.fingerprint)
        text = f"Content reloaded ({content.tree.fingerprint}), {len(warnings)} warning(s)."
    desks = context.bot_data.services.desks
    if desks.path is not None:
        try:
            book = desks.reload()
        except DesksError as error:
            log.info("desks reload refused by admin errors=%d", len(error.problems))
            text += "\nDesks NOT reloaded; still using the previous desks.\n" + "\n".join(map(str, error.problems))
        else:
            log.info("desks reloaded by admin desks=%d", len(book))
            text += f"\nDesks reloaded ({len(book)})."
    await context.bot.send_message(chat.id, shorten(text, 4000), parse_mode=None)


def _is_command(update: Update) -> bool:
    return bool(update.message and update.message.text and update.message.text.startswith("/"))


async def auto_wipe(context: Context) -> None:
    """The repeating job: wipe every chat whose quiet time has run out, and forget journal keys left idle
    (an unlocked key must not stay in memory just because nobody touched the journal again)."""
    safety = context.bot_data.services.safety
    for chat_id in await safety.due_chats():
        await wipe_chat(context.bot, context.bot_data.services, chat_id)
        danger.drop(context.application.chat_data, chat_id)  # a danger check's answers go with the chat
        journal.drop_statement(context.application.chat_data, chat_id)  # and a statement's details
    for chat_id, message_id in await safety.due_deletions():  # an export's time in her chat is up
        try:
            await context.bot.delete_message(chat_id, message_id)
        except NetworkError as error:  # timeouts too: tried again at the next look
            log.warning("timed deletion will be tried again error=%s", type(error).__name__)
            continue
        except TelegramError as error:  # already gone, too old, or the bot was blocked: nothing more to do
            log.info("timed deletion not possible error=%s", type(error).__name__)
        await safety.deletion_done(chat_id, message_id)
    context.bot_data.services.journal.forget_idle_keys()
    journal.drop_closed_statements(context.application.chat_data, context.bot_data.services)


async def on_error(update: object, context: Context) -> None:
    """Log the error type and update id only; tell the person kindly, with the emergency numbers."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "update failed update_id=%s error=%s",
        update_id,
        type(error).__name__,
        exc_info=log.isEnabledFor(logging.DEBUG) and error is not None,
    )
    context.bot_data.metrics.handler_failed(error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != chat.PRIVATE:
        return
    try:
        guide = context.bot_data.services.guide
        try:
            language = await guide.language_of(user.id, user.language_code)
        except Exception:  # the database itself may be what failed
            language = guess_language(user.language_code)[0]
        view = guide.content.render(language, MENU_SCREEN)
        notice = guide.content.ui(language).text("something_went_wrong")
        sent = await context.bot.send_message(chat.id, message_html(view, notice), reply_markup=keyboard(view))
    except TelegramError as follow_up:
        log.error("could not tell the user about the error update_id=%s error=%s", update_id, type(follow_up).__name__)
        return
    try:  # so that Exit deletes this message too; the database may be what failed, though
        await context.bot_data.services.safety.record(chat.id, [sent.message_id], int(sent.date.timestamp()))
    except Exception as follow_up:
        log.error("could not remember a message id update_id=%s error=%s", update_id, type(follow_up).__name__)


def register(application: BotApplication) -> None:
    application.add_handler(TypeHandler(Update, move_pseudonym), group=Group.MOVE_PSEUDONYM)
    application.add_handler(TypeHandler(Update, track_incoming), group=Group.TRACKING)
    application.add_handler(
        FloodHandler(application.bot_data.flood)
    )  # before everything else in its group: a burst stops here
    handoff.register(application)  # first: its buttons and the advocates' group
    journal.register(application)
    danger.register(application)
    # /start asks "Are you safe right now?" and names the emergency numbers; /sos (and /help, which a
    # frightened person may try first) shows them at once, from anywhere.
    application.add_handler(CommandHandler("start", show_screen(START_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler(["sos", "help"], show_screen(EMERGENCY_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("menu", show_screen(MENU_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("language", show_screen(LANGUAGE_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("forget", show_screen(FORGET_SCREEN), filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("exit", exit_command, filters=PRIVATE_MESSAGES))
    application.add_handler(CommandHandler("reload", reload_command, filters=PRIVATE_MESSAGES))
    application.add_handler(CallbackQueryHandler(button))
    # Anything else she sends or edits (an edited command is not run again) gets the kind pointer.
    application.add_handler(MessageHandler(PRIVATE_MESSAGES | PRIVATE_EDITS, other_message))
    application.add_error_handler(on_error)
