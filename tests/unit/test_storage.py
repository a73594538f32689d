"""SQLite storage: safe settings, versioned migrations, repositories, no raw ids on disk."""

from __future__ import annotations

import time

import pytest

from bot.content.store import ContentStore
from bot.services import Services
from bot.storage.database import Database, Migration, StorageError, bundled_migrations
from bot.storage.recent import Recent
from bot.storage.users import UserRepository


async def pragma(database: Database, name: str) -> object:
    async with database.connection.execute(f"PRAGMA {name}") as cursor:
        return (await cursor.fetchone())[0]


async def test_open_applies_safe_settings_and_all_migrations(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await pragma(database, "journal_mode") == "wal"
        assert await pragma(database, "foreign_keys") == 1
        assert await pragma(database, "secure_delete") == 1
        assert await database.schema_version() == len(bundled_migrations())
        assert await database.integrity_ok()
    finally:
        await database.close()


async def test_state_survives_reopening(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    try:
        await UserRepository(database).save("key1", language="kk", screen="menu")
    finally:
        await database.close()

    reopened = await Database.open(path)
    try:
        state = await UserRepository(reopened).get("key1")
        assert state is not None and (state.language, state.screen) == ("kk", "menu")
        assert await UserRepository(reopened).get("someone else") is None
    finally:
        await reopened.close()


async def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(Exception, match="nowhere"):
        await Database.open(tmp_path / "db", [good, bad])
    database = await Database.open(tmp_path / "db", [good])
    try:
        assert await database.schema_version() == 1
        async with database.connection.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cursor:
            assert await cursor.fetchone() is None  # the half-applied migration was rolled back
    finally:
        await database.close()


async def test_a_newer_database_is_refused(tmp_path):
    database = await Database.open(tmp_path / "db")
    try:
        await database.connection.execute("PRAGMA user_version = 99")
    finally:
        await database.close()
    with pytest.raises(StorageError, match="schema version 99, newer than this program"):
        await Database.open(tmp_path / "db")


async def test_a_corrupt_file_gives_one_clear_error(tmp_path):
    path = tmp_path / "db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot be used"):
        await Database.open(path)


async def test_raw_telegram_ids_never_reach_the_database_file(settings, content: ContentStore):
    settings.data_dir.mkdir(parents=True)
    services = await Services.open(settings, content, b"s" * 32)
    try:
        await services.guide.open(987654321, "kk", "welcome")
        await services.guide.press(987654321, "kk", "1:a:language:en")
        await services.guide.press(987654321, "kk", "1:t:plan_leaving:0")
        await services.safety.record(987654321, [1, 2, 3], int(time.time()))  # also schedules the wipe
        assert (await services.guide.language_of(987654321, "kk")) == "en"
    finally:
        await services.close()  # an open aiosqlite connection would keep the test process alive
    on_disk = b"".join(path.read_bytes() for path in settings.data_dir.iterdir())
    assert b"987654321" not in on_disk


async def test_a_truncated_database_is_refused_not_written_to(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    try:
        repository = UserRepository(database)
        for number in range(2000):
            await repository.save(f"key{number}", language="kk", screen="menu")
        await database.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await database.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StorageError, match=r"damaged|cannot be used"):
        await Database.open(path)
    assert path.stat().st_size == len(data) // 2  # nothing was written to the damaged file


def test_the_memory_of_recent_rows_forgets_the_one_used_longest_ago():
    recent: Recent[str, int] = Recent(2)
    recent.remember("a", 1)
    recent.remember("b", 2)
    assert recent.recall("a") == 1  # "a" just used: "b" is now the oldest
    recent.remember("c", 3)
    assert list(recent) == ["a", "c"]
