"""Sealed chat ids and the wipe schedule, below the Telegram layer."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from bot.crypto import Sealer


def test_sealed_values_round_trip_and_are_bound_to_their_row():
    sealer = Sealer(b"k" * 32, b"wipe-chat-id")
    sealed = sealer.seal(b"123456789", b"row-a")
    assert b"123456789" not in sealed
    assert sealer.open(sealed, b"row-a") == b"123456789"
    assert sealer.seal(b"123456789", b"row-a") != sealed  # a fresh nonce every time
    with pytest.raises(InvalidTag):
        sealer.open(sealed, b"row-b")  # moved to another user's row
    with pytest.raises(InvalidTag):
        Sealer(b"other key material 32 bytes long", b"wipe-chat-id").open(sealed, b"row-a")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(InvalidTag):
        sealer.open(tampered, b"row-a")


async def test_due_chats_follow_each_persons_setting(services):
    safety = services.safety
    now = 1_800_000_000
    safety.clock = lambda: now
    await safety.record(111, [1], now)  # default: one hour
    await safety.set_wipe_after(222, 15)
    await safety.record(222, [1], now)
    await safety.set_wipe_after(333, 0)  # off
    await safety.record(333, [1], now)

    safety.clock = lambda: now + 15 * 60
    assert await safety.due_chats() == [222]
    safety.clock = lambda: now + 3600
    assert sorted(await safety.due_chats()) == [111, 222]
    safety.clock = lambda: now + 100 * 3600
    assert 333 not in await safety.due_chats()


async def test_a_schedule_row_from_another_secret_key_is_dropped_not_crashed_on(services, caplog):
    safety = services.safety
    await safety.record(111, [1, 2], 1_800_000_000)
    await services.database.connection.execute("UPDATE wipe_schedule SET chat_ref = ?, due_at = 0", (b"x" * 40,))
    assert await safety.due_chats() == []
    assert "unreadable wipe schedule row" in caplog.text
    async with services.database.connection.execute("SELECT COUNT(*) FROM wipe_schedule") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_a_failed_wipe_keeps_the_ids_and_retries_soon(services):
    safety = services.safety
    now = 1_800_000_000
    safety.clock = lambda: now
    await safety.record(111, [5, 6], now)
    await safety.wipe_failed(111)
    assert await safety.messages_to_delete(111) == [5, 6]
    safety.clock = lambda: now + 61
    assert await safety.due_chats() == [111]


async def test_each_message_moves_her_wipe_later_but_never_past_her_setting(services):
    """The due time is rewritten only when it moves by more than a minute: the wipe may come up to a
    minute early, never late."""
    safety = services.safety
    start = 1_800_000_000

    async def due_at() -> int:
        rows = await services.database.connection.execute_fetchall("SELECT due_at FROM wipe_schedule")
        return next(iter(rows))[0]

    writes = 0
    previous = None
    for elapsed in range(0, 600, 7):  # a message every 7 seconds for ten minutes
        safety.clock = lambda now=start + elapsed: now
        await safety.record(111, [elapsed + 1], start + elapsed)
        due = await due_at()
        assert start + elapsed + 3600 - 60 <= due <= start + elapsed + 3600
        writes += due != previous
        previous = due
    assert writes < 20  # not one write per message (86 messages)

    safety.clock = lambda: start + 600 + 3600  # an hour after her last message: wiped
    assert await safety.due_chats() == [111]
