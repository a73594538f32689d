"""Telegram handlers of the danger check: a few yes/no questions, one per screen, then the signs she marked,
each with what to do now. The check itself is bot.danger.service.DangerCheckService; this package only reads
updates, keeps her answers in memory, and shows the result.

What stays where
- Her answers: only in `chat_data.danger` (memory), never in the database, the logs or job data; callback
  data carry "question N: yes / no / skip" and nothing else. The usual users row (language, last content
  screen) and the ids of the chat's messages (for the wipe) are all that is written while she takes it.
- They go when she leaves the check (any other button or command), on Exit and /forget, with the automatic
  wipe, and on a restart. Saving the result in her journal is the one way they are kept: encrypted, as a
  journal entry, through the journal service — after the journal's own PIN or creation when it is locked or
  does not exist yet, and then the answers are dropped here.
- The check's messages are new messages of its own, protected from forwarding even when discreet mode is off
  (as the journal's), edited in place question by question.

The package
    __init__.py   the handlers (register, observe, start, button) and saving in the journal
    flow.py       the chat's check in memory (DangerFlow)
    callbacks.py  the `1:d:…` callback data: built, parsed and matched in one place
    screens.py    the question, the result, "saved": ScreenViews from plain data
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, TypeHandler

from bot.content.registry import DANGER_CHECK_SCREEN
from bot.content.render import ScreenView
from bot.danger.model import StaleAnswer
from bot.telegram.context import BotApplication, ChatData, Context
from bot.telegram.danger import callbacks as cb
from bot.telegram.danger import screens
from bot.telegram.danger.flow import DangerFlow
from bot.telegram.groups import Group
from bot.telegram.journal import callbacks as journal_callbacks
from bot.telegram.journal import pin, records
from bot.telegram.journal.flow import PIN_STATES
from bot.telegram.journal.safety_plan import suggested_by
from bot.telegram.journal.turn import Turn, turn_of
from bot.telegram.views import answer_query

__all__ = ["DangerFlow", "button", "drop", "observe", "register", "start"]


def register(application: BotApplication) -> None:
    """Registered before the generic handlers, so `1:d:` buttons and `danger_check:start` never reach them."""
    application.add_handler(TypeHandler(Update, observe), group=Group.DANGER_OBSERVER)
    application.add_handler(CallbackQueryHandler(start, pattern=cb.START_PATTERN))
    application.add_handler(CallbackQueryHandler(button, pattern=cb.PATTERN))


async def observe(update: Update, context: Context) -> None:
    """Sees every update first. Her answers go as soon as she goes anywhere but the check: another button, a
    command, Exit, /forget. While the result is being saved, the journal's own buttons and what she types (the
    journal's PIN) are still part of saving it."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE or context.chat_data is None:
        return
    flow = context.chat_data.danger
    if flow is None:
        return
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        if cb.is_danger(data) or data == cb.START or (flow.saving and journal_callbacks.is_journal(data)):
            return
    elif update.edited_message is not None:
        return  # an edited message goes nowhere
    elif flow.saving and update.message is not None and not _is_command(update.message) and _pin_asked(context):
        return  # the journal's PIN, typed to save the result
    context.chat_data.danger = None


def drop(chat_data: Mapping[int, ChatData], chat_id: int) -> None:
    """The chat was wiped: the check's answers go with it."""
    found = chat_data.get(chat_id)
    if found is not None:
        found.danger = None


async def start(update: Update, context: Context) -> None:
    """The first question, from the content screen's Start button (again from the start if she was in it)."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    turn = await turn_of(update, context)
    if turn is None or context.chat_data is None:
        return
    flow = context.chat_data.danger = DangerFlow(turn.services.danger.start())
    # A new message, not an edit of the content screen: every message of the check is then one the check sent,
    # protected from forwarding even when discreet mode is off.
    await turn.show(_current(turn, flow), edit=False)


async def button(update: Update, context: Context) -> None:
    """Every `1:d:` button."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    if query.message is None or query.message.chat.type != query.message.chat.PRIVATE:
        return
    turn = await turn_of(update, context)
    if turn is None or context.chat_data is None:
        return
    pressed = cb.parse(query.data or "")
    flow = context.chat_data.danger
    if flow is None or pressed is None:
        await _gone(turn)
        return
    match pressed:
        case cb.AnswerQuestion(number=number, answer=answer):
            # A second tap on an answer already taken, or a button of a check left before: she sees where she is.
            with contextlib.suppress(StaleAnswer):
                flow.check = flow.check.answer(number, answer)
        case cb.ShowQuestion(number=number):
            flow.check = flow.check.back_to(number)
        case cb.Sources() if flow.check.done:
            danger = turn.services.danger
            result = danger.result(flow.check)
            await turn.show(danger.result_sources(result, turn.ui.language, screens.back_to_result(turn.ui)))
            return
        case cb.Save() if flow.check.done:
            await _save(turn, flow)
            return
    await turn.show(_current(turn, flow))


def _current(turn: Turn, flow: DangerFlow) -> ScreenView:
    """The question she is at, or the result once every question is answered or skipped."""
    danger = turn.services.danger
    if not flow.check.done:
        return screens.question(turn.ui, danger.question(flow.check, turn.ui.language))
    result = danger.result(flow.check)
    return screens.result(turn.ui, danger.result_view(result, turn.ui.language), suggested_by(result))


async def _gone(turn: Turn) -> None:
    """A button of a check whose answers are gone (she left it, the chat was wiped, the bot restarted): the
    check's first screen, to start again, with a word on why."""
    reply = await turn.services.guide.open(turn.user_id, turn.ui.language, DANGER_CHECK_SCREEN)
    await turn.show(screens.with_notice(reply.view, turn.ui.text("danger_check_gone")))


async def _save(turn: Turn, flow: DangerFlow) -> None:
    """Save the result in her journal. Locked with a PIN, or no journal yet: the journal asks for the PIN or
    offers to create it as it always does, and the saving happens right after (flow.after_open)."""
    flow.saving = True
    saved = False

    async def write() -> None:
        nonlocal saved
        await _write(turn)
        saved = True

    await pin.guarded(turn, write)
    chat_data = turn.context.chat_data
    if not saved and chat_data is not None and chat_data.danger is flow:
        turn.flow.after_open = _save_after_open


async def _save_after_open(turn: Turn) -> None:
    """The journal is open now (right PIN, or just created): save, if the check is still there to save."""
    chat_data = turn.context.chat_data
    flow = chat_data.danger if chat_data is not None else None
    if flow is None or not flow.saving or not flow.check.done:
        await pin.guarded(turn, lambda: records.show_menu(turn, edit=False))
        return
    await pin.guarded(turn, lambda: _write(turn))


async def _write(turn: Turn) -> None:
    chat_data = turn.context.chat_data
    flow = chat_data.danger if chat_data is not None else None
    if chat_data is None or flow is None:
        return
    result = turn.services.danger.result(flow.check)
    entry = await turn.services.save_danger_check(turn.key, result, turn.ui)
    chat_data.danger = None  # in her journal now, encrypted: nothing of it stays in memory here
    # Over the pressed message (the result, or the journal's screen that replaced it); after a typed PIN,
    # whose prompts are deleted, a new message.
    await turn.show(screens.saved(turn.ui, entry.number))


def _pin_asked(context: Context) -> bool:
    journal = context.chat_data.journal if context.chat_data is not None else None
    return journal is not None and journal.awaiting in PIN_STATES


def _is_command(message: Message) -> bool:
    return bool(message.text and message.text.startswith("/"))
