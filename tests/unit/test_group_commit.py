"""Group commit on the bot's main connection (bot/storage/database.py): writes share one COMMIT (one fsync), and
`durable()` returns only once what was written is on disk, where another connection — or the next start —
finds it."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage.database import Database, WritesLost
from bot.storage.users import UserRepository


def on_disk(path, user_key: str) -> str | None:
    """Her screen as another connection sees it: only what was committed."""
    with closing(sqlite3.connect(path)) as other:
        row = other.execute("SELECT screen FROM users WHERE user_key = ?", (user_key,)).fetchone()
    return row[0] if row else None


async def commits_while(database: Database, work) -> int:
    """How many COMMITs reached SQLite while `work` ran."""
    statements: list[str] = []
    await database.connection.set_trace_callback(statements.append)
    try:
        await work()
    finally:
        await database.connection.set_trace_callback(None)
    return sum(1 for sql in statements if sql.strip().upper() == "COMMIT")


async def test_a_write_is_on_disk_once_durable_returns(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    try:
        await UserRepository(database).save("her", language="kk", screen="police")
        assert await UserRepository(database).get("her") is not None  # her own connection sees it at once
        await database.durable()
        assert on_disk(path, "her") == "police"
    finally:
        await database.close()


async def test_updates_finishing_together_share_one_commit(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3", group_commit=True)
    users = UserRepository(database)

    async def update(n: int) -> None:  # two writes each, then confirmed
        await users.save(f"user{n}", language="ru", screen="menu")
        await users.save(f"user{n}", language="ru", screen="police")
        await database.durable()

    try:
        await database.durable()
        commits = await commits_while(database, lambda: asyncio.gather(*(update(n) for n in range(20))))
        assert 1 <= commits < 20  # 40 writes of 20 updates; before group commit, 40 fsyncs
        assert all(on_disk(tmp_path / "bot.sqlite3", f"user{n}") == "police" for n in range(20))
    finally:
        await database.close()


async def test_nothing_written_means_nothing_to_wait_for(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3", group_commit=True)
    try:
        await UserRepository(database).get("nobody")
        assert await commits_while(database, database.durable) == 0
    finally:
        await database.close()


async def test_a_write_nobody_waits_for_still_reaches_the_disk(tmp_path):
    """A job's or the relay's bookkeeping: committed soon on its own, not held until the next update."""
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    try:
        await UserRepository(database).save("her", language="kk", screen="menu")
        for _ in range(500):
            if on_disk(path, "her") == "menu":
                break
            await asyncio.sleep(0.01)
        assert on_disk(path, "her") == "menu"
    finally:
        await database.close()


async def test_what_was_written_last_is_kept_when_the_bot_stops(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    await UserRepository(database).save("her", language="kk", screen="sos")
    await database.close()
    assert on_disk(path, "her") == "sos"


async def test_an_explicit_transaction_is_all_or_nothing_and_keeps_the_group_before_it(tmp_path):
    """A pseudonym's move after a key rotation is one transaction; the writes of the updates before it are
    committed first, not rolled back with it."""
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    users = UserRepository(database)
    try:
        await users.save("before", language="kk", screen="menu")
        with pytest.raises(RuntimeError):
            async with database.transaction():
                await users.save("moved", language="kk", screen="menu")
                raise RuntimeError("the move failed half-way")
        assert on_disk(path, "before") == "menu"
        assert on_disk(path, "moved") is None
        async with database.transaction():
            await users.save("moved", language="kk", screen="police")
        assert on_disk(path, "moved") == "police"
    finally:
        await database.close()


async def test_a_failed_commit_is_raised_to_everyone_waiting_for_it(tmp_path):
    """Nobody may confirm an update whose writes did not reach the disk."""
    database = await Database.open(tmp_path / "bot.sqlite3", group_commit=True)
    try:
        await UserRepository(database).save("her", language="kk", screen="menu")
        # A deferred foreign key violation makes the COMMIT itself fail.
        await database.connection.execute("PRAGMA defer_foreign_keys = ON")
        await database.connection.execute(
            "INSERT INTO journal_drafts (user_key, payload) VALUES (?, ?)", ("no journal", b"draft")
        )
        with pytest.raises(sqlite3.IntegrityError):
            await database.durable()
        await database.connection.execute("ROLLBACK")
    finally:
        await database.close()


async def test_a_group_lost_with_a_failed_statement_is_never_confirmed(tmp_path):
    """A full disk or an I/O error can make SQLite roll back the whole open transaction, the other updates'
    writes in it too (a trigger's RAISE(ROLLBACK) does the same here). The updates that began before the loss
    are told (WritesLost: not confirmed, handled again after the restart); one that begins after it is not."""
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    users = UserRepository(database)
    try:
        await database.connection.execute(
            "CREATE TEMP TRIGGER disk_full BEFORE INSERT ON users WHEN NEW.user_key = 'fails' "
            "BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END"
        )
        hers = database.epoch
        await users.save("her", language="kk", screen="police")  # in the open group, not committed yet
        idle = database.epoch  # an update that wrote nothing, begun before the loss
        with pytest.raises(sqlite3.IntegrityError):
            await users.save("fails", language="kk", screen="menu")  # takes the group with it
        later = database.epoch
        await users.save("later", language="kk", screen="menu")

        with pytest.raises(WritesLost):
            await database.durable(since=hers)
        with pytest.raises(WritesLost):
            await database.durable(since=idle)  # cannot tell it wrote nothing: handled again, harmless
        await database.durable(since=later)
        assert on_disk(path, "later") == "menu"
        assert on_disk(path, "her") is None  # what WritesLost was about
    finally:
        await database.close()


async def test_writes_made_during_an_explicit_transaction_that_rolls_back_are_not_confirmed(tmp_path):
    """Other updates' writes made while a pseudonym's move runs join its transaction: if it rolls back, they
    go too, and their updates must not be confirmed."""
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, group_commit=True)
    users = UserRepository(database)
    moving = asyncio.Event()
    try:

        async def move() -> None:
            async with database.transaction():
                await users.save("moved", language="kk", screen="menu")
                moving.set()
                await asyncio.sleep(0.05)
                raise RuntimeError("the move failed half-way")

        task = asyncio.create_task(move())
        await moving.wait()
        hers = database.epoch
        await users.save("her", language="kk", screen="police")  # joins the move's transaction
        with pytest.raises(RuntimeError):
            await task
        with pytest.raises(WritesLost):
            await database.durable(since=hers)
        assert on_disk(path, "her") is None and on_disk(path, "moved") is None
    finally:
        await database.close()


@pytest.mark.parametrize("group_commit", [False, True])
def test_a_database_left_open_does_not_keep_the_process_from_ending(tmp_path, group_commit):
    """aiosqlite's thread is not a daemon: if anything it runs kept a reference back to the connection, an
    unclosed one (a crash path, a forgetful test) would make the process wait for it forever at exit. This
    happened once (the whole suite passed, then pytest never ended); the process must end on its own."""
    script = (
        "import asyncio, sys\n"
        "from bot.storage.database import Database\n"
        "async def main():\n"
        f"    database = await Database.open(sys.argv[1], group_commit={group_commit})\n"
        "    await database.connection.execute('CREATE TABLE t (x)')\n"
        "    await database.connection.execute('INSERT INTO t VALUES (1)')\n"
        "asyncio.run(main())\n"
        "print('ended')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "bot.sqlite3")],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0 and "ended" in done.stdout
