"""Opening the journal and its PIN dialog: create (with or without a PIN), unlock, set, change and remove the
PIN, lock now, a forgotten PIN; and `guarded`, which runs any journal action and, when the key is locked,
opens it again (no PIN) or asks for the PIN and then carries on where she was.

Her message carrying a PIN is deleted at once, whatever happens next, and never logged. No PIN is kept as
typed between her messages: the flow holds a PendingPin (the new PIN's first typing, as a salted digest) or a
PinChange (the checked current PIN, as a token only the journal service can redeem), both dropped on every
way out of the dialog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.error import TelegramError

from bot.journal.keys import PIN_MIN_CHARS, PinChange
from bot.journal.model import (
    JournalExists,
    JournalInputError,
    JournalLocked,
    LockedOut,
    NoDraft,
    NoJournal,
    NoPinSet,
    NotFound,
    PinAlreadySet,
    WrongPin,
)
from bot.telegram.journal import callbacks as cb
from bot.telegram.journal import entry, records, screens
from bot.telegram.journal.flow import AfterUnlock, Awaiting, PinPurpose
from bot.telegram.journal.turn import Turn


async def guarded(turn: Turn, action: Callable[[], Awaitable[None]], then: AfterUnlock = AfterUnlock.MENU) -> None:
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
                await show_create(turn)
            elif status.locked_until is not None:
                await show_locked_out(turn, status.locked_until)
            else:
                if then != AfterUnlock.CANCEL:
                    in_entry = turn.flow.in_entry or then == AfterUnlock.ENTRY
                    then = AfterUnlock.ENTRY if in_entry else AfterUnlock.MENU
                await ask_unlock(turn, then=then)
            return
        except NoJournal:
            turn.flow.pause()
            await show_create(turn)
            return
        except NoDraft:
            turn.flow.pause()
            await records.show_menu(turn, intro=turn.ui.text("journal_error_not_now"))
            return
        except NotFound:
            await records.show_menu(turn, intro=turn.ui.text("journal_not_found"))
            return


async def open_journal(turn: Turn, *, edit: bool) -> None:
    """/journal or its button: create it, show the menu, or ask for the PIN."""
    turn.flow.pause()
    status = await turn.journal.status(turn.key)
    if not status.exists:
        await show_create(turn, edit=edit)
    elif status.unlocked:
        await records.show_menu(turn, edit=edit)
    elif status.locked_until is not None:
        await show_locked_out(turn, status.locked_until, edit=edit)
    elif not status.has_pin:
        await turn.journal.unlock(turn.key)
        await records.show_menu(turn, edit=edit)
    else:
        await ask_unlock(turn, then=AfterUnlock.MENU, edit=edit)


async def show_create(turn: Turn, *, edit: bool = True) -> None:
    await turn.show(screens.create(turn.ui), edit=edit)


async def show_locked_out(turn: Turn, until: dt.datetime, *, edit: bool = True) -> None:
    await turn.show(screens.locked_out(turn.ui, until), edit=edit)


async def create(turn: Turn, *, with_pin: bool) -> None:
    if await turn.journal.exists(turn.key):
        await open_journal(turn, edit=True)
    elif with_pin:
        await ask_new_pin(turn, PinPurpose.CREATE)
    else:
        waiting = turn.flow.take_after_open()
        turn.flow.pause()
        await turn.journal.create(turn.key)
        await turn.delete_pin_prompts()
        if waiting is not None:
            await waiting(turn)
            return
        await records.show_menu(turn, intro=turn.ui.text("journal_created"))


async def lock(turn: Turn) -> None:
    turn.journal.lock(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.show(screens.locked(turn.ui))


async def forgot(turn: Turn) -> None:
    turn.flow.pause()
    await turn.show(screens.forgot(turn.ui))


async def pin_menu(turn: Turn, action: cb.PinAction | None) -> None:
    """The menu's PIN buttons: set one, or change or remove it (both ask for the current PIN first)."""
    status = await turn.journal.status(turn.key)
    turn.journal.require_open(turn.key)  # only from an open journal (raises JournalLocked otherwise)
    if action is cb.PinAction.SET and not status.has_pin:
        await ask_new_pin(turn, PinPurpose.SET)
    elif action in (cb.PinAction.CHANGE, cb.PinAction.REMOVE) and status.has_pin:
        flow = turn.flow
        flow.end_pin()
        flow.awaiting = Awaiting.CURRENT_PIN
        flow.purpose = PinPurpose.CHANGE if action is cb.PinAction.CHANGE else PinPurpose.REMOVE
        await turn.show(screens.current_pin_prompt(turn.ui), pin=True)
    else:
        await records.show_menu(turn)


async def ask_unlock(turn: Turn, *, then: AfterUnlock, edit: bool = True) -> None:
    flow = turn.flow
    flow.end_pin()
    flow.awaiting, flow.then = Awaiting.UNLOCK, then
    view = screens.unlock_prompt(turn.ui, idle=then == AfterUnlock.ENTRY)
    await turn.show(view, edit=edit, pin=True, entry=flow.in_entry)


async def ask_new_pin(turn: Turn, purpose: PinPurpose, *, change: PinChange | None = None, edit: bool = True) -> None:
    flow = turn.flow
    flow.end_pin()
    flow.awaiting, flow.purpose, flow.pin_change = Awaiting.NEW_PIN, purpose, change
    await turn.show(screens.new_pin_prompt(turn.ui, purpose), edit=edit, pin=True)


async def take_pin(turn: Turn, message: Message) -> None:
    """Her message carrying a PIN: deleted at once, whatever happens next, and never logged."""
    flow = turn.flow
    with contextlib.suppress(TelegramError):
        await turn.context.bot.delete_message(turn.chat_id, message.message_id)
    if message.text is None:
        await _reply(turn, turn.ui.text("journal_pin_expected"))
        return
    typed, journal = message.text, turn.journal
    try:
        if flow.awaiting == Awaiting.UNLOCK:
            short = await journal.unlock(turn.key, typed)
            then = flow.then
            flow.end_pin()
            await turn.delete_pin_prompts()
            await after_unlock(turn, then, short_pin=short)
        elif flow.awaiting == Awaiting.CURRENT_PIN and flow.purpose == PinPurpose.REMOVE:
            await journal.remove_pin(turn.key, typed)
            flow.end_pin()
            await turn.delete_pin_prompts()
            await records.show_menu(turn, edit=False, intro=turn.ui.text("journal_pin_removed"))
        elif flow.awaiting == Awaiting.CURRENT_PIN:
            # Checked now (a wrong one counts) before she picks a new one; only a token of it is kept.
            change = await journal.begin_pin_change(turn.key, typed)
            await ask_new_pin(turn, PinPurpose.CHANGE, change=change, edit=False)
        elif flow.awaiting == Awaiting.NEW_PIN:
            try:
                flow.new_pin = journal.pending_pin(typed)
            except JournalInputError as error:
                await _reply(turn, screens.error_text(turn.ui, error.code, journal.today()))
                return
            flow.awaiting = Awaiting.REPEAT_PIN
            await _reply(turn, turn.ui.text("journal_pin_repeat_prompt"))
        elif flow.awaiting == Awaiting.REPEAT_PIN:
            await _confirm_new_pin(turn, typed)
    except WrongPin as error:
        turn.context.bot_data.metrics.unlock_failed("wrong_pin")
        await _reply(turn, turn.ui.plural("journal_pin_wrong", error.tries_left))
    except LockedOut as error:
        turn.context.bot_data.metrics.unlock_failed("locked_out")
        flow.pause()
        await turn.delete_pin_prompts()
        await show_locked_out(turn, error.until, edit=False)
    except NoJournal:
        flow.pause()
        await turn.delete_pin_prompts()
        await show_create(turn, edit=False)
    except (JournalLocked, NoPinSet, PinAlreadySet):  # JournalLocked: also a PinChange that expired
        flow.pause()
        await turn.delete_pin_prompts()
        await guarded(turn, lambda: records.show_menu(turn, edit=False))


async def _confirm_new_pin(turn: Turn, typed: str) -> None:
    flow = turn.flow
    if flow.new_pin is None or not flow.new_pin.matches(typed):
        flow.awaiting, flow.new_pin = Awaiting.NEW_PIN, None
        await _reply(turn, turn.ui.text("journal_pin_mismatch"))
        return
    purpose, change = flow.purpose, flow.pin_change
    notice: str | None
    if purpose == PinPurpose.CREATE:
        try:
            await turn.journal.create(turn.key, typed)
            notice = turn.ui.text("journal_created") + " " + turn.ui.text("journal_pin_set")
        except JournalExists:
            notice = None
    elif purpose == PinPurpose.CHANGE and change is not None:
        await turn.journal.change_pin(turn.key, change, typed)
        notice = turn.ui.text("journal_pin_changed")
    else:
        await turn.journal.set_pin(turn.key, typed)
        notice = turn.ui.text("journal_pin_set")
    flow.end_pin()
    await turn.delete_pin_prompts()
    waiting = flow.take_after_open() if purpose == PinPurpose.CREATE else None
    if waiting is not None:
        await waiting(turn)
        return
    await guarded(turn, lambda: records.show_menu(turn, edit=False, intro=notice))


async def _reply(turn: Turn, text: str) -> None:
    view = screens.pin_reply(turn.ui, text, turn.flow.awaiting)
    await turn.show(view, edit=False, pin=True, entry=turn.flow.in_entry)


async def after_unlock(turn: Turn, then: AfterUnlock, *, short_pin: bool = False) -> None:
    """The right PIN: on to the menu, the entry where it was, the cancel she had asked for, or what waited
    for the journal to open (flow.after_open). A PIN shorter than new ones must be is pointed out once, on the
    menu (which has the button to change it)."""
    if then == AfterUnlock.CANCEL:
        await entry.cancel_entry(turn)
        return
    waiting = turn.flow.take_after_open()
    if waiting is not None:  # the journal was opened for something else (saving a danger check)
        await waiting(turn)
        return
    draft = await turn.journal.draft(turn.key) if then == AfterUnlock.ENTRY else None
    if draft is None:
        turn.flow.in_entry = False
        intro = turn.ui.text("journal_pin_lengthen", limit=PIN_MIN_CHARS) if short_pin else None
        await records.show_menu(turn, edit=False, intro=intro)
        if short_pin:
            await turn.journal.short_pin_asked(turn.key)
        return
    await entry.show_step(turn, draft, edit=False)
