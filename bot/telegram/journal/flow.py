"""One chat's place in the journal: what her next message is for, and what a PIN dialog has so far. In
memory only (`chat_data.journal`): a restart forgets it and the draft waits encrypted.

The ids of the messages the flow exchanged (prompts, her answers) are not here but in the database
(`SafetyService.track_flow`, table journal_flow_messages), so the flow can still delete them after a restart.

A statement draft's details (her name, address, phone, addressee) are the one thing she typed that is kept
here: in memory only, until the files are made, and dropped with the flow (`pause`, Exit, /forget, the wipe,
the journal locking).

No PIN is kept here as typed: a new PIN typed once is a `PendingPin` (a salted digest), a checked current PIN
a `PinChange` (an opaque token the journal service redeems). Both are dropped on every way out of the PIN
dialog (`end_pin`, `pause`, Exit).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.content.documents import DocumentKind
from bot.journal.keys import PendingPin, PinChange
from bot.journal.plan import PlanStep
from bot.telegram.context import Context

if TYPE_CHECKING:
    from bot.telegram.journal.turn import Turn


class Awaiting(StrEnum):
    """What her next message is for."""

    UNLOCK = "unlock"  # the PIN, to open the journal
    CURRENT_PIN = "current_pin"  # the PIN, before changing or removing it
    NEW_PIN = "new_pin"
    REPEAT_PIN = "repeat_pin"  # the new PIN once more
    ENTRY = "entry"  # an answer (or a file) for the guided entry's step
    PLAN = "plan"  # her words for one step of her safety plan (Flow.plan_step)
    STATEMENT = "statement"  # one of her details for a statement draft (Flow.statement.asking)


PIN_STATES = frozenset({Awaiting.UNLOCK, Awaiting.CURRENT_PIN, Awaiting.NEW_PIN, Awaiting.REPEAT_PIN})


class PinPurpose(StrEnum):
    """What a PIN is asked for."""

    CREATE = "create"  # a new journal with a PIN
    SET = "set"  # a PIN for a journal without one
    CHANGE = "change"
    REMOVE = "remove"


class Detail(StrEnum):
    """What a statement draft asks her for that the journal does not hold, in the order asked."""

    FULL_NAME = "name"
    ADDRESS = "address"
    PHONE = "phone"
    ADDRESSEE = "to"  # to whom; left out, the template's own addressee line (with a blank) is used


DETAILS = tuple(Detail)


@dataclass(repr=False)
class Statement:
    """A statement draft being put together: the entries she chose (record ids: random hex), the document, and
    what she typed for it. Her details live here only, in memory, until the files are made (then dropped at
    once) or the flow ends any other way: never in the database, a log, callback or job data. repr shows none
    of it, so neither a traceback nor a debug log can."""

    chosen: tuple[str, ...] = ()
    kind: DocumentKind | None = None
    language: str | None = None  # the document's language; None: hers, or Russian if hers is for reading only
    typed: dict[Detail, str] = field(default_factory=dict)
    asking: Detail | None = None  # the detail her next message is for
    prompt_id: int | None = None  # the message asking for it, edited into the next question
    reviewing: bool = False  # she has seen the ready screen: a detail typed (again) leads back to it

    def __repr__(self) -> str:
        return f"Statement(chosen={len(self.chosen)}, kind={self.kind}, typed={sorted(self.typed)})"


class AfterUnlock(StrEnum):
    """What comes after she typed the right PIN."""

    MENU = "menu"
    ENTRY = "entry"  # the guided entry goes on where it was
    CANCEL = "cancel"  # /cancel asked for the PIN: the entry is dropped then


@dataclass
class Flow:
    """One chat's place in the journal, in memory only."""

    awaiting: Awaiting | None = None
    purpose: PinPurpose | None = None  # for a new PIN: create, set or change; for the current one: change, remove
    then: AfterUnlock = AfterUnlock.MENU  # after an unlock
    in_entry: bool = False  # the guided entry is going on
    new_pin: PendingPin | None = field(default=None, repr=False)  # the new PIN typed once, to compare
    pin_change: PinChange | None = field(default=None, repr=False)  # the current PIN, checked: changing it
    interrupted: bool = False  # after a restart: her texts are deleted until she taps a button
    plan_step: PlanStep | None = None  # the step of her safety plan she is writing
    # What another part of the bot asked to do once the journal is open (the danger check's "save in my
    # journal"): run instead of the journal's menu after the right PIN or the journal's creation.
    after_open: Callable[[Turn], Awaitable[None]] | None = field(default=None, repr=False)
    statement: Statement | None = field(default=None, repr=False)  # a statement draft being put together

    def end_pin(self) -> None:
        """The PIN dialog is over (done, cancelled or replaced): back to the entry if one was going on."""
        self.awaiting = Awaiting.ENTRY if self.in_entry and self.awaiting in PIN_STATES else None
        self.purpose, self.new_pin, self.pin_change = None, None, None

    def pause(self) -> None:
        """She went elsewhere in the bot: what she types next is not for the journal, and nothing waits for
        the journal to open."""
        self.end_pin()
        self.awaiting, self.in_entry, self.then, self.after_open = None, False, AfterUnlock.MENU, None
        self.plan_step, self.statement = None, None  # her typed details go with the flow

    def take_after_open(self) -> Callable[[Turn], Awaitable[None]] | None:
        """What waits for the journal to open, once: it is no longer waiting."""
        action, self.after_open = self.after_open, None
        return action


def flow_of(context: Context) -> Flow:
    if context.chat_data is None:
        return Flow()  # not a chat (cannot happen for the journal's private-chat handlers)
    if context.chat_data.journal is None:
        context.chat_data.journal = Flow()
    return context.chat_data.journal
