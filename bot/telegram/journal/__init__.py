"""Telegram handlers of the incident journal: opening it (PIN), the guided entry, viewing, correcting,
deleting and exporting. The journal itself is bot.journal.service.JournalService; this package only reads
updates, calls it and shows the result.

What stays where
- Entries, drafts and files: encrypted by the service. Nothing she writes is kept here, logged, or put in
  callback or job data (callback data carry step names, record ids and file ids: random hex).
- The flow's state (what her next message is for) lives in `chat_data`, in memory only: a restart forgets
  it and the draft waits encrypted. No PIN is kept there as typed.
- The ids of the messages the flow exchanged (prompts, her answers) are in the database (ids only), so the
  first update of her chat after a restart deletes those a flow left behind (`observe`).

The package
    __init__.py   the entry points (register, take_message, observe, …) and the buttons' routing
    flow.py       the chat's place in the journal (Flow) and the named states; turn.py: one update (Turn)
    callbacks.py  the `1:j:…` callback data: built, parsed and matched in one place
    screens.py    every screen as a ScreenView, from plain data (no Telegram calls)
    pin.py        opening the journal and the PIN dialog; `guarded`, which asks for the PIN when needed
    entry.py      the guided entry: prompts, answers, files, review, save, cancel
    records.py    the menu, the list, one entry, deleting, exporting
    safety_plan.py  her own safety plan
    statement.py  a statement drafted from chosen entries: PDF and DOCX; her details in memory only
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler, filters

from bot.content import callbacks as content_callbacks
from bot.content.registry import EMERGENCY_SCREEN, EXIT_ACTION, FORGET_ACTION, MENU_SCREEN
from bot.telegram.context import BotApplication, ChatData, Context
from bot.telegram.groups import Group
from bot.telegram.journal import callbacks as cb
from bot.telegram.journal import entry, pin, records, safety_plan, screens, statement
from bot.telegram.journal.flow import PIN_STATES, AfterUnlock, Awaiting, Flow
from bot.telegram.journal.pin import guarded as _guarded
from bot.telegram.journal.turn import Turn, turn_of
from bot.telegram.views import DELETE_BATCH, answer_query

if TYPE_CHECKING:
    from bot.services import Services

__all__ = [
    "Flow",
    "Turn",
    "button",
    "cancel_command",
    "drop_closed_statements",
    "drop_statement",
    "observe",
    "open_button",
    "open_command",
    "register",
    "remember_waiting",
    "take_message",
]

log = logging.getLogger(__name__)

PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# Commands that leave the flow waiting (the answer she types next still belongs to the entry).
KEEP_FLOW_COMMANDS = frozenset({"sos", "help", "cancel", "journal"})
EMERGENCY_DATA = content_callbacks.for_screen(EMERGENCY_SCREEN)
ENDING_DATA = frozenset({content_callbacks.for_action(EXIT_ACTION), content_callbacks.for_action(FORGET_ACTION)})


def register(application: BotApplication) -> None:
    """Registered before the generic handlers, so `1:j:` buttons and `journal:open` never reach them."""
    application.add_handler(TypeHandler(Update, observe), group=Group.JOURNAL_OBSERVER)
    application.add_handler(TypeHandler(Update, remember_waiting), group=Group.JOURNAL_WAITING)
    application.add_handler(CommandHandler("journal", open_command, filters=PRIVATE_MESSAGES))
    # /journal in a group is ignored like every command in a chat the bot does not serve: even a refusal
    # there would tell the group that someone uses this bot.
    application.add_handler(CommandHandler("cancel", cancel_command, filters=PRIVATE_MESSAGES))
    application.add_handler(CallbackQueryHandler(open_button, pattern=cb.OPEN_PATTERN))
    application.add_handler(CallbackQueryHandler(export_button, pattern=cb.EXPORT_PATTERN))
    application.add_handler(CallbackQueryHandler(plan_button, pattern=cb.OPEN_PLAN_PATTERN))
    application.add_handler(CallbackQueryHandler(button, pattern=cb.PATTERN))


async def open_command(update: Update, context: Context) -> None:
    """/journal in her private chat."""
    turn = await turn_of(update, context)
    if turn is not None:
        await _guarded(turn, lambda: pin.open_journal(turn, edit=False))


async def open_button(update: Update, context: Context) -> None:
    """The `journal:open` button of the content screen."""
    # A new message, not an edit: every message showing the journal is then one the journal sent, protected
    # from forwarding even when discreet mode is off.
    await _from_content_button(update, context, lambda turn: pin.open_journal(turn, edit=False))


async def export_button(update: Update, context: Context) -> None:
    """ "Export my journal first", offered before "Delete everything": the PDF now (after the PIN, if she set
    one, the journal's menu with its export buttons)."""
    await _from_content_button(update, context, lambda turn: records.export(turn, pdf=True))


async def plan_button(update: Update, context: Context) -> None:
    """ "My own plan" on the safety plan screen: her plan, in a new message (after the PIN, or the journal's
    creation, if needed)."""
    await _from_content_button(update, context, lambda turn: safety_plan.open_plan(turn, edit=False))


async def _from_content_button(
    update: Update, context: Context, action: Callable[[Turn], Coroutine[Any, Any, None]]
) -> None:
    """A journal action behind a content screen's button: stop the spinner, then act as the journal, which
    asks for the PIN first when the journal is locked."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    turn = await turn_of(update, context)
    if turn is not None:
        await _guarded(turn, lambda: action(turn))


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel: drops the entry being written (or a PIN being typed); outside the journal, the menu."""
    turn = await turn_of(update, context)
    if turn is None:
        return
    flow = turn.flow
    if flow.in_entry or (await turn.journal.status(turn.key)).has_draft:
        await _guarded(turn, lambda: entry.cancel_entry(turn), then=AfterUnlock.CANCEL)
        return
    flow.pause()  # a PIN being typed, or nothing at all: back to the main menu
    await turn.delete_pin_prompts()
    user = update.effective_user
    assert user is not None
    reply = await turn.services.guide.open(user.id, user.language_code, MENU_SCREEN)
    await turn.send(reply.view)


async def take_message(update: Update, context: Context) -> bool:
    """Called by the generic message handler first: True if a journal step was waiting for this message."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type != chat.PRIVATE or context.chat_data is None:
        return False
    flow = context.chat_data.journal
    if (flow is None or flow.interrupted) and await _interrupted(update, context):
        return True
    if flow is None or flow.awaiting is None:
        return False
    if update.edited_message is not None:
        return True  # an edited answer is not taken again (nor sent anywhere else); the review shows the answers
    if message.text is not None and message.text.startswith("/"):
        return False  # an unknown command: not an answer
    turn = await turn_of(update, context)
    if turn is None:
        return False
    # Her PIN, an entry, her plan or a statement's detail: sealed only with the server's key while in the
    # webhook's inbox, which would bypass her PIN; checkpointed away once handled.
    _scrub_after(context, update)
    if flow.awaiting in PIN_STATES:
        await pin.take_pin(turn, message)
    elif flow.awaiting is Awaiting.PLAN:
        await _guarded(turn, lambda: safety_plan.take_answer(turn, message))
    elif flow.awaiting is Awaiting.STATEMENT:
        await statement.delete_typed(turn, message)
        await _guarded(turn, lambda: statement.take_detail(turn, message))
    else:
        await turn.track(message.message_id)
        await _guarded(turn, lambda: entry.take_message(turn, message))
    return True


async def _interrupted(update: Update, context: Context) -> bool:
    """After a restart the journal's place is gone. If it was waiting for her typing, what she sends may be
    her PIN or a private note (Telegram may even send the last one again): every text is deleted and passed
    on nowhere — not to an advocate — until she taps a button or sends a command, and she is told why."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or update.edited_message is not None or context.chat_data is None:
        return False
    if message.text is not None and message.text.startswith("/"):
        return False
    svc = context.bot_data.services
    flow = context.chat_data.journal
    if not (flow is not None and flow.interrupted):
        state = await svc.users.get(svc.pseudonyms.user_key(user.id))
        if state is None or state.journal_waiting_since is None:
            return False
    _scrub_after(context, update)  # it may be her PIN or a detail for a statement, typed before the restart
    with contextlib.suppress(TelegramError):
        await message.delete()
    turn = await turn_of(update, context)
    if turn is not None:
        turn.flow.interrupted = True
        await turn.show(screens.interrupted(turn.ui), edit=False)
    log.info("journal input after a restart deleted user=%s", svc.pseudonyms.for_log(user.id))
    return True


def _scrub_after(context: Context, update: Update) -> None:
    """Webhook mode keeps each update's body, sealed, in update_inbox until it is handled; the row is then
    deleted (secure_delete) but its pages stay in the write-ahead log until a checkpoint. For an update that
    carries what she typed into the journal (a PIN, an entry, her plan, a statement's detail) the WAL is
    checkpointed as soon as its row is gone (bot.telegram.webhook)."""
    if context.bot_data.scrub_updates is not None:
        context.bot_data.scrub_updates.add(update.update_id)


def drop_statement(chat_data: Mapping[int, ChatData], chat_id: int) -> None:
    """The chat was wiped: a statement's details go with it."""
    found = chat_data.get(chat_id)
    if found is not None:
        statement.drop(found.journal)


def drop_closed_statements(chat_data: Mapping[int, ChatData], services: Services) -> int:
    """After idle journal keys were forgotten: the details of a statement whose journal closed go too, without
    waiting for her next tap. Returns how many."""
    dropped = 0
    for chat_id, data in chat_data.items():
        flow = data.journal
        if flow is None or flow.statement is None:
            continue
        if not services.journal.is_open(services.pseudonyms.user_key(chat_id)):  # a private chat's id is hers
            statement.drop(flow)
            dropped += 1
    return dropped


async def remember_waiting(update: Update, context: Context) -> None:
    """After every update of a private chat: keep the database's note of whether the journal waits for
    something she types in step with the flow in memory (written only when that changes)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != chat.PRIVATE or context.chat_data is None:
        return
    flow = context.chat_data.journal
    waiting = flow is not None and (flow.awaiting is not None or flow.interrupted)
    svc = context.bot_data.services
    key = svc.pseudonyms.user_key(user.id)
    state = await svc.users.get(key)
    noted = state is not None and state.journal_waiting_since is not None
    if waiting != noted:
        await svc.users.set_journal_waiting(key, int(time.time()) if waiting else None)


async def observe(update: Update, context: Context) -> None:
    """Sees every update first. The chat's first update since the bot started clears what an interrupted
    flow left in the chat. Exit and /forget lock the journal and end its flow; going elsewhere in the bot
    pauses the flow, so what she types next is not taken as an answer."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE or context.chat_data is None or update.effective_user is None:
        return
    flow = context.chat_data.journal
    data = (update.callback_query.data or "") if update.callback_query is not None else None
    command = None
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/"):
        command = (text[1:].split() or [""])[0].split("@")[0].lower()
    pressed = update.callback_query.message if update.callback_query is not None else None
    services = context.bot_data.services
    ending = data in ENDING_DATA or command == "exit"
    if not context.chat_data.journal_checked:
        context.chat_data.journal_checked = True
        if not ending:  # Exit and /forget empty the chat anyway
            await _delete_leftovers(context, chat.id, pressed.message_id if pressed else None, data == EMERGENCY_DATA)
    if ending:
        services.journal.lock(services.pseudonyms.user_key(update.effective_user.id))
        context.chat_data.journal = None  # the flow, and any PIN dialog's state with it
        return
    if flow is None:
        return
    if flow.interrupted and (data is not None or command is not None):
        flow.interrupted = False  # she chose where to go: her next text is handled as usual
    if data == EMERGENCY_DATA and pressed is not None:
        await services.safety.untrack_flow(chat.id, [pressed.message_id])  # the prompt became the numbers: they stay
        if flow.statement is not None and flow.statement.prompt_id == pressed.message_id:
            flow.statement.prompt_id = None  # and the statement's next question comes as a new message
    elsewhere = data is not None and not cb.is_journal(data) and data not in (cb.OPEN, EMERGENCY_DATA)
    if elsewhere or (command is not None and command not in KEEP_FLOW_COMMANDS):
        flow.pause()


async def _delete_leftovers(context: Context, chat_id: int, pressed: int | None, emergency: bool) -> None:
    """The messages of a flow the bot was in when it stopped (a restart, a crash): her answers, the prompts,
    the PIN dialog's. The flow itself is gone with the process and the draft waits, encrypted.

    The message whose button she just pressed is left to her tap, which turns it into the next screen (and
    stays the flow's until then: deleted with it, if the tap does not). The emergency numbers stay for good."""
    safety = context.bot_data.services.safety
    ids = [message_id for message_id in await safety.flow_messages(chat_id) if message_id != pressed]
    if emergency and pressed is not None:
        await safety.untrack_flow(chat_id, [pressed])
    if not ids:
        return
    try:
        for start in range(0, len(ids), DELETE_BATCH):
            await context.bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
    except TelegramError as error:
        # Kept: the flow deletes them when it next ends, or the automatic wipe does.
        log.warning("journal messages left by a restart not deleted error=%s", type(error).__name__)
        return
    await safety.untrack_flow(chat_id, ids)
    log.info("journal messages left by a restart deleted count=%d", len(ids))


async def button(update: Update, context: Context) -> None:
    """Every `1:j:` button."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    data = query.data or ""
    if query.message is None or query.message.chat.type != query.message.chat.PRIVATE:
        return
    if len(data.encode()) > cb.MAX_BYTES:
        return
    turn = await turn_of(update, context)
    if turn is None:
        return
    pressed = cb.parse(data)
    if pressed is None:
        await _guarded(turn, lambda: records.show_menu(turn, intro=turn.ui.text("journal_error_not_now")))
        return
    then = AfterUnlock.ENTRY if pressed.in_entry else AfterUnlock.MENU
    await _guarded(turn, lambda: _route(turn, pressed), then=then)


async def _route(turn: Turn, pressed: cb.JournalData) -> None:
    match pressed:
        case cb.Menu():
            await records.menu(turn)
        case cb.Create(with_pin=with_pin):
            await pin.create(turn, with_pin=with_pin)
        case cb.Pin(action=action):
            await pin.pin_menu(turn, action)
        case cb.Lock():
            await pin.lock(turn)
        case cb.Forgot():
            await pin.forgot(turn)
        case cb.NewEntry(start_over=start_over):
            await entry.new_entry(turn, start_over=start_over)
        case cb.Continue():
            await entry.continue_entry(turn)
        case cb.StepButton(step=step, choice=choice):
            await entry.step_button(turn, step, choice)
        case cb.Review(action=review_action):
            await entry.review_button(turn, review_action)
        case cb.GoTo(step=step):
            await entry.go_to(turn, step)
        case cb.RemoveFile(file_id=file_id):
            await entry.remove_file(turn, file_id)
        case cb.ListEntries(delete=delete, page=page):
            await records.list_entries(turn, delete=delete, page=page)
        case cb.ShowEntry(entry_id=entry_id):
            await records.show_entry(turn, entry_id)
        case cb.Correct(entry_id=entry_id, start_over=start_over):
            await entry.correct(turn, entry_id, start_over=start_over)
        case cb.AskDelete(entry_id=entry_id):
            await records.ask_delete(turn, entry_id)
        case cb.DeleteOne(entry_id=entry_id):
            await records.delete_one(turn, entry_id)
        case cb.ExportPdf():
            await records.export(turn, pdf=True)
        case cb.ExportText():
            await records.export(turn, pdf=False)
        case cb.AskDeleteAll():
            await records.ask_delete_all(turn)
        case cb.DeleteAll():
            await records.delete_all(turn)
        case cb.Plan(suggested=suggested):
            await safety_plan.open_plan(turn, suggested)
        case cb.PlanEdit(step=step, clear=clear):
            await safety_plan.edit_step(turn, step, clear=clear)
        case cb.StatementStart():
            await statement.start(turn)
        case cb.StatementEntries(page=page):
            await statement.show_entries(turn, page)
        case cb.StatementToggle(entry_id=entry_id, page=page):
            await statement.toggle(turn, entry_id, page)
        case cb.StatementKinds():
            await statement.show_kinds(turn)
        case cb.StatementKind(kind=kind):
            await statement.choose_kind(turn, kind)
        case cb.StatementValue(detail=detail, choice=choice):
            await statement.value_button(turn, detail, choice)
        case cb.StatementAsk(detail=detail):
            await statement.ask(turn, detail)
        case cb.StatementReady():
            await statement.show_ready(turn)
        case cb.StatementMake():
            await statement.make(turn)
        case cb.StatementLanguage(language=language):
            await statement.choose_language(turn, language)
