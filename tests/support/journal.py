"""The journal on a temporary data folder, for its service-level tests (tests/unit/journal) and the chat's
(tests/handlers): cheap Argon2 parameters, a clock the tests move, the harness around a JournalService, test
images, and a search for a PIN anywhere inside a value. The fixtures are in tests/unit/journal/conftest.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """Wall and monotonic time that move only when a test says so."""

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
    """A JournalService on its own database and data folder, reading the clock the test moves."""

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


def png_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (40, 40, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


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
