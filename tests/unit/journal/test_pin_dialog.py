"""Changing her PIN keeps no PIN as typed between her messages: the new PIN's first typing is a salted digest
(PendingPin), the checked current PIN an opaque token (PinChange) that only the journal's memory can redeem —
once, and only until the journal locks. Checked here on the service; on the chat's Flow through PTB in
tests/handlers/test_journal_pin_dialog.py."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journal.keys import PendingPin
from bot.journal.model import EntryFields, InputError, JournalInputError, JournalLocked, WrongPin
from bot.journal.service import JournalService
from tests.support.journal import ALICE, Harness, holds

CURRENT = "735913"
NEW = "864209"
FIELDS = EntryFields(occurred_on=dt.date(2026, 11, 20), place="kitchen")


async def test_a_pending_pin_matches_the_same_pin_typed_again_and_holds_no_copy_of_it() -> None:
    pending = JournalService.pending_pin(f"  {NEW} ")
    assert pending.matches(NEW) and not pending.matches("864208") and not pending.matches("12")
    assert not holds(pending, NEW)
    with pytest.raises(JournalInputError) as short:
        JournalService.pending_pin("12")
    assert short.value.code is InputError.PIN_TOO_SHORT
    assert isinstance(pending, PendingPin)


async def test_a_checked_current_pin_changes_the_pin_once(harness: Harness) -> None:
    journal = harness.service
    await journal.create(ALICE, CURRENT)
    await journal.add_entry(ALICE, FIELDS)
    journal.lock(ALICE)

    with pytest.raises(WrongPin):
        await journal.begin_pin_change(ALICE, "000000")  # a wrong one counts, as in unlock
    change = await journal.begin_pin_change(ALICE, CURRENT)
    assert (await journal.status(ALICE)).unlocked and not holds(change, CURRENT)
    await journal.change_pin(ALICE, change, NEW)
    with pytest.raises(JournalLocked):
        await journal.change_pin(ALICE, change, "111111")  # used: it cannot change the PIN again

    journal.lock(ALICE)
    with pytest.raises(WrongPin):
        await journal.unlock(ALICE, CURRENT)
    await journal.unlock(ALICE, NEW)
    assert len(await journal.entries(ALICE)) == 1


async def test_a_pin_change_expires_with_the_journal_idle_lock(harness: Harness) -> None:
    journal = harness.service
    await journal.create(ALICE, CURRENT)
    change = await journal.begin_pin_change(ALICE, CURRENT)
    harness.clock.advance(11 * 60)  # longer than the 10 minutes an open journal stays open unused
    with pytest.raises(JournalLocked):
        await journal.change_pin(ALICE, change, NEW)
    await journal.unlock(ALICE, CURRENT)  # nothing changed

    change = await journal.begin_pin_change(ALICE, CURRENT)
    journal.lock(ALICE)  # Lock or Exit: the same
    with pytest.raises(JournalLocked):
        await journal.change_pin(ALICE, change, NEW)
