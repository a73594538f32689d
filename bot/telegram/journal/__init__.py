"""Telegram handlers of the incident journal: opening it (PIN), the guided entry, viewing, correcting,
deleting and exporting. The journal itself is bot.journal.service.JournalService; this module only reads
updates, calls it and shows the result.

What stays where
- Entries, drafts and files: encrypted by the service. Nothing she writes is kept here, logged, or put
  in callback or job data (callback data carry step names, record ids and file ids: random hex).
- The flow's state (what her next message is for, the ids of the messages the flow exchanged, a PIN being
  set or changed) lives in `chat_data`, in memory only: a restart forgets it, the draft waits encrypted and
  the automatic wipe still deletes the messages.

Callback data, all `1:j:…` (ASCII, well under 64 bytes):
    m                      the journal menu          mk:pin | mk:none       create, with or without a PIN
    new[:f]  cont          new entry / continue      s:<step>:<value>       a step's button (value: skip,
    r:save r:fields r:cancel  the review's buttons                          clear, today, yesterday, yes…)
    go:<step>              change one answer         rm:<file id>           drop a file from the draft
    ls:<v|d>:<page>        the list (view / delete)  e:<id>                 one entry
    fix:<id>[:f]           correct it                del:<id>  delok:<id>   delete it (asks first)
    xp  xt                 export PDF / text         wipe  wipeok           delete everything (asks first)
    pin:set|chg|rm         the PIN                   lock  forgot           lock now / forgotten PIN
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler, filters

from bot.content import callbacks
from bot.content.i18n import Localizer
from bot.content.registry import EMERGENCY_SCREEN, EXIT_ACTION, FORGET_ACTION, JOURNAL_ACTION, MENU_SCREEN
from bot.content.render import ButtonView, ScreenView
from bot.journal import parsing
from bot.journal.keys import PIN_MAX_CHARS, PIN_MIN_CHARS, normalize_pin
from bot.journal.model import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_TEXT_CHARS,
    STEPS,
    TEXT_STEPS,
    Attachment,
    AttachmentKind,
    ChildrenPresent,
    Draft,
    Entry,
    InputError,
    JournalExists,
    JournalInputError,
    JournalLocked,
    LockedOut,
    NewAttachment,
    NoDraft,
    NoJournal,
    NoPinSet,
    NotFound,
    PinAlreadySet,
    RecordKind,
    Step,
    WrongPin,
)
from bot.journal.ui_keys import INPUT_ERROR_KEYS, STEP_PROMPT_KEYS
from bot.telegram.context import BotApplication, Context
from bot.telegram.views import DELETE_BATCH, answer_query, escape, keyboard, message_html, navigation_row, shorten

if TYPE_CHECKING:
    from bot.journal.service import JournalService
    from bot.services import Services

log = logging.getLogger(__name__)

PREFIX = "1:j:"
OPEN_DATA = callbacks.for_action(JOURNAL_ACTION)
PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUP_MESSAGES = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
OBSERVER_GROUP = -2  # before the tracking group (-1): sees every update, changes nothing in Telegram
WAITING_GROUP = 50  # after every handler: notes in the database whether the journal waits for her typing
PAGE_SIZE = 8
TEXT_BUDGET = 3300  # characters of her answers on one screen (Telegram allows 4096 with the labels)
MB = 1024 * 1024
QUESTIONS = STEPS[: STEPS.index(Step.ATTACHMENTS) + 1]  # the steps she answers, before the review
# Commands that leave the flow waiting (the answer she types next still belongs to the entry).
KEEP_FLOW_COMMANDS = frozenset({"sos", "help", "cancel", "journal"})
STEP_BUTTONS = {"today": "today", "yesterday": "yesterday", "yes": "yes", "no": "no", "unknown": "unknown"}

FIELD_KEYS: dict[Step, str] = {
    Step.DATE: "journal_field_date",
    Step.TIME: "journal_field_time",
    Step.PLACE: "journal_field_place",
    Step.WHAT_HAPPENED: "journal_field_what_happened",
    Step.INJURIES: "journal_field_injuries",
    Step.WITNESSES: "journal_field_witnesses",
    Step.CHILDREN: "journal_field_children",
    Step.POLICE: "journal_field_police",
    Step.MEDICAL: "journal_field_medical",
    Step.ATTACHMENTS: "journal_field_attachments",
}
CHILDREN_KEYS = {choice: f"journal_children_{choice.value}" for choice in ChildrenPresent}
KIND_KEYS = {kind: f"journal_attachment_kind_{kind.value}" for kind in AttachmentKind}
ERROR_LIMITS = {
    InputError.TEXT_TOO_LONG: MAX_TEXT_CHARS,
    InputError.FILE_TOO_LARGE: MAX_ATTACHMENT_BYTES // MB,
    InputError.TOO_MANY_FILES: MAX_ATTACHMENTS,
    InputError.PIN_TOO_SHORT: PIN_MIN_CHARS,
    InputError.PIN_TOO_LONG: PIN_MAX_CHARS,
}
DATE_ERRORS = frozenset(
    {
        InputError.DATE_REQUIRED,
        InputError.DATE_UNREADABLE,
        InputError.DATE_IMPOSSIBLE,
        InputError.DATE_IN_FUTURE,
        InputError.DATE_TOO_OLD,
    }
)

# What her next message is for.
UNLOCK, CURRENT_PIN, NEW_PIN, REPEAT_PIN, ENTRY = "unlock", "current_pin", "new_pin", "repeat_pin", "entry"
PIN_STATES = frozenset({UNLOCK, CURRENT_PIN, NEW_PIN, REPEAT_PIN})
# What a PIN is asked for, and what comes after the unlock.
CREATE, SET, CHANGE, REMOVE = "create", "set", "change", "remove"
THEN_MENU, THEN_ENTRY, THEN_CANCEL = "menu", "entry", "cancel"


@dataclass
class Flow:
    """One chat's place in the journal, in memory only."""

    awaiting: str | None = None
    purpose: str | None = None  # for a new PIN: create, set or change
    then: str = THEN_MENU  # after an unlock
    in_entry: bool = False  # the guided entry is going on
    message_ids: list[int] = field(default_factory=list)  # the entry's prompts and her answers
    pin_ids: list[int] = field(default_factory=list)  # PIN prompts and their answers (the PIN itself is deleted)
    pin_salt: bytes = field(default=b"", repr=False)
    pin_digest: bytes | None = field(default=None, repr=False)  # the new PIN typed once, to compare
    current_pin: str | None = field(default=None, repr=False)  # while changing the PIN, until it is done
    interrupted: bool = False  # after a restart: her texts are deleted until she taps a button (see _interrupted)

    def track(self, *message_ids: int) -> None:
        for message_id in message_ids:
            if message_id not in self.message_ids:
                self.message_ids.append(message_id)

    def end_pin(self) -> None:
        self.awaiting = ENTRY if self.in_entry and self.awaiting in PIN_STATES else None
        self.purpose, self.pin_salt, self.pin_digest, self.current_pin = None, b"", None, None

    def pause(self) -> None:
        """She went elsewhere in the bot: what she types next is not for the journal."""
        self.end_pin()
        self.awaiting, self.in_entry, self.then = None, False, THEN_MENU


def flow_of(context: Context) -> Flow:
    if context.chat_data is None:
        return Flow()  # not a chat (cannot happen for the journal's private-chat handlers)
    if context.chat_data.journal is None:
        context.chat_data.journal = Flow()
    return context.chat_data.journal


@dataclass
class Turn:
    """One update being handled: who, in which language, and where to answer."""

    context: Context
    user_id: int
    chat_id: int
    key: str
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
        if entry:
            self.flow.track(message_id)
        if pin and message_id not in self.flow.pin_ids:
            self.flow.pin_ids.append(message_id)
        return message_id

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
        ids, self.flow.message_ids = self.flow.message_ids, []
        if self.pressed is not None and self.pressed.message_id in ids:
            self.pressed = None
        await self.delete(ids)

    async def delete_pin_prompts(self) -> None:
        ids, self.flow.pin_ids = self.flow.pin_ids, []
        self.flow.message_ids = [message_id for message_id in self.flow.message_ids if message_id not in ids]
        if self.pressed is not None and self.pressed.message_id in ids:
            self.pressed = None
        await self.delete(ids)


async def _turn(update: Update, context: Context) -> Turn | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return None
    svc = context.bot_data.services
    language = await svc.guide.language_of(user.id, user.language_code)
    query = update.callback_query
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    return Turn(context, user.id, chat.id, svc.pseudonyms.user_key(user.id), svc.content.ui(language),
                flow_of(context), pressed)  # fmt: skip


# ---------------------------------------------------------------------------------------- entry points


async def open_command(update: Update, context: Context) -> None:
    """/journal in her private chat."""
    turn = await _turn(update, context)
    if turn is not None:
        await _guarded(turn, lambda: _open(turn, edit=False))


async def open_button(update: Update, context: Context) -> None:
    """The `journal:open` button of the content screen."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    turn = await _turn(update, context)
    if turn is not None:
        # A new message, not an edit: every message showing the journal is then one the journal sent,
        # protected from forwarding even when discreet mode is off.
        await _guarded(turn, lambda: _open(turn, edit=False))


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel: drops the entry being written (or a PIN being typed); outside the journal, the menu."""
    turn = await _turn(update, context)
    if turn is None:
        return
    flow = turn.flow
    if flow.in_entry or await _has_draft(turn):
        await _guarded(turn, lambda: _cancel_entry(turn), then=THEN_CANCEL)
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
    if (flow is None or (flow is not None and flow.interrupted)) and await _interrupted(update, context):
        return True
    if flow is None or flow.awaiting is None:
        return False
    if update.edited_message is not None:
        return True  # an edited answer is not taken again (nor sent anywhere else); the review shows the answers
    if message.text is not None and message.text.startswith("/"):
        return False  # an unknown command: not an answer
    turn = await _turn(update, context)
    if turn is None:
        return False
    if flow.awaiting in PIN_STATES:
        await _take_pin(turn, message)
    else:
        turn.flow.track(message.message_id)
        await _guarded(turn, lambda: _take_entry_message(turn, message))
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
    with contextlib.suppress(TelegramError):
        await message.delete()
    turn = await _turn(update, context)
    if turn is not None:
        turn.flow.interrupted = True
        rows = [[_button(turn.ui, "journal_button_open", "m")], navigation_row(turn.ui)]
        text = escape(turn.ui.text("journal_interrupted"))
        await turn.show(_view("journal_interrupted", turn, text, rows), edit=False)
    log.info("journal input after a restart deleted user=%s", svc.pseudonyms.for_log(user.id))
    return True


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
    """Sees every update first. Exit and /forget lock the journal and end its flow; going elsewhere in the
    bot pauses the flow, so what she types next is not taken as an answer."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE or context.chat_data is None or update.effective_user is None:
        return
    flow = context.chat_data.journal
    data = (update.callback_query.data or "") if update.callback_query is not None else None
    command = None
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/"):
        command = (text[1:].split() or [""])[0].split("@")[0].lower()
    if data in (callbacks.for_action(EXIT_ACTION), callbacks.for_action(FORGET_ACTION)) or command == "exit":
        context.bot_data.services.journal.lock(context.bot_data.services.pseudonyms.user_key(update.effective_user.id))
        context.chat_data.journal = None
        return
    if flow is None:
        return
    if flow.interrupted and (data is not None or command is not None):
        flow.interrupted = False  # she chose where to go: her next text is handled as usual
    pressed = update.callback_query.message if update.callback_query is not None else None
    if data == _screen(EMERGENCY_SCREEN) and pressed is not None and pressed.message_id in flow.message_ids:
        flow.message_ids.remove(pressed.message_id)  # the prompt became the emergency numbers: they stay
    elsewhere = data is not None and not data.startswith(PREFIX) and data not in (OPEN_DATA, _screen(EMERGENCY_SCREEN))
    if elsewhere or (command is not None and command not in KEEP_FLOW_COMMANDS):
        flow.pause()


async def button(update: Update, context: Context) -> None:
    """Every `1:j:` button."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query)
    data = query.data or ""
    if query.message is None or query.message.chat.type != query.message.chat.PRIVATE or len(data.encode()) > 64:
        return
    turn = await _turn(update, context)
    if turn is None:
        return
    verb, *args = data[len(PREFIX) :].split(":")
    route = ROUTES.get(verb)
    if route is None or not data.isascii():
        await _guarded(turn, lambda: _show_menu(turn, intro=turn.ui.text("journal_error_not_now")))
        return
    in_entry = verb in ENTRY_VERBS
    await _guarded(turn, lambda: route(turn, args), then=THEN_ENTRY if in_entry else THEN_MENU)


async def delete_export(context: Context) -> None:
    """The job that takes an export out of the chat; its data is the chat id and the message id only."""
    job = context.job
    if job is None or not isinstance(job.data, dict):
        return
    try:
        await context.bot.delete_message(job.data["chat_id"], job.data["message_id"])
    except TelegramError as error:
        log.info("journal export not deleted error=%s", type(error).__name__)


def register(application: BotApplication) -> None:
    """Registered before the generic handlers, so `1:j:` buttons and `journal:open` never reach them."""
    application.add_handler(TypeHandler(Update, observe), group=OBSERVER_GROUP)
    application.add_handler(TypeHandler(Update, remember_waiting), group=WAITING_GROUP)
    application.add_handler(CommandHandler("journal", open_command, filters=PRIVATE_MESSAGES))
    # /journal in a group is ignored like every command in a chat the bot does not serve: even a refusal
    # there would tell the group that someone uses this bot.
    application.add_handler(CommandHandler("cancel", cancel_command, filters=PRIVATE_MESSAGES))
    application.add_handler(CallbackQueryHandler(open_button, pattern=f"^{OPEN_DATA}$"))
    application.add_handler(CallbackQueryHandler(button, pattern=r"^1:j:"))


# ---------------------------------------------------------------------------------- errors and the key


async def _guarded(turn: Turn, action: Callable[[], Awaitable[None]], then: str = THEN_MENU) -> None:
    """Run `action`, answering the journal's expected refusals kindly. A locked key is opened again
    without asking when there is no PIN; with a PIN she is asked, and `then` says what follows."""
    for attempt in range(2):
        try:
            await action()
            return
        except JournalLocked:
            status = await turn.journal.status(turn.key)
            if status.exists and not status.has_pin and not attempt:
                await turn.journal.unlock(turn.key)
                continue
            if not status.exists:
                await _show_create(turn)
            elif status.locked_until is not None:
                await _show_locked_out(turn, status.locked_until)
            else:
                if then != THEN_CANCEL:
                    then = THEN_ENTRY if turn.flow.in_entry or then == THEN_ENTRY else THEN_MENU
                await _ask_unlock(turn, then=then)
            return
        except NoJournal:
            turn.flow.pause()
            await _show_create(turn)
            return
        except NoDraft:
            turn.flow.pause()
            await _show_menu(turn, intro=turn.ui.text("journal_error_not_now"))
            return
        except NotFound:
            await _show_menu(turn, intro=turn.ui.text("journal_not_found"))
            return


async def _has_draft(turn: Turn) -> bool:
    return (await turn.journal.status(turn.key)).has_draft


async def _open(turn: Turn, *, edit: bool) -> None:
    turn.flow.pause()
    status = await turn.journal.status(turn.key)
    if not status.exists:
        await _show_create(turn, edit=edit)
    elif status.unlocked:
        await _show_menu(turn, edit=edit)
    elif status.locked_until is not None:
        await _show_locked_out(turn, status.locked_until, edit=edit)
    elif not status.has_pin:
        await turn.journal.unlock(turn.key)
        await _show_menu(turn, edit=edit)
    else:
        await _ask_unlock(turn, then=THEN_MENU, edit=edit)


# ------------------------------------------------------------------------------------------ the PIN


async def _ask_unlock(turn: Turn, *, then: str, edit: bool = True) -> None:
    flow = turn.flow
    flow.end_pin()
    flow.awaiting, flow.then = UNLOCK, then
    text = turn.ui.text("journal_locked_idle" if then == THEN_ENTRY else "journal_pin_prompt")
    rows = [[_button(turn.ui, "journal_button_forgot_pin", "forgot")], navigation_row(turn.ui, menu=False)]
    await turn.show(_view("journal_pin", turn, escape(text), rows), edit=edit, pin=True, entry=flow.in_entry)


async def _ask_new_pin(turn: Turn, purpose: str, *, current: str | None = None, edit: bool = True) -> None:
    flow = turn.flow
    flow.end_pin()
    flow.awaiting, flow.purpose, flow.current_pin = NEW_PIN, purpose, current
    parts = []
    if purpose != CHANGE:
        parts.append(turn.ui.text("journal_pin_warning"))
    parts.append(turn.ui.text("journal_pin_new_prompt", limit=PIN_MIN_CHARS))
    rows = [[_button(turn.ui, "journal_button_cancel", "m" if purpose != CREATE else "mk:none")]]
    if purpose == CREATE:
        rows = [[_button(turn.ui, "journal_button_no_pin", "mk:none")]]
    rows.append(navigation_row(turn.ui, menu=False))
    await turn.show(_view("journal_pin", turn, escape("\n\n".join(parts)), rows), edit=edit, pin=True)


async def _take_pin(turn: Turn, message: Message) -> None:
    """Her message carrying a PIN: deleted at once, whatever happens next, and never logged."""
    flow = turn.flow
    with contextlib.suppress(TelegramError):
        await turn.context.bot.delete_message(turn.chat_id, message.message_id)
    if message.text is None:
        await _pin_reply(turn, turn.ui.text("journal_pin_expected"))
        return
    typed, journal = message.text, turn.journal
    try:
        if flow.awaiting == UNLOCK:
            await journal.unlock(turn.key, typed)
            then = flow.then
            flow.end_pin()
            await turn.delete_pin_prompts()
            await _after_unlock(turn, then)
        elif flow.awaiting == CURRENT_PIN and flow.purpose == REMOVE:
            await journal.remove_pin(turn.key, typed)
            flow.end_pin()
            await turn.delete_pin_prompts()
            await _show_menu(turn, edit=False, intro=turn.ui.text("journal_pin_removed"))
        elif flow.awaiting == CURRENT_PIN:
            await journal.unlock(turn.key, typed)  # checks it (a wrong one counts) before she picks a new one
            await _ask_new_pin(turn, CHANGE, current=typed, edit=False)
        elif flow.awaiting == NEW_PIN:
            try:
                normalized = normalize_pin(typed)
            except JournalInputError as error:
                await _pin_reply(turn, _error_text(turn, error.code))
                return
            flow.pin_salt = os.urandom(16)
            flow.pin_digest = _pin_digest(flow.pin_salt, normalized)
            flow.awaiting = REPEAT_PIN
            await _pin_reply(turn, turn.ui.text("journal_pin_repeat_prompt"))
        elif flow.awaiting == REPEAT_PIN:
            await _confirm_new_pin(turn, typed)
    except WrongPin as error:
        await _pin_reply(turn, turn.ui.plural("journal_pin_wrong", error.tries_left))
    except LockedOut as error:
        flow.pause()
        await turn.delete_pin_prompts()
        await _show_locked_out(turn, error.until, edit=False)
    except NoJournal:
        flow.pause()
        await turn.delete_pin_prompts()
        await _show_create(turn, edit=False)
    except (JournalLocked, NoPinSet, PinAlreadySet):
        flow.pause()
        await turn.delete_pin_prompts()
        await _guarded(turn, lambda: _show_menu(turn, edit=False))


async def _confirm_new_pin(turn: Turn, typed: str) -> None:
    flow = turn.flow
    try:
        same = flow.pin_digest is not None and hmac.compare_digest(
            flow.pin_digest, _pin_digest(flow.pin_salt, normalize_pin(typed))
        )
    except JournalInputError:
        same = False
    if not same:
        flow.awaiting, flow.pin_digest = NEW_PIN, None
        await _pin_reply(turn, turn.ui.text("journal_pin_mismatch"))
        return
    purpose, current = flow.purpose, flow.current_pin
    if purpose == CREATE:
        try:
            await turn.journal.create(turn.key, typed)
            notice = turn.ui.text("journal_created") + " " + turn.ui.text("journal_pin_set")
        except JournalExists:
            notice = None
    elif purpose == CHANGE and current is not None:
        await turn.journal.change_pin(turn.key, current, typed)
        notice = turn.ui.text("journal_pin_changed")
    else:
        await turn.journal.set_pin(turn.key, typed)
        notice = turn.ui.text("journal_pin_set")
    flow.end_pin()
    await turn.delete_pin_prompts()
    await _guarded(turn, lambda: _show_menu(turn, edit=False, intro=notice))


async def _pin_reply(turn: Turn, text: str) -> None:
    rows = [[_button(turn.ui, "journal_button_forgot_pin", "forgot")]] if turn.flow.awaiting == UNLOCK else []
    if turn.flow.awaiting in (NEW_PIN, REPEAT_PIN):
        rows.append([_button(turn.ui, "journal_button_cancel", "m")])
    rows.append(navigation_row(turn.ui, menu=False))
    await turn.show(_view("journal_pin", turn, escape(text), rows), edit=False, pin=True, entry=turn.flow.in_entry)


async def _after_unlock(turn: Turn, then: str) -> None:
    if then == THEN_CANCEL:
        await _cancel_entry(turn)
        return
    draft = await turn.journal.draft(turn.key) if then == THEN_ENTRY else None
    if draft is None:
        turn.flow.in_entry = False
        await _show_menu(turn, edit=False)
        return
    await _show_step(turn, draft, edit=False)


def _pin_digest(salt: bytes, pin: str) -> bytes:
    return hashlib.sha256(salt + pin.encode("utf-8")).digest()


async def _pin_menu(turn: Turn, args: list[str]) -> None:
    status = await turn.journal.status(turn.key)
    turn.journal.keys.aead(turn.key)  # only from an open journal (raises JournalLocked otherwise)
    action = args[0] if args else ""
    if action == "set" and not status.has_pin:
        await _ask_new_pin(turn, SET)
    elif action in ("chg", "rm") and status.has_pin:
        turn.flow.end_pin()
        turn.flow.awaiting, turn.flow.purpose = CURRENT_PIN, CHANGE if action == "chg" else REMOVE
        rows = [[_button(turn.ui, "journal_button_cancel", "m")], navigation_row(turn.ui, menu=False)]
        await turn.show(_view("journal_pin", turn, escape(turn.ui.text("journal_pin_current_prompt")), rows), pin=True)
    else:
        await _show_menu(turn)


async def _create(turn: Turn, args: list[str]) -> None:
    if await turn.journal.keys.exists(turn.key):
        await _open(turn, edit=True)
    elif args[:1] == ["pin"]:
        await _ask_new_pin(turn, CREATE)
    else:
        turn.flow.pause()
        await turn.journal.create(turn.key)
        await turn.delete_pin_prompts()
        await _show_menu(turn, intro=turn.ui.text("journal_created"))


async def _lock(turn: Turn, args: list[str]) -> None:
    turn.journal.lock(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    rows = [[_button(turn.ui, "journal_button_open", "m")], navigation_row(turn.ui)]
    await turn.show(_view("journal_locked", turn, escape(turn.ui.text("journal_locked")), rows))


async def _forgot(turn: Turn, args: list[str]) -> None:
    turn.flow.pause()
    rows = [
        [_button(turn.ui, "journal_button_confirm_delete_all", "wipeok")],
        [_button(turn.ui, "journal_button_keep", "m")],
        navigation_row(turn.ui),
    ]
    await turn.show(_view("journal_forgot", turn, escape(turn.ui.text("journal_forgot_pin")), rows))


# ------------------------------------------------------------------------------------------ screens


async def _show_create(turn: Turn, *, edit: bool = True) -> None:
    ui = turn.ui
    text = f"<b>{escape(ui.text('journal_menu_title'))}</b>\n\n" + escape(
        ui.text("journal_pin_offer") + "\n\n" + ui.text("journal_pin_warning")
    )
    rows = [
        [_button(ui, "journal_button_pin_set", "mk:pin")],
        [_button(ui, "journal_button_no_pin", "mk:none")],
        navigation_row(ui),
    ]
    await turn.show(_view("journal_create", turn, text, rows), edit=edit)


async def _show_locked_out(turn: Turn, until: object, *, edit: bool = True) -> None:
    text = turn.ui.text("journal_pin_locked", datetime=until)
    rows = [[_button(turn.ui, "journal_button_forgot_pin", "forgot")], navigation_row(turn.ui)]
    await turn.show(_view("journal_locked", turn, escape(text), rows), edit=edit)


async def _show_menu(turn: Turn, *, edit: bool = True, intro: str | None = None) -> None:
    ui, journal = turn.ui, turn.journal
    entries = await journal.entries(turn.key, current_only=True)  # raises JournalLocked if it is not open
    status = await journal.status(turn.key)
    lines = [f"<b>{escape(ui.text('journal_menu_title'))}</b>", escape(ui.plural("journal_menu_count", len(entries)))]
    rows: list[list[ButtonView]] = []
    if status.has_draft:
        lines.append(escape(ui.text("journal_menu_draft")))
        rows.append([_button(ui, "journal_button_continue", "cont")])
    rows.append([_button(ui, "journal_button_new", "new")])
    if entries:
        rows.append([_button(ui, "journal_button_view", "ls:v:0")])
        rows.append([_button(ui, "journal_button_export_pdf", "xp"), _button(ui, "journal_button_export_text", "xt")])
        rows.append([_button(ui, "journal_button_delete_one", "ls:d:0")])
    rows.append([_button(ui, "journal_button_delete_all", "wipe")])
    if status.has_pin:
        rows.append(
            [_button(ui, "journal_button_pin_change", "pin:chg"), _button(ui, "journal_button_pin_remove", "pin:rm")]
        )
        rows.append([_button(ui, "journal_button_lock", "lock")])
    else:
        rows.append([_button(ui, "journal_button_pin_set", "pin:set")])
    rows.append(navigation_row(ui))
    text = "\n".join(lines)
    if intro:
        text = f"<i>{escape(intro)}</i>\n\n{text}"
    await turn.show(_view("journal_menu", turn, text, rows), edit=edit)


async def _menu(turn: Turn, args: list[str]) -> None:
    turn.flow.pause()
    await _show_menu(turn)


async def _list(turn: Turn, args: list[str]) -> None:
    mode = "d" if args[:1] == ["d"] else "v"
    page = int(args[1]) if len(args) > 1 and args[1].isdigit() and len(args[1]) < 5 else 0
    ui = turn.ui
    entries = await turn.journal.entries(turn.key, current_only=True)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    target = "del" if mode == "d" else "e"
    rows = [[ButtonView(_entry_label(ui, entry), f"{PREFIX}{target}:{entry.entry_id}")] for entry in shown]
    paging = []
    if page > 0:
        paging.append(_button(ui, "journal_button_previous_page", f"ls:{mode}:{page - 1}"))
    if page + 1 < pages:
        paging.append(_button(ui, "journal_button_next_page", f"ls:{mode}:{page + 1}"))
    if paging:
        rows.append(paging)
    rows.append([_button(ui, "journal_button_journal", "m")])
    rows.append(navigation_row(ui, menu=False))
    if not entries:
        title = ui.text("journal_list_empty")
    else:
        title = ui.text("journal_list_delete_title" if mode == "d" else "journal_list_title")
    await turn.show(_view("journal_list", turn, escape(title), rows))


async def _show_entry(turn: Turn, args: list[str]) -> None:
    ui = turn.ui
    entry = await turn.journal.entry(turn.key, _id(args))
    records = {record.entry_id: record for record in await turn.journal.records(turn.key)}
    lines = [f"<b>{escape(ui.text('journal_record_number', number=entry.number))}</b>"]
    if entry.created_at is not None:
        lines.append(escape(ui.text("journal_record_written", datetime=entry.created_at)))
    if entry.corrects and entry.corrects in records:
        lines.append(escape(ui.text("journal_record_correction_of", number=records[entry.corrects].number)))
    if entry.corrected_by and entry.corrected_by in records:
        lines.append(escape(ui.text("journal_record_corrected_by", number=records[entry.corrected_by].number)))
    assert entry.fields is not None
    fields = entry.fields
    texts = {name: getattr(fields, name) for name in TEXT_STEPS.values() if getattr(fields, name)}
    body = _fields_html(ui, fields.occurred_on, fields.occurred_time, texts, fields.children_present, entry.attachments)
    rows = [
        [_button(ui, "journal_button_correct", f"fix:{entry.entry_id}")],
        [_button(ui, "journal_button_delete", f"del:{entry.entry_id}")],
        [_button(ui, "journal_button_entries", "ls:v:0"), _button(ui, "journal_button_journal", "m")],
        navigation_row(ui, menu=False),
    ]
    await turn.show(_view("journal_entry", turn, "\n".join(lines) + "\n\n" + body, rows))


async def _ask_delete(turn: Turn, args: list[str]) -> None:
    entry = await turn.journal.entry(turn.key, _id(args))
    ui = turn.ui
    rows = [
        [_button(ui, "journal_button_confirm_delete", f"delok:{entry.entry_id}")],
        [_button(ui, "journal_button_keep", f"e:{entry.entry_id}")],
        navigation_row(ui, menu=False),
    ]
    text = ui.text("journal_confirm_delete_one", number=entry.number)
    await turn.show(_view("journal_delete", turn, escape(text), rows))


async def _delete_one(turn: Turn, args: list[str]) -> None:
    entry = await turn.journal.entry(turn.key, _id(args))
    await turn.journal.delete_entry(turn.key, entry.entry_id)
    await _show_menu(turn, intro=turn.ui.text("journal_deleted_one", number=entry.number))


async def _ask_delete_all(turn: Turn, args: list[str]) -> None:
    turn.journal.keys.aead(turn.key)  # from the open journal only; "I forgot the PIN" is the other way here
    ui = turn.ui
    rows = [
        [_button(ui, "journal_button_confirm_delete_all", "wipeok")],
        [_button(ui, "journal_button_keep", "m")],
        navigation_row(ui, menu=False),
    ]
    await turn.show(_view("journal_delete", turn, escape(ui.text("journal_confirm_delete_all")), rows))


async def _delete_all(turn: Turn, args: list[str]) -> None:
    await turn.journal.delete_all(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    rows = [navigation_row(turn.ui)]
    await turn.show(_view("journal_deleted", turn, escape(turn.ui.text("journal_deleted_all")), rows))


async def _export(turn: Turn, args: list[str], *, pdf: bool) -> None:
    journal, ui = turn.journal, turn.ui
    data = await journal.export_pdf(turn.key, ui) if pdf else await journal.export_text(turn.key, ui)
    minutes = turn.context.bot_data.settings.journal_export_delete_minutes
    name = f"notes-{journal.today():%Y%m%d}.{'pdf' if pdf else 'txt'}"  # neutral: no name, no subject
    caption = ui.text("journal_export_sent", duration=ui.plural("duration_minutes", minutes))
    discreet = (await turn.services.safety.settings(turn.chat_id)).discreet
    sent = await turn.context.bot.send_document(
        turn.chat_id,
        data,
        filename=name,
        caption=escape(caption),
        protect_content=True,
        disable_notification=discreet,
        read_timeout=60,
        write_timeout=60,
    )
    await turn.services.safety.record(turn.chat_id, [sent.message_id], int(sent.date.timestamp()))
    job_queue = turn.context.application.job_queue
    if job_queue is not None:
        job_queue.run_once(
            delete_export, when=minutes * 60, data={"chat_id": turn.chat_id, "message_id": sent.message_id}
        )
    log.info("journal exported format=%s", "pdf" if pdf else "text")


async def _export_pdf(turn: Turn, args: list[str]) -> None:
    await _export(turn, args, pdf=True)


async def _export_text(turn: Turn, args: list[str]) -> None:
    await _export(turn, args, pdf=False)


# ---------------------------------------------------------------------------------- the guided entry


async def _new_entry(turn: Turn, args: list[str]) -> None:
    draft = await turn.journal.draft(turn.key)
    if draft is not None and args[:1] != ["f"]:
        await _offer_draft(turn, "new:f")
        return
    draft = await turn.journal.start_entry(turn.key)
    turn.flow.pause()
    await _show_step(turn, draft)


async def _correct(turn: Turn, args: list[str]) -> None:
    entry_id = _id(args)
    await turn.journal.entry(turn.key, entry_id)
    if args[1:2] != ["f"] and await turn.journal.draft(turn.key) is not None:
        await _offer_draft(turn, f"fix:{entry_id}:f")
        return
    draft = await turn.journal.start_correction(turn.key, entry_id)
    turn.flow.pause()
    await _show_step(turn, draft)


async def _offer_draft(turn: Turn, start_over: str) -> None:
    ui = turn.ui
    rows = [
        [_button(ui, "journal_button_continue", "cont")],
        [_button(ui, "journal_button_start_over", start_over)],
        [_button(ui, "journal_button_journal", "m")],
        navigation_row(ui, menu=False),
    ]
    await turn.show(_view("journal_draft", turn, escape(ui.text("journal_draft_waiting")), rows))


async def _continue(turn: Turn, args: list[str]) -> None:
    draft = await turn.journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    await _show_step(turn, draft)


async def _step_button(turn: Turn, args: list[str]) -> None:
    """`s:<step>:<value>`: only for the step the draft is at; an older prompt's button is refused kindly."""
    journal = turn.journal
    draft = await journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    step, value = [*args, "", ""][:2]
    if step != draft.step.value:
        await _show_step(turn, draft, edit=False, error=InputError.NOT_NOW)
        return
    try:
        if value == "skip":
            draft = await journal.skip(turn.key)
        elif value == "clear":
            draft = await journal.clear(turn.key)
        elif value in STEP_BUTTONS and draft.step in (Step.DATE, Step.CHILDREN):
            if (draft.step is Step.DATE) != (value in ("today", "yesterday")):
                raise JournalInputError(InputError.NOT_NOW)
            draft = await journal.answer(turn.key, STEP_BUTTONS[value])
        else:
            raise JournalInputError(InputError.NOT_NOW)
    except JournalInputError as error:
        await _show_step(turn, draft, edit=False, error=error.code)
        return
    await _show_step(turn, draft)


async def _review_button(turn: Turn, args: list[str]) -> None:
    action = args[0] if args else ""
    if action == "cancel":
        await _cancel_entry(turn)
        return
    draft = await turn.journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    if action == "fields":
        await _show_fields(turn, draft)
    elif action == "save":
        if draft.step is not Step.REVIEW:
            await _show_step(turn, draft, edit=False, error=InputError.NOT_NOW)
            return
        await _save(turn)
    else:
        await _show_step(turn, draft)


async def _go_to(turn: Turn, args: list[str]) -> None:
    try:
        step = Step(args[0] if args else "")
    except ValueError:
        step = Step.REVIEW
    draft = await turn.journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    if draft.occurred_on is None:
        step = Step.DATE  # nothing to review or change before the date
    draft = await turn.journal.go_to(turn.key, step)
    await _show_step(turn, draft)


async def _remove_file(turn: Turn, args: list[str]) -> None:
    draft = await turn.journal.remove_attachment(turn.key, _id(args))
    await _show_step(turn, draft)


async def _save(turn: Turn) -> None:
    try:
        entry = await turn.journal.save_draft(turn.key)
    except JournalInputError as error:  # a date that became impossible (it cannot be in the future)
        draft = await turn.journal.go_to(turn.key, Step.DATE)
        await _show_step(turn, draft, edit=False, error=error.code)
        return
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    rows = [[_button(turn.ui, "journal_button_journal", "m")], navigation_row(turn.ui)]
    text = turn.ui.text("journal_saved", number=entry.number)
    await turn.show(_view("journal_saved", turn, escape(text), rows), edit=False)


async def _cancel_entry(turn: Turn) -> None:
    await turn.journal.cancel_draft(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    rows = [[_button(turn.ui, "journal_button_journal", "m")], navigation_row(turn.ui)]
    await turn.show(_view("journal_cancelled", turn, escape(turn.ui.text("journal_cancelled")), rows), edit=False)


async def _take_entry_message(turn: Turn, message: Message) -> None:
    """Her message while a step waits: an answer, a file, or something the journal cannot take."""
    journal = turn.journal
    draft = await journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    attachment = _attachment_of(message)
    if attachment is not None:
        await _take_file(turn, message, draft, *attachment)
        return
    if message.text is not None and draft.step is Step.REVIEW:
        await _show_step(turn, draft, edit=False, error=InputError.NOT_A_CHOICE)
        return
    if message.text is None:
        text = turn.ui.text("journal_unsupported")
        await turn.show(
            _view("journal_unsupported", turn, escape(text), [navigation_row(turn.ui, menu=False)]),
            edit=False,
            entry=True,
        )
        return
    try:
        draft = await journal.answer(turn.key, message.text)
    except JournalInputError as error:
        await _show_step(turn, draft, edit=False, error=error.code)
        return
    await _show_step(turn, draft, edit=False)


async def _take_file(turn: Turn, message: Message, draft: Draft, file_id: str, kind: AttachmentKind,
                     size: int | None, name: str | None, mime_type: str | None) -> None:  # fmt: skip
    """Downloaded only if it fits; stored encrypted; then her message holding it leaves the chat."""
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        await _show_step(turn, draft, edit=False, error=InputError.FILE_TOO_LARGE)
        return
    if len(draft.attachments) >= MAX_ATTACHMENTS:
        await _show_step(turn, draft, edit=False, error=InputError.TOO_MANY_FILES)
        return
    try:
        telegram_file = await turn.context.bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray(read_timeout=120))
    except BadRequest as error:  # "file is too big": Telegram's own 20 MB limit for bots
        log.info("journal file refused error=%s", type(error).__name__)
        await _show_step(turn, draft, edit=False, error=InputError.FILE_TOO_LARGE)
        return
    try:
        draft = await turn.journal.add_attachment(turn.key, NewAttachment(data, kind, name, mime_type))
    except JournalInputError as error:
        await _show_step(turn, draft, edit=False, error=error.code)
        return
    finally:
        del data
    with contextlib.suppress(TelegramError):
        await turn.context.bot.delete_message(turn.chat_id, message.message_id)
    turn.flow.message_ids = [i for i in turn.flow.message_ids if i != message.message_id]
    added = turn.ui.text("journal_file_added", file=_attachment_text(turn.ui, draft.attachments[-1]))
    await _show_step(turn, draft, edit=False, intro=added)


def _attachment_of(message: Message) -> tuple[str, AttachmentKind, int | None, str | None, str | None] | None:
    """(file id, kind, size, original name, MIME type) of what she sent, or None if it is not a file."""
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram keeps
        return photo.file_id, AttachmentKind.PHOTO, photo.file_size, None, "image/jpeg"
    if message.voice is not None:
        voice = message.voice
        return voice.file_id, AttachmentKind.VOICE, voice.file_size, None, voice.mime_type
    if message.video is not None:
        video = message.video
        return video.file_id, AttachmentKind.VIDEO, video.file_size, video.file_name, video.mime_type
    if message.video_note is not None:
        note = message.video_note
        return note.file_id, AttachmentKind.VIDEO, note.file_size, None, "video/mp4"
    if message.audio is not None:
        audio = message.audio
        return audio.file_id, AttachmentKind.AUDIO, audio.file_size, audio.file_name, audio.mime_type
    if message.document is not None:  # also a GIF, which Telegram sends as an animation with its document
        document = message.document
        return document.file_id, AttachmentKind.DOCUMENT, document.file_size, document.file_name, document.mime_type
    return None


async def _show_step(turn: Turn, draft: Draft, *, edit: bool = True, error: InputError | None = None,
                     intro: str | None = None) -> None:  # fmt: skip
    """The prompt for the draft's step (or the review), as part of the entry's messages."""
    flow = turn.flow
    flow.awaiting, flow.in_entry = ENTRY, True
    view = await _review_view(turn, draft) if draft.step is Step.REVIEW else _step_view(turn, draft)
    if error in DATE_ERRORS:
        view.html = f"<b>{escape(_error_text(turn, error))}</b>"  # it asks again, with an example
    elif error is not None:
        view.html = f"<b>{escape(_error_text(turn, error))}</b>\n\n{view.html}"
    if intro:
        view.html = f"<i>{escape(intro)}</i>\n\n{view.html}"
    await turn.show(view, edit=edit, entry=True)


def _step_view(turn: Turn, draft: Draft) -> ScreenView:
    ui, step = turn.ui, draft.step
    lines = []
    correcting = draft.back_to_review or draft.corrects is not None
    if not correcting:
        number = QUESTIONS.index(step) + 1
        lines.append(f"<i>{escape(ui.text('journal_step_counter', number=number, count=len(QUESTIONS)))}</i>")
    if step is Step.DATE:
        prompt = ui.text(STEP_PROMPT_KEYS[step], example=parsing.date_example(turn.journal.today()))
    elif step is Step.ATTACHMENTS:
        prompt = ui.text(STEP_PROMPT_KEYS[step], limit=MAX_ATTACHMENT_BYTES // MB)
    else:
        prompt = ui.text(STEP_PROMPT_KEYS[step])
    lines.append(f"<b>{escape(prompt)}</b>")
    current = _current_value(ui, draft)
    if current is not None and correcting:
        lines.append(escape(ui.text("journal_current_value", value=shorten(current, 600))))
    rows: list[list[ButtonView]] = []
    if step is Step.DATE:
        rows.append([_step_button_view(ui, "journal_button_today", step, "today"),
                     _step_button_view(ui, "journal_button_yesterday", step, "yesterday")])  # fmt: skip
    if step is Step.CHILDREN:
        rows.append([_step_button_view(ui, CHILDREN_KEYS[c], step, c.value, capital=True) for c in ChildrenPresent])
    if step is Step.ATTACHMENTS:
        for item in draft.attachments:
            rows.append([ButtonView("✖ " + shorten(_attachment_text(ui, item), 40), f"{PREFIX}rm:{item.file_id}")])
    if step is not Step.DATE or draft.occurred_on is not None:
        done = step is Step.ATTACHMENTS and draft.attachments
        rows.append([_step_button_view(ui, "journal_button_done" if done else "journal_button_skip", step, "skip")])
    if current is not None and step not in (Step.DATE, Step.ATTACHMENTS):
        rows.append([_step_button_view(ui, "journal_button_clear", step, "clear")])
    rows.append([_button(ui, "journal_button_cancel", "r:cancel")])
    rows.append(navigation_row(ui, menu=False))
    return _view(f"journal_step_{step.value}", turn, "\n\n".join(lines), rows)


async def _review_view(turn: Turn, draft: Draft) -> ScreenView:
    ui = turn.ui
    heading = [f"<b>{escape(ui.text(STEP_PROMPT_KEYS[Step.REVIEW]))}</b>"]
    if draft.corrects is not None:
        with contextlib.suppress(NotFound):
            corrected = await turn.journal.entry(turn.key, draft.corrects)
            heading.append(escape(ui.text("journal_record_correction_of", number=corrected.number)))
    assert draft.occurred_on is not None
    body = _fields_html(ui, draft.occurred_on, draft.occurred_time, draft.texts, draft.children_present,
                        draft.attachments)  # fmt: skip
    rows = [
        [_button(ui, "journal_button_save", "r:save")],
        [_button(ui, "journal_button_change_field", "r:fields")],
        [_button(ui, "journal_button_cancel", "r:cancel")],
        navigation_row(ui, menu=False),
    ]
    return _view("journal_review", turn, "\n".join(heading) + "\n\n" + body, rows)


async def _show_fields(turn: Turn, draft: Draft) -> None:
    ui = turn.ui
    rows = [[ButtonView(ui.text(FIELD_KEYS[step]), f"{PREFIX}go:{step.value}")] for step in QUESTIONS]
    rows.append([_button(ui, "journal_button_back_to_review", "go:review")])
    rows.append(navigation_row(ui, menu=False))
    turn.flow.awaiting, turn.flow.in_entry = ENTRY, True
    await turn.show(_view("journal_fields", turn, escape(ui.text("journal_review_fields")), rows), entry=True)


def _fields_html(ui: Localizer, occurred_on, occurred_time, texts: dict[str, str], children,
                 attachments: tuple[Attachment, ...]) -> str:  # fmt: skip
    """Every field with its label, "not stated" where empty; long answers shortened to fit one message."""
    missing = ui.text("journal_value_missing")
    values: list[tuple[Step, str | None]] = [
        (Step.DATE, ui.date(occurred_on) if occurred_on else None),
        (Step.TIME, occurred_time.strftime("%H:%M") if occurred_time else None),
    ]
    for step in (Step.PLACE, Step.WHAT_HAPPENED, Step.INJURIES, Step.WITNESSES):
        values.append((step, texts.get(TEXT_STEPS[step])))
    values.append((Step.CHILDREN, ui.text(CHILDREN_KEYS[children]) if children else None))
    for step in (Step.POLICE, Step.MEDICAL):
        values.append((step, texts.get(TEXT_STEPS[step])))
    files = "; ".join(_attachment_text(ui, item) for item in attachments) or None
    values.append((Step.ATTACHMENTS, files))
    total = sum(len(value or "") for _, value in values)
    share = max(200, TEXT_BUDGET // len(values))
    shortened = total > TEXT_BUDGET
    lines = []
    for step, value in values:
        shown = shorten(value, share) if (value and shortened) else value
        value_html = escape(shown) if shown else f"<i>{escape(missing)}</i>"
        lines.append(f"<b>{escape(ui.text(FIELD_KEYS[step]))}:</b> {value_html}")
    if shortened:
        lines.append(f"<i>{escape(ui.text('journal_text_shortened'))}</i>")
    return "\n".join(lines)


def _current_value(ui: Localizer, draft: Draft) -> str | None:
    step = draft.step
    if step is Step.DATE and draft.occurred_on is not None:
        return ui.date(draft.occurred_on)
    if step is Step.TIME and draft.occurred_time is not None:
        return draft.occurred_time.strftime("%H:%M")
    if step in TEXT_STEPS:
        return draft.texts.get(TEXT_STEPS[step])
    if step is Step.CHILDREN and draft.children_present is not None:
        return ui.text(CHILDREN_KEYS[draft.children_present])
    return None


def _attachment_text(ui: Localizer, item: Attachment) -> str:
    size = ui.text("journal_size_kb", size=max(1, round(item.size / 1024)))
    kind = ui.text(KIND_KEYS[item.kind])
    return f"{kind} «{item.name}», {size}" if item.name else f"{kind}, {size}"


def _entry_label(ui: Localizer, entry: Entry) -> str:
    assert entry.fields is not None
    when = ui.date(entry.fields.occurred_on)
    if entry.fields.occurred_time is not None:
        when += " " + entry.fields.occurred_time.strftime("%H:%M")
    mark = "✎ " if entry.kind is RecordKind.CORRECTION else ""
    return f"{mark}{ui.text('journal_record_number', number=entry.number)} · {when}"


def _error_text(turn: Turn, code: InputError) -> str:
    key = INPUT_ERROR_KEYS[code]
    if code in DATE_ERRORS:
        return turn.ui.text(key, example=parsing.date_example(turn.journal.today()))
    if code in ERROR_LIMITS:
        return turn.ui.text(key, limit=ERROR_LIMITS[code])
    return turn.ui.text(key)


# ------------------------------------------------------------------------------------------ helpers


def _view(screen_id: str, turn: Turn, text_html: str, rows: list[list[ButtonView]]) -> ScreenView:
    return ScreenView(screen_id, turn.ui.language, text_html, rows, len(text_html))


def _button(ui: Localizer, key: str, data: str) -> ButtonView:
    return ButtonView(ui.text(key), PREFIX + data)


def _step_button_view(ui: Localizer, key: str, step: Step, value: str, *, capital: bool = False) -> ButtonView:
    text = ui.text(key)
    return ButtonView(text[:1].upper() + text[1:] if capital else text, f"{PREFIX}s:{step.value}:{value}")


def _screen(screen_id: str) -> str:
    return callbacks.for_screen(screen_id)


def _id(args: list[str]) -> str:
    """A record or file id from callback data: 32 hex digits, or nothing that could match one."""
    value = args[0] if args else ""
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else "-"


ROUTES: dict[str, Callable[[Turn, list[str]], Awaitable[None]]] = {
    "m": _menu,
    "mk": _create,
    "new": _new_entry,
    "cont": _continue,
    "s": _step_button,
    "r": _review_button,
    "go": _go_to,
    "rm": _remove_file,
    "ls": _list,
    "e": _show_entry,
    "fix": _correct,
    "del": _ask_delete,
    "delok": _delete_one,
    "xp": _export_pdf,
    "xt": _export_text,
    "wipe": _ask_delete_all,
    "wipeok": _delete_all,
    "pin": _pin_menu,
    "lock": _lock,
    "forgot": _forgot,
}
# Buttons of the guided entry: a locked key there means "ask the PIN, then go on with the entry".
ENTRY_VERBS = frozenset({"cont", "s", "r", "go", "rm"})
