"""A journal on a temporary data folder, with cheap Argon2 parameters and a clock the tests move."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot.journal.keys import Argon2Params
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.storage.database import Database

SECRET = b"journal-test-secret-key-material-0123456789"
# Argon2id's minimum cost: the tests check behaviour, not strength (the default stays 3 passes, 64 MiB).
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)
START = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)  # 12:00 in Kazakhstan
PSEUDONYMS = Pseudonymizer(SECRET)
ALICE = PSEUDONYMS.user_key(111_111_111)
BOB = PSEUDONYMS.user_key(222_222_222)


class FakeClock:
    def __init__(self) -> None:
        self.wall_now = START.timestamp()
        self.mono_now = 1000.0

    def wall(self) -> float:
        return self.wall_now

    def mono(self) -> float:
        return self.mono_now

    def advance(self, seconds: float) -> None:
        self.wall_now += seconds
        self.mono_now += seconds


@dataclass
class Harness:
    service: JournalService
    database: Database
    data_dir: Path
    clock: FakeClock

    def open_service(self, secret: bytes = SECRET) -> JournalService:
        """A second service on the same database: a restart, or a server with another key."""
        return JournalService(
            self.database, self.data_dir, secret, argon2=CHEAP_ARGON2, clock=self.clock.wall, monotonic=self.clock.mono
        )

    async def rows(self, sql: str, *params: object) -> list[tuple]:
        async with self.database.connection.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def execute(self, sql: str, *params: object) -> None:
        await self.database.connection.execute(sql, params)

    def stored_files(self) -> list[Path]:
        """Every file the bot wrote under the data folder: database, -wal, -shm, attachments."""
        return sorted(path for path in self.data_dir.rglob("*") if path.is_file())

    def files_containing(self, needle: bytes) -> list[str]:
        return [path.name for path in self.stored_files() if needle in path.read_bytes()]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = await Database.open(data_dir / "bot.sqlite3")
    service = JournalService(database, data_dir, SECRET, argon2=CHEAP_ARGON2, clock=clock.wall, monotonic=clock.mono)
    try:
        yield Harness(service, database, data_dir, clock)
    finally:
        await database.close()


def png_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (40, 40, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
