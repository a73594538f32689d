"""The data key: PIN or no PIN, wrong tries and lockouts, idle expiry, rewrapping."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journal import sealing
from bot.journal.keys import (
    DEFAULT_ARGON2,
    FIRST_LOCKOUT_SECONDS,
    MAX_LOCKOUT_SECONDS,
    Argon2Params,
    JournalKeys,
    unwrap_with_server,
)
from bot.journal.model import (
    EntryFields,
    InputError,
    JournalDamaged,
    JournalExists,
    JournalInputError,
    JournalLocked,
    LockedOut,
    NoJournal,
    PinRequired,
    WrongPin,
)
from bot.journal.service import JournalService
from tests.support.journal import ALICE, BOB, Harness

FIELDS = EntryFields(dt.date(2026, 11, 20), what_happened="test entry")


def test_real_argon2_parameters_are_the_default():
    assert Argon2Params(time_cost=3, memory_cost_kib=64 * 1024, parallelism=1) == DEFAULT_ARGON2
    assert JournalKeys.__init__.__kwdefaults__["argon2"] is DEFAULT_ARGON2
    assert JournalService.__init__.__kwdefaults__["argon2"] is DEFAULT_ARGON2


async def test_a_journal_without_pin_opens_with_the_server_key(harness: Harness):
    await harness.service.create(ALICE)
    harness.service.lock(ALICE)
    with pytest.raises(JournalLocked):
        await harness.service.entries(ALICE)
    await harness.service.unlock(ALICE)
    assert await harness.service.entries(ALICE) == []
    with pytest.raises(JournalExists):
        await harness.service.create(ALICE)


async def test_wrong_pin_fails_and_the_right_one_opens(harness: Harness):
    journal = harness.service
    await journal.create(ALICE, "246813")
    await journal.add_entry(ALICE, FIELDS)
    journal.lock(ALICE)
    with pytest.raises(WrongPin) as wrong:
        await journal.unlock(ALICE, "135791")
    assert wrong.value.tries_left == 4
    with pytest.raises(JournalLocked):
        await journal.entries(ALICE)
    await journal.unlock(ALICE, " 246813 ")  # spaces around it do not matter
    assert [entry.fields.what_happened for entry in await journal.entries(ALICE)] == ["test entry"]
    assert (await harness.rows("SELECT failed_tries FROM journal_keys"))[0] == (0,)


async def test_a_pin_journal_cannot_be_opened_by_another_user_or_without_the_pin(harness: Harness):
    journal = harness.service
    await journal.create(ALICE, "246813")
    journal.lock(ALICE)
    with pytest.raises(PinRequired):
        await journal.unlock(ALICE)
    with pytest.raises(NoJournal):
        await journal.unlock(BOB, "246813")  # another Telegram user has no journal here

    # Even her wrapped key copied to the other user's row does not open: the wrap is bound to its user.
    (wrapped, salt, kdf), *_ = await harness.rows("SELECT wrapped_key, pin_salt, pin_kdf FROM journal_keys")
    await harness.execute(
        "INSERT INTO journal_keys (user_key, wrapped_key, pin_salt, pin_kdf) VALUES (?, ?, ?, ?)",
        BOB,
        wrapped,
        salt,
        kdf,
    )
    with pytest.raises(WrongPin):
        await journal.unlock(BOB, "246813")
    with pytest.raises(JournalLocked):
        await journal.entries(BOB)


async def test_neither_the_server_key_alone_nor_the_pin_alone_opens_it(harness: Harness):
    await harness.service.create(ALICE, "246813")
    (wrapped,), *_ = await harness.rows("SELECT wrapped_key FROM journal_keys")
    # The server key alone (what a seized server with BOT_SECRET_KEY has) does not unwrap it.
    with pytest.raises(JournalDamaged):
        unwrap_with_server(harness.service.keys._server_kek, wrapped, ALICE)
    with pytest.raises(JournalDamaged):
        sealing.open_sealed(sealing.AESGCM(harness.service.keys._server_kek), wrapped, b"journal-key|" + ALICE.encode())
    # The PIN alone, with another server key, does not either.
    other_server = harness.open_service(secret=b"another-server-key-material-0123456789")
    with pytest.raises(WrongPin):
        await other_server.unlock(ALICE, "246813")


async def test_lockout_after_five_wrong_tries_then_longer(harness: Harness):
    journal, clock = harness.service, harness.clock
    await journal.create(ALICE, "246813")
    journal.lock(ALICE)
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as wrong:
            await journal.unlock(ALICE, "0000")
        assert wrong.value.tries_left == tries_left
    with pytest.raises(LockedOut) as locked:
        await journal.unlock(ALICE, "0000")
    start = dt.datetime.fromtimestamp(clock.wall(), dt.UTC)
    assert locked.value.until == start + dt.timedelta(seconds=FIRST_LOCKOUT_SECONDS)

    # While locked, even the right PIN is not checked; the lock is in the database, so a restart keeps it.
    with pytest.raises(LockedOut):
        await journal.unlock(ALICE, "246813")
    restarted = harness.open_service()
    with pytest.raises(LockedOut):
        await restarted.unlock(ALICE, "246813")
    assert (await restarted.status(ALICE)).locked_until == locked.value.until

    # The next five wrong tries lock it for twice as long.
    clock.advance(FIRST_LOCKOUT_SECONDS + 1)
    for _ in range(4):
        with pytest.raises(WrongPin):
            await restarted.unlock(ALICE, "0000")
    with pytest.raises(LockedOut) as second:
        await restarted.unlock(ALICE, "0000")
    now = dt.datetime.fromtimestamp(clock.wall(), dt.UTC)
    assert second.value.until == now + dt.timedelta(seconds=2 * FIRST_LOCKOUT_SECONDS)

    # It keeps doubling up to a day.
    durations = []
    for _ in range(8):
        clock.advance(MAX_LOCKOUT_SECONDS + 1)
        for _ in range(4):
            with pytest.raises(WrongPin):
                await restarted.unlock(ALICE, "0000")
        with pytest.raises(LockedOut) as again:
            await restarted.unlock(ALICE, "0000")
        durations.append(round(again.value.until.timestamp() - clock.wall()))
    assert durations[:3] == [4 * FIRST_LOCKOUT_SECONDS, 8 * FIRST_LOCKOUT_SECONDS, 16 * FIRST_LOCKOUT_SECONDS]
    assert durations[-1] == MAX_LOCKOUT_SECONDS

    # The right PIN after the lock ends opens it and resets the counters.
    clock.advance(MAX_LOCKOUT_SECONDS + 1)
    await restarted.unlock(ALICE, "246813")
    assert await harness.rows("SELECT failed_tries, lockouts, locked_until FROM journal_keys") == [(0, 0, 0)]


async def test_a_wrong_length_pin_counts_as_a_wrong_try(harness: Harness):
    await harness.service.create(ALICE, "246813")
    with pytest.raises(WrongPin) as wrong:
        await harness.service.unlock(ALICE, "1")
    assert wrong.value.tries_left == 4


async def test_the_unlocked_key_expires_when_idle(harness: Harness):
    journal, clock = harness.service, harness.clock
    await journal.create(ALICE, "246813")
    clock.advance(599)
    await journal.entries(ALICE)  # use restarts the idle timer
    clock.advance(599)
    assert (await journal.status(ALICE)).unlocked
    await journal.entries(ALICE)
    clock.advance(601)
    assert not (await journal.status(ALICE)).unlocked
    with pytest.raises(JournalLocked):
        await journal.entries(ALICE)
    await journal.unlock(ALICE, "246813")
    assert await journal.entries(ALICE) == []


async def test_idle_time_is_configurable_and_purge_forgets_expired_keys(harness: Harness):
    journal = harness.open_service()
    journal.keys.idle_seconds = 60
    await journal.create(ALICE)
    await journal.create(BOB)
    harness.clock.advance(30)
    await journal.entries(BOB)
    harness.clock.advance(31)
    assert journal.keys.purge_expired() == 1
    assert not journal.keys.is_unlocked(ALICE) and journal.keys.is_unlocked(BOB)


async def test_changing_or_removing_the_pin_rewraps_the_key_only(harness: Harness):
    journal = harness.service
    await journal.create(ALICE, "246813")
    await journal.add_entry(ALICE, FIELDS)
    entries_before = await harness.rows("SELECT * FROM journal_entries")
    (wrap_before,), *_ = await harness.rows("SELECT wrapped_key FROM journal_keys")

    with pytest.raises(WrongPin):
        await journal.change_pin(ALICE, "1111", "975310")  # the current PIN is needed, even while unlocked
    await journal.change_pin(ALICE, "246813", "975310")
    assert await harness.rows("SELECT * FROM journal_entries") == entries_before
    (wrap_after,), *_ = await harness.rows("SELECT wrapped_key FROM journal_keys")
    assert wrap_after != wrap_before
    journal.lock(ALICE)
    with pytest.raises(WrongPin):
        await journal.unlock(ALICE, "246813")
    await journal.unlock(ALICE, "975310")
    assert len(await journal.entries(ALICE)) == 1

    await journal.remove_pin(ALICE, "975310")
    assert await harness.rows("SELECT * FROM journal_entries") == entries_before
    journal.lock(ALICE)
    await journal.unlock(ALICE)
    assert not (await journal.status(ALICE)).has_pin
    assert len(await journal.entries(ALICE)) == 1

    await journal.set_pin(ALICE, "864213")
    journal.lock(ALICE)
    with pytest.raises(PinRequired):
        await journal.unlock(ALICE)
    await journal.unlock(ALICE, "864213")
    assert await harness.rows("SELECT * FROM journal_entries") == entries_before


async def test_setting_a_pin_leaves_no_copy_of_the_server_only_wrap_on_disk(harness: Harness):
    await harness.service.create(ALICE)
    await harness.service.add_entry(ALICE, FIELDS)
    (server_wrap,), *_ = await harness.rows("SELECT wrapped_key FROM journal_keys")
    assert harness.files_containing(server_wrap)  # it is there (database or WAL) before
    await harness.service.set_pin(ALICE, "246813")
    assert harness.files_containing(server_wrap) == []


async def test_pin_length_is_checked_when_it_is_set(harness: Harness):
    with pytest.raises(JournalInputError) as short:
        await harness.service.create(ALICE, "12")
    assert short.value.code is InputError.PIN_TOO_SHORT
    with pytest.raises(JournalInputError) as long:
        await harness.service.create(ALICE, "9" * 65)
    assert long.value.code is InputError.PIN_TOO_LONG
    assert not (await harness.service.status(ALICE)).exists


async def test_kdf_parameters_read_back_from_the_database_are_bounded():
    assert Argon2Params.decode("argon2id;t=3;m=65536;p=1") == DEFAULT_ARGON2
    for hostile in ("argon2id;t=3;m=99999999;p=1", "argon2id;t=0;m=65536;p=1", "scrypt;n=1"):
        with pytest.raises(JournalDamaged):
            Argon2Params.decode(hostile)
