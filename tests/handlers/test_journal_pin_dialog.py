"""Changing her PIN through the chat keeps no PIN as typed in the chat's Flow: between her messages it holds
the new PIN's salted digest (PendingPin) and the checked current PIN's opaque token (PinChange), and every way
out of the dialog drops them. Through PTB; the service's side is in tests/unit/journal/test_pin_dialog.py."""

from __future__ import annotations

import pytest

from bot.journal.model import WrongPin
from bot.telegram.journal.flow import Awaiting, Flow
from tests.support.journal import holds
from tests.support.journal_chat import USER, JournalHarness
from tests.support.telegram import button_texts

CURRENT = "735913"
NEW = "864209"


def flow_of(h: JournalHarness) -> Flow:
    flow: Flow | None = h.app.chat_data[USER].journal
    assert flow is not None
    return flow


async def test_no_part_of_the_chats_flow_holds_the_pin_while_it_is_changed(journal_harness: JournalHarness) -> None:
    h = journal_harness
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
async def test_every_way_out_of_the_pin_dialog_drops_the_checked_pin(
    journal_harness: JournalHarness, way_out: str
) -> None:
    h = journal_harness
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


async def test_exit_in_the_middle_of_a_pin_change_forgets_the_flow(journal_harness: JournalHarness) -> None:
    h = journal_harness
    await h.journal.create(h.key(), CURRENT)
    await h.send("/journal")
    await h.press("Change the PIN")
    await h.send(CURRENT)
    await h.press("✖ Exit")
    assert h.app.chat_data[USER].journal is None
    assert not (await h.journal.status(h.key())).unlocked


async def test_a_pin_made_before_six_characters_were_needed_opens_and_she_is_asked_once_to_lengthen_it(
    journal_harness: JournalHarness,
) -> None:
    h = journal_harness
    keys = h.journal.keys
    wrapped, salt, kdf = await keys._wrap(h.key(), b"k" * 32, "2468")  # as the bot stored 4-character PINs
    await h.services.journal_database.connection.execute(
        "INSERT INTO journal_keys (user_key, wrapped_key, pin_salt, pin_kdf) VALUES (?, ?, ?, ?)",
        (h.key(), wrapped, salt, kdf),
    )
    await h.send("/journal")
    await h.send("2468")
    assert "Your PIN is shorter than 6 characters" in h.last_text()
    assert "Change the PIN" in button_texts(h.last())
    await h.press("🔒 Lock")
    await h.send("/journal")
    await h.send("2468")
    assert "My journal" in h.last_text() and "shorter than" not in h.last_text()  # once
    await h.press("Change the PIN")
    await h.send("2468")
    await h.send("97531")
    assert "at least 6 characters" in h.last_text()
