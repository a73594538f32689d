"""A journal on a temporary data folder, with cheap Argon2 parameters and a clock the tests move (the doubles
themselves are in tests/support/journal.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.journal.service import JournalService
from bot.storage.database import Database
from tests.support.journal import CHEAP_ARGON2, SECRET, FakeClock, Harness


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = await Database.open(data_dir / "bot.sqlite3")
    service = JournalService(database, data_dir, SECRET, argon2=CHEAP_ARGON2, clock=clock.wall, monotonic=clock.mono)
    harness = Harness(service, database, data_dir, clock)
    try:
        yield harness
    finally:
        await harness.database.close()  # the one open now: a test may close it and open another
