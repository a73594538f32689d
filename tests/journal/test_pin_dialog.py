"""Changing her PIN keeps no PIN as typed between her messages: the new PIN's first typing is a salted digest
(PendingPin), the checked current PIN an opaque token (PinChange) that only the journal's memory can redeem —
once, and only until the journal locks. Checked on the service, and on the chat's Flow through PTB."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.app import attach, build_application
from bot.config import Settings
from bot.journal.keys import PendingPin
from bot.journal.model import EntryFields, InputError, JournalInputError, JournalLocked, WrongPin
from bot.journal.service import JournalService
from bot.services import Services
from bot.telegram.journal.flow import Awaiting, Flow
from tests.conftest import TEST_SECRET, TEST_TOKEN
from tests.journal.conftest import ALICE, Harness
from tests.test_journal_handlers import CHEAP_ARGON2, USER, Clock, JournalRequest
from tests.test_journal_handlers import Harness as TelegramHarness

CURRENT = "735913"
NEW = "864209"
FIELDS = EntryFields(occurred_on=dt.date(2026, 11, 20), place="kitchen")


def strings_in(value: Any, seen: set[int] | None = None) -> Iterator[str | bytes]:
    """Every str and bytes reachable from `value` through attributes, mappings and sequences."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str | bytes):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key, seen)
            yield from strings_in(item, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item, seen)
    elif dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
        for item in vars(value).values():
            yield from strings_in(item, seen)


def holds(value: Any, pin: str) -> bool:
    """The PIN, as text or as UTF-8 bytes, in the repr of `value` or anywhere reachable from it."""
    encoded = pin.encode()
    return pin in repr(value) or any(
        pin in found if isinstance(found, str) else encoded in found for found in strings_in(value)
    )


# ---------------------------------------------------------------------------------- the service


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


# ---------------------------------------------------------------------------------- the chat's Flow


@pytest.fixture
async def telegram(settings: Settings, services: Services) -> AsyncIterator[TelegramHarness]:
    clock = Clock()
    services.journal = JournalService(
        services.journal_database, settings.data_dir, TEST_SECRET, argon2=CHEAP_ARGON2, monotonic=clock.mono
    )
    request = JournalRequest()
    application = build_application(settings, TEST_TOKEN, request=request, rate_limit=False)
    attach(application, services, settings)
    await application.initialize()
    request.calls.clear()
    yield TelegramHarness(application, request, services, clock)
    await application.shutdown()


def flow_of(h: TelegramHarness) -> Flow:
    flow: Flow | None = h.app.chat_data[USER].journal
    assert flow is not None
    return flow


async def test_no_part_of_the_chats_flow_holds_the_pin_while_it_is_changed(telegram: TelegramHarness) -> None:
    h = telegram
    await h.journal.create(h.key(), CURRENT)
    await h.send("/journal")
    await h.press("Change the PIN")
    await h.send(CURRENT)
    assert "Type the PIN you want" in h.last_text()
    flow = flow_of(h)
    assert flow.awaiting is Awaiting.NEW_PIN and flow.pin_change is not None
    assert not holds(flow, CURRENT) and not holds(h.app.chat_data[USER], CURRENT)

    await h.send(NEW)
    flow = flow_of(h)  # the same Flow, changed by the handler
    assert flow.awaiting is Awaiting.REPEAT_PIN and flow.new_pin is not None
    assert not holds(flow, CURRENT) and not holds(flow, NEW)
    await h.send(NEW)
    assert "The PIN is changed." in h.last_text()
    assert flow.pin_change is None and flow.new_pin is None

    h.journal.lock(h.key())
    with pytest.raises(WrongPin):
        await h.journal.unlock(h.key(), CURRENT)
    await h.journal.unlock(h.key(), NEW)


@pytest.mark.parametrize("way_out", ["Cancel", "/cancel", "☰ Menu"])
async def test_every_way_out_of_the_pin_dialog_drops_the_checked_pin(telegram: TelegramHarness, way_out: str) -> None:
    h = telegram
    await h.journal.create(h.key(), CURRENT)
    await h.send("/journal")
    await h.press("Change the PIN")
    await h.send(CURRENT)
    await h.send(NEW)
    assert flow_of(h).pin_change is not None and flow_of(h).new_pin is not None
    if way_out.startswith("/"):
        await h.send(way_out)
    else:
        await h.press(way_out)
    flow = flow_of(h)
    assert flow.awaiting is None and flow.pin_change is None and flow.new_pin is None
    h.journal.lock(h.key())
    await h.journal.unlock(h.key(), CURRENT)  # the PIN did not change


async def test_exit_in_the_middle_of_a_pin_change_forgets_the_flow(telegram: TelegramHarness) -> None:
    h = telegram
    await h.journal.create(h.key(), CURRENT)
    await h.send("/journal")
    await h.press("Change the PIN")
    await h.send(CURRENT)
    await h.press("✖ Exit")
    assert h.app.chat_data[USER].journal is None
    assert not (await h.journal.status(h.key())).unlocked
