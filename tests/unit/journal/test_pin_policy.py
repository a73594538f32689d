"""PINs (issue 13, item 4): new ones have at least 6 characters; one made before with 4 or 5 still opens its
journal and she is asked once to lengthen it; Argon2id's time cost is calibrated on this machine, kept for a
month, and never below the default."""

from __future__ import annotations

import pytest

from bot.journal import calibration
from bot.journal.keys import DEFAULT_ARGON2, Argon2Params
from bot.journal.model import InputError, JournalInputError
from bot.journal.service import JournalService
from tests.support.journal import ALICE, CHEAP_ARGON2, SECRET, Harness


async def made_before_six_were_needed(harness: Harness, pin: str) -> None:
    """A journal whose PIN has 4 characters, as the bot allowed until now (written as the old code did)."""
    keys = harness.service.keys
    wrapped, salt, kdf = await keys._wrap(ALICE, b"k" * 32, pin)
    await harness.execute(
        "INSERT INTO journal_keys (user_key, wrapped_key, pin_salt, pin_kdf) VALUES (?, ?, ?, ?)",
        ALICE, wrapped, salt, kdf,
    )  # fmt: skip


@pytest.mark.parametrize("pin", ["1234", "12345", " 12345 "])
async def test_a_new_pin_needs_six_characters(harness: Harness, pin: str):
    with pytest.raises(JournalInputError) as short:
        await harness.service.create(ALICE, pin)
    assert short.value.code == InputError.PIN_TOO_SHORT
    with pytest.raises(JournalInputError):
        harness.service.pending_pin(pin)
    await harness.service.create(ALICE, "123456")


async def test_an_old_short_pin_still_opens_and_she_is_asked_once_to_lengthen_it(harness: Harness):
    await made_before_six_were_needed(harness, "2468")
    journal = harness.service
    assert await journal.unlock(ALICE, "2468") is True  # ask her
    journal.lock(ALICE)
    assert await journal.unlock(ALICE, "2468") is True  # not shown yet (she went straight on with an entry)
    await journal.short_pin_asked(ALICE)
    journal.lock(ALICE)
    assert await journal.unlock(ALICE, "2468") is False  # once is enough
    change = await journal.begin_pin_change(ALICE, "2468")
    with pytest.raises(JournalInputError):
        await journal.change_pin(ALICE, change, "97531")
    await journal.change_pin(ALICE, change, "975310")
    journal.lock(ALICE)
    assert await journal.unlock(ALICE, "975310") is False


async def test_calibration_raises_the_time_cost_until_a_guess_takes_a_quarter_second(monkeypatch):
    timings = {1: 0.05, 5: 0.24, 6: 0.29}  # seconds per guess, as a slow or fast machine would give them
    monkeypatch.setattr(calibration, "guess_seconds", lambda params: timings[params.time_cost])
    params, took = calibration.calibrate(DEFAULT_ARGON2)
    assert (params.time_cost, params.memory_cost_kib, took) == (6, DEFAULT_ARGON2.memory_cost_kib, 0.29)
    monkeypatch.setattr(calibration, "guess_seconds", lambda params: {1: 0.5, 3: 1.4}[params.time_cost])
    params, _ = calibration.calibrate(DEFAULT_ARGON2)
    assert params.time_cost == DEFAULT_ARGON2.time_cost  # a fast target is never a reason to go below the default


async def test_the_calibration_is_kept_for_a_month_and_used_for_new_pins(harness: Harness, monkeypatch):
    calls: list[Argon2Params] = []

    def measured(base: Argon2Params) -> tuple[Argon2Params, float]:
        calls.append(base)
        return Argon2Params(time_cost=1 + len(calls), memory_cost_kib=8 * 1024), 0.3

    monkeypatch.setattr(calibration, "calibrate", measured)
    journal = harness.service
    assert (await journal.calibrate_pin_kdf()).time_cost == 2
    assert (await harness.rows("SELECT params, guess_ms FROM pin_kdf")) == [("argon2id;t=2;m=8192;p=1", 300)]
    restarted = JournalService(
        harness.database, harness.data_dir, SECRET, argon2=CHEAP_ARGON2, calibrate=True, clock=harness.clock.wall
    )
    await restarted.create(ALICE, "975310")  # the first new PIN after a start reads the calibration
    assert len(calls) == 1  # kept, not measured again
    assert (await harness.rows("SELECT pin_kdf FROM journal_keys"))[0] == ("argon2id;t=2;m=8192;p=1",)
    harness.clock.advance(31 * 86400)
    assert (await harness.open_service().calibrate_pin_kdf()).time_cost == 3  # a month later: measured again
